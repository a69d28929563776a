"""`loyalty import` and `loyalty reconcile` against the fake WooCommerce store: the same ledger
as delivering the same orders as webhooks, and lost deliveries recovered."""
from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connector import pipeline, programs
from connector.backfill import backfill
from connector.models import Customer, LedgerEntry, OrderState, Shop
from connector.shops import add_shop
from tests.connector.woo import post
from tests.fakes.woo_orders import make_orders
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET, woo_signature

START = datetime(2024, 1, 1, tzinfo=UTC)


def new_shop(services, store_url: str, name: str = "") -> int:
    """A shop reading `store_url`; a `name` makes a second shop on the same fake store."""
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", store_url + name,
                        webhook_secret=WOO_SECRET, api_key="ck_fake", api_secret="cs_fake",
                        api_base=store_url)
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example.toml")
        return shop.id


def as_webhook(order: dict) -> tuple[bytes, dict]:
    raw = json.dumps(order).encode()
    return raw, {"X-WC-Webhook-Topic": "order.updated", "Content-Type": "application/json",
                 "X-WC-Webhook-Signature": woo_signature(raw)}


def deliver_all(client, services, shop_id, orders) -> None:
    for order in orders:
        assert post(client, shop_id, *as_webhook(order)).status_code == 200
    pipeline.drain(services.db)


def ledger(services, shop_id) -> list[tuple]:
    """The shop's ledger, by customer e-mail, in a form two shops can be compared in."""
    with services.db.reading() as session:
        rows = session.execute(select(Customer.email, LedgerEntry).join(
            Customer, Customer.id == LedgerEntry.customer_id).where(
            LedgerEntry.shop_id == shop_id))
        return sorted((email, e.kind, e.points, _by_email(e.source_key, e.customer_id, email),
                       e.lot, e.available_at, e.expires_at) for email, e in rows)


def net_ledger(services, shop_id) -> dict[tuple, int]:
    """Points per customer and lot (with the lot's dates): what balances, pending points and
    expiry are made of. Processing the same orders in another order may write a first-order
    bonus on a later order and then move it to the earliest one (awards.award_first_order),
    so entries can differ while every lot nets the same."""
    net: dict[tuple, int] = {}
    for email, _, points, _, lot, available_at, expires_at in ledger(services, shop_id):
        key = (email, lot, available_at, expires_at)
        net[key] = net.get(key, 0) + points
    return {key: points for key, points in net.items() if points}


def balances(services, shop_id) -> dict[str, tuple]:
    with services.db.reading() as session:
        return {c.email: (c.points_total, c.lifetime_earned, c.tier) for c in session.scalars(
            select(Customer).join(Shop, Shop.program_id == Customer.program_id)
            .where(Shop.id == shop_id))}


def _by_email(source_key: str, customer_id: int, email: str) -> str:
    """Bonus keys name our internal customer id, which differs between two shops."""
    return re.sub(rf"^([a-z-]+):{customer_id}(?=:|$)", rf"\1:{email}", source_key)


@pytest.fixture
def store():
    with FakeWooCommerce("ck_fake", "cs_fake", ping_webhooks=False) as fake:
        yield fake



def import_matches_delivery(client, services, store, run, count: int, customers: int) -> str:
    """Import `count` orders with the CLI and deliver the same ones as webhooks to a twin shop:
    both ledgers must agree. Returns the rate the import reported."""
    orders = make_orders(count, seed=count, start=START, customers=customers)
    for order in orders:
        store.add_order(order)
    imported, delivered = new_shop(services, store.url), new_shop(services, store.url, "b/")
    result = run("import", "--shop", imported, "--since", "2023-12-31")
    assert result.exit_code == 0, result.output
    assert f"{count}/{count}" in result.stderr and "order/s" in result.stderr  # tqdm's bar
    rate = re.search(rf"imported {count} orders \({count} new to the pipeline\) in "
                     r"[0-9.]+ s: ([0-9]+) orders/s", result.stdout)
    assert rate, result.stdout
    deliver_all(client, services, delivered, orders)
    assert net_ledger(services, imported) == net_ledger(services, delivered)
    assert balances(services, imported) == balances(services, delivered)
    assert len(ledger(services, imported)) > count
    return rate.group(1)


def test_import_shows_progress_and_ends_with_the_webhook_ledger(client, services, store, run):
    import_matches_delivery(client, services, store, run, 1_000, customers=300)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the embedded default
def test_importing_10000_orders_matches_delivering_them(client, services, store, run):
    rate = import_matches_delivery(client, services, store, run, 10_000, customers=2_500)
    print(f"\nimport rate: {rate} orders/s")  # shown with `pytest -s`


def test_import_again_changes_nothing(services, store):
    for order in make_orders(150, seed=4, start=START):
        store.add_order(order)
    shop_id = new_shop(services, store.url)
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        session.expunge(shop)
    backfill(services, shop, START, only_changed=False, show_progress=False)
    first = ledger(services, shop_id)
    again = backfill(services, shop, START, only_changed=False, show_progress=False)
    assert again.fed == 0 and ledger(services, shop_id) == first


def test_reconcile_recovers_orders_whose_webhooks_were_dropped(client, services, store, run):
    orders = make_orders(600, seed=5, start=START, customers=150)
    for order in orders:
        store.add_order(order)
    clean, lossy = new_shop(services, store.url), new_shop(services, store.url, "b/")
    deliver_all(client, services, clean, orders)
    rng = random.Random(11)
    dropped = {order["id"] for order in orders if rng.random() < 0.10}
    assert 40 < len(dropped) < 80
    deliver_all(client, services, lossy, [o for o in orders if o["id"] not in dropped])
    assert net_ledger(services, lossy) != net_ledger(services, clean)
    result = run("reconcile", "--shop", lossy, "--since", "2023-12-31", "--no-progress")
    assert result.exit_code == 0, result.output
    assert f"checked 600 orders: {len(dropped)} recovered, {600 - len(dropped)} up to date" \
        in result.stdout
    assert net_ledger(services, lossy) == net_ledger(services, clean)
    assert balances(services, lossy) == balances(services, clean)


def _days_ago(days: int) -> datetime:
    """Midnight UTC `days` days before today: orders that recent are still pending (14 days)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days)


def _gmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def test_reconcile_feeds_a_changed_order_and_a_trashed_one(client, services, store):
    start = _days_ago(6)  # its 30 orders span up to 5 days, all paid within the return window
    orders = make_orders(30, seed=6, start=start, customers=10)
    for order in orders:
        store.add_order(order)
    shop_id = new_shop(services, store.url)
    deliver_all(client, services, shop_id, orders)
    paid = [o for o in orders if o["status"] == "processing" and not o["refunds"]]
    refunded, trashed = store.orders[paid[0]["id"]], store.orders[paid[1]["id"]]
    changed_at = start + timedelta(days=3, hours=9)
    refunded.update(status="refunded", date_modified_gmt=_gmt(changed_at),
                    refunds=[{"id": 9001, "reason": "", "total": "-" + refunded["total"]}])
    trashed.update(status="trash", date_modified_gmt=_gmt(changed_at + timedelta(seconds=1)))
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        session.expunge(shop)
    report = backfill(services, shop, start - timedelta(days=19), only_changed=True,
                      show_progress=False)
    assert (report.fed, report.deleted) == (1, 1)
    owed = {key: 0 for key in (refunded["id"], trashed["id"])}
    for _, _, points, key, _, _, _ in ledger(services, shop_id):
        order_id = int(key.split(":")[1]) if key.startswith("order:") else None
        if order_id in owed:
            owed[order_id] += points
    assert owed == {refunded["id"]: 0, trashed["id"]: 0}


def test_the_worker_recovers_recent_dropped_orders_on_its_own(client, services, store):
    recent = make_orders(8, seed=12, start=_days_ago(4), customers=5)
    for order in recent:
        store.add_order(order)
    shop_id = new_shop(services, store.url)
    deliver_all(client, services, shop_id, recent[:5])  # the last three webhooks were lost
    from connector.backfill import reconcile_recent

    now = datetime.fromisoformat(recent[-1]["date_modified_gmt"]).replace(tzinfo=UTC)
    reports = reconcile_recent(services, now)
    assert (reports[shop_id].fed, reports[shop_id].up_to_date) == (3, 5)
    with services.db.reading() as session:
        known = set(session.scalars(select(OrderState.order_id).where(
            OrderState.shop_id == shop_id)))
    assert known == {str(order["id"]) for order in recent}
    store.revoke_keys()
    assert reconcile_recent(services, now) == {}  # logged, retried next time, never raised
