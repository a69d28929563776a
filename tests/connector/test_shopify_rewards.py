"""Rewards pushed to the fake Shopify Admin API: one code per redemption whatever fails, tier
tags swapped with exactly one tagsAdd and one tagsRemove; and the storefront app proxy."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy import select

from adapters.shopify import signature
from adapters.shopify.admin import forget_buckets
from adapters.shopify.proxy import proxy_signature
from connector import outbox, pipeline, programs
from connector.customers import find_customer
from connector.models import Redemption, Shop
from connector.redemptions import CODE_PURPOSE, redeem
from connector.shops import add_shop
from connector.types import utcnow
from tests.connector.test_woo_rewards import SPENDABLE, job_attempts, settle_jobs
from tests.fakes.shopify import FakeShopify
from tests.support import SHOPIFY_DOMAIN, SHOPIFY_SECRET, shopify_delivery

ALICE = "gid://shopify/Customer/7001"


@pytest.fixture
def settings(settings):
    return {**settings, "LOYALTY_PUSH_TIMEOUT_SECONDS": "0.5"}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(outbox, "BASE_DELAY_SECONDS", 0.0)
    forget_buckets()


@pytest.fixture
def fake():
    with FakeShopify() as server:
        yield server


@pytest.fixture
def shop_id(services, fake):
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "shopify", SHOPIFY_DOMAIN,
                        webhook_secret=SHOPIFY_SECRET, api_key=fake.access_token,
                        api_base=fake.url)
        programs.publish(session, shop.program_id, SPENDABLE, "spendable.toml")
        return shop.id


def alice_with_points(client, services):
    """Alice signs up (100) and pays order 5001 (56 + first order 200): 356 available."""
    for name in ("01", "03"):
        body, headers = shopify_delivery(name)
        assert client.post("/webhooks/shopify", data=body, headers=headers).status_code == 200
    pipeline.drain(services.db)
    settle_jobs(services)  # the balance pushes, so faults armed next hit the code call


def spend(services, shop_id, reward_id="5-off", request_id="req-1"):
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        customer = find_customer(session, shop, None, "alice@example.com")
        return redeem(session, shop, customer, reward_id, request_id, utcnow(),
                      services.box.derive(CODE_PURPOSE))


def outcomes(services):
    """Attempts of the code jobs (orders also queue balance/profile pushes)."""
    return job_attempts(services, "discount.create")


def test_a_redeemed_reward_becomes_one_single_use_code_bound_to_the_customer(
        client, services, fake, shop_id):
    alice_with_points(client, services)
    done = spend(services, shop_id)
    settle_jobs(services)
    (code,) = fake.discounts.values()
    sent = code  # the fake keeps the mutation input as given
    assert done.code.upper() in fake.discounts
    assert sent["usageLimit"] == 1 and sent["appliesOncePerCustomer"] is True
    assert sent["context"] == {"customers": {"add": [ALICE]}}
    assert sent["customerGets"]["value"] == {"discountAmount": {"amount": "5.00",
                                                                "appliesOnEachItem": False}}
    assert sent["minimumRequirement"] == {"subtotal": {"greaterThanOrEqualToSubtotal": "20.00"}}
    assert sent["endsAt"].endswith("Z")
    with services.db.reading() as session:
        assert session.scalar(select(Redemption.status)) == "issued"


def test_a_timeout_after_the_code_was_created_still_gives_one_code(client, services, fake,
                                                                   shop_id):
    alice_with_points(client, services)
    fake.delay_after(1.5)  # the client gives up after 0.5 s; the fake has created the code
    spend(services, shop_id)
    settle_jobs(services)
    assert len(fake.discounts) == 1
    assert outcomes(services) == ["transient", "ok"]
    assert [c.operation for c in fake.calls if c.operation.startswith(("discount", "code"))] \
        == ["discountCodeBasicCreate", "discountCodeBasicCreate", "codeDiscountNodeByCode"]


def test_three_throttled_answers_are_waited_out_and_give_one_code(client, services, fake,
                                                                  shop_id):
    alice_with_points(client, services)
    fake.throttle_next(3)
    spend(services, shop_id)
    settle_jobs(services)
    assert len(fake.discounts) == 1 and outcomes(services) == ["ok"]
    creates = fake.calls_to("discountCodeBasicCreate")
    assert [call.throttled for call in creates] == [True, True, True, False]


def test_a_percentage_is_sent_as_a_fraction_and_free_shipping_as_its_own_discount(
        client, services, fake, shop_id):
    alice_with_points(client, services)
    spend(services, shop_id, "free-shipping", "req-ship")
    settle_jobs(services)
    assert len(fake.calls_to("discountCodeFreeShippingCreate")) == 1
    assert len(fake.discounts) == 1


def paid_order(client, services, order_id: int, unit_price: str, minute: int) -> None:
    """Alice pays another order: order 5001's body with a new id and the beans' price."""
    order = json.loads(shopify_delivery("03")[0])
    order.update(id=order_id, updated_at=f"2026-11-23T12:{minute:02d}:00+01:00")
    beans = order["line_items"][0]
    beans["price"] = beans["price_set"]["shop_money"]["amount"] = unit_price
    beans["discount_allocations"] = []
    raw = json.dumps(order).encode()
    headers = dict(shopify_delivery("03")[1], **{
        "X-Shopify-Event-Id": f"evt-{order_id}", "X-Shopify-Hmac-Sha256": signature(raw, SHOPIFY_SECRET)})
    assert client.post("/webhooks/shopify", data=raw, headers=headers).status_code == 200
    pipeline.drain(services.db)
    settle_jobs(services)


def test_a_tier_change_swaps_the_tags_once(client, services, fake, shop_id):
    alice_with_points(client, services)
    paid_order(client, services, 5100, "300.00", 1)  # 2 x 300 + the mug: Silver
    assert [c.variables for c in fake.calls_to("tagsAdd")] == [
        {"id": ALICE, "tags": ["loyalty-silver"]}]
    assert fake.calls_to("tagsRemove") == []  # Member carries no tag
    paid_order(client, services, 5101, "500.00", 2)  # past 1,500: Gold
    assert [c.variables for c in fake.calls_to("tagsAdd")] == [
        {"id": ALICE, "tags": ["loyalty-silver"]}, {"id": ALICE, "tags": ["loyalty-gold"]}]
    assert [c.variables for c in fake.calls_to("tagsRemove")] == [
        {"id": ALICE, "tags": ["loyalty-silver"]}]
    assert fake.customer_tags[ALICE] == {"loyalty-gold"}
    settle_jobs(services)  # nothing more to do: each change pushed once
    assert len(fake.calls_to("tagsAdd")) == 2 and len(fake.calls_to("tagsRemove")) == 1
    metafields = {key[2]: m["value"] for key, m in fake.metafields.items() if key[0] == ALICE}
    assert metafields["tier"] == "Gold" and int(metafields["points"]) > 0


# --- the storefront through the app proxy ------------------------------------------------

def test_the_documented_signature_vector():
    query = ("extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1"
             "&path_prefix=/apps/awesome_reviews&timestamp=1317327555")
    assert proxy_signature(parse_qsl(query), "hush") == \
        "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"


def proxied(customer: str = "7001", secret: str = SHOPIFY_SECRET, age: int = 0,
            **extra: str) -> str:
    params = [("shop", SHOPIFY_DOMAIN), ("logged_in_customer_id", customer),
              ("path_prefix", "/apps/loyalty"), ("timestamp", str(int(time.time()) - age)),
              *extra.items()]
    return urlencode([*params, ("signature", proxy_signature(params, secret))])


def test_the_logged_in_customer_sees_balance_tier_and_affordable_rewards(client, services,
                                                                         shop_id):
    alice_with_points(client, services)
    answer = client.get(f"/proxy/balance?{proxied()}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["balance"], body["pending"]) == (356, 0)
    assert [r["id"] for r in body["rewards"]] == ["5-off", "free-shipping"]


def test_redeem_gives_one_code_per_request_id(client, services, fake, shop_id):
    alice_with_points(client, services)
    first = client.post(f"/proxy/redeem?{proxied(reward='5-off', request_id='r-1')}")
    again = client.post(f"/proxy/redeem?{proxied(reward='5-off', request_id='r-1')}")
    assert first.status_code == 200 and again.get_json()["repeated"] is True
    assert first.get_json()["code"] == again.get_json()["code"]
    settle_jobs(services)
    assert len(fake.discounts) == 1
    balance = client.get(f"/proxy/balance?{proxied()}").get_json()["balance"]
    assert balance == 356 - 50


@pytest.mark.parametrize(("query", "status", "message"), [
    (lambda: proxied(secret="wrong"), 401, "does not match"),
    (lambda: proxied(age=3600), 401, "timestamp"),
    (lambda: proxied(customer=""), 401, "log in"),
    (lambda: "shop=" + SHOPIFY_DOMAIN, 401, "signature: missing"),
])
def test_unsigned_stale_or_anonymous_requests_are_refused(client, services, shop_id, query,
                                                          status, message):
    answer = client.get(f"/proxy/balance?{query()}")
    assert answer.status_code == status and message in answer.get_json()["error"]


def test_redeeming_more_than_the_balance_is_refused(client, services, shop_id):
    alice_with_points(client, services)
    answer = client.post(f"/proxy/redeem?{proxied(reward='free-shipping', request_id='a')}")
    assert answer.status_code == 200
    refused = client.post(f"/proxy/redeem?{proxied(reward='free-shipping', request_id='b')}")
    assert refused.status_code == 409 and "not enough points" in refused.get_json()["error"]
