"""`loyalty import` and `reconcile` from the fake Shopify Admin API: orders read back through
GraphQL leave the same ledger as the same orders delivered as webhooks."""
from __future__ import annotations

import json
import random

import pytest

from adapters.shopify import ADAPTER, signature
from adapters.shopify.admin import forget_buckets
from adapters.shopify.orders_api import webhook_shape
from connector import pipeline, programs
from connector.shops import add_shop
from tests.connector.test_backfill import balances, net_ledger
from tests.fakes.shopify import FakeShopify
from tests.fakes.shopify_orders import graphql_order, make_shopify_orders
from tests.support import EXAMPLE_PROGRAM, SHOPIFY_SECRET, shopify_delivery

IMPORTED, DELIVERED = "imported.myshopify.com", "delivered.myshopify.com"


@pytest.fixture
def fake():
    forget_buckets()
    with FakeShopify() as server:
        yield server


def new_shop(services, domain: str, fake: FakeShopify) -> int:
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "shopify", domain, webhook_secret=SHOPIFY_SECRET,
                        api_key=fake.access_token, api_base=fake.url)
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example.toml")
        return shop.id


def deliver(client, services, orders: list[dict], domain: str) -> None:
    for order in orders:
        raw = json.dumps(order).encode()
        headers = {"X-Shopify-Topic": "orders/updated", "X-Shopify-Shop-Domain": domain,
                   "X-Shopify-Hmac-Sha256": signature(raw, SHOPIFY_SECRET),
                   "X-Shopify-Event-Id": f"evt-{order['id']}", "Content-Type": "application/json"}
        assert client.post("/webhooks/shopify", data=raw, headers=headers).status_code == 200
    pipeline.drain(services.db)


@pytest.mark.parametrize("name", ["02", "03", "06", "07", "08", "09", "10"])
def test_an_order_read_through_graphql_parses_like_its_webhook(name):
    order = json.loads(shopify_delivery(name)[0])
    from_webhook = ADAPTER.parse("orders/updated", order, IMPORTED)
    from_graphql = ADAPTER.parse("orders/updated", webhook_shape(graphql_order(order)), IMPORTED)
    assert from_graphql == from_webhook


def test_import_matches_delivering_the_same_orders(client, services, fake, run):
    orders = make_shopify_orders(300, seed=1)
    for order in orders:
        fake.add_order(graphql_order(order))
    imported, delivered = new_shop(services, IMPORTED, fake), new_shop(services, DELIVERED, fake)
    result = run("import", "--shop", imported, "--since", "2026-09-01")
    assert result.exit_code == 0, result.output
    assert "300" in result.stderr and "order/s" in result.stderr  # the progress bar
    assert "imported 300 orders (300 new to the pipeline)" in result.stdout
    deliver(client, services, orders, DELIVERED)
    assert net_ledger(services, imported) == net_ledger(services, delivered)
    assert balances(services, imported) == balances(services, delivered)
    assert sum(total for total, *_ in balances(services, imported).values()) > 0


def test_reconcile_recovers_dropped_deliveries(client, services, fake, run):
    orders = make_shopify_orders(200, seed=2)
    for order in orders:
        fake.add_order(graphql_order(order))
    clean, lossy = new_shop(services, DELIVERED, fake), new_shop(services, IMPORTED, fake)
    deliver(client, services, orders, DELIVERED)
    rng = random.Random(5)
    kept = [order for order in orders if rng.random() >= 0.10]
    deliver(client, services, kept, IMPORTED)
    assert balances(services, lossy) != balances(services, clean)
    result = run("reconcile", "--shop", lossy, "--since", "2026-09-01", "--no-progress")
    assert result.exit_code == 0, result.output
    dropped = len(orders) - len(kept)
    assert f"checked 200 orders: {dropped} recovered, {len(kept)} up to date" in result.stdout
    assert net_ledger(services, lossy) == net_ledger(services, clean)
    assert balances(services, lossy) == balances(services, clean)
