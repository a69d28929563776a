"""Rewards pushed to the fake WooCommerce store: coupons, tier meta, and our echoes."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from adapters.woocommerce.push import create_code
from connector import outbox, pipeline, programs, pushing
from connector.customers import find_customer
from connector.models import LedgerEntry, OutboxAttempt, OutboxJob, Redemption, Shop
from connector.redemptions import CODE_PURPOSE, RedemptionRefused, redeem
from connector.shops import add_shop, credentials
from connector.types import utcnow
from rules.redemption import code_spec
from tests.connector.woo import edited_delivery, fixture_delivery, post
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET, woo_signature

# The example program with points available at once and a cheap 5-off, so tests can spend.
SPENDABLE = (EXAMPLE_PROGRAM.read_text().replace("pending_days = 14", "pending_days = 0")
             .replace("cost = 500", "cost = 50"))


@pytest.fixture
def settings(settings):
    return {**settings, "LOYALTY_PUSH_TIMEOUT_SECONDS": "0.5"}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(outbox, "BASE_DELAY_SECONDS", 0.0)


@pytest.fixture
def store():
    with FakeWooCommerce(ping_webhooks=False) as fake:
        fake.add_product({"id": 77, "sku": "COFFEE-250G", "name": "Coffee 250 g"})
        yield fake


@pytest.fixture
def shop_id(services, store):
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", store.url,
                        webhook_secret=WOO_SECRET, api_key=store.consumer_key,
                        api_secret=store.consumer_secret)
        programs.publish(session, shop.program_id, SPENDABLE, "spendable.toml")
        return shop.id


def alice_with_points(client, services, shop_id):
    """Alice signs up (100) and pays order 13 (56 + first-order 200): 356 available."""
    for delivery in (fixture_delivery("01"), fixture_delivery("04")):
        assert post(client, shop_id, *delivery).status_code == 200
    pipeline.drain(services.db)


def spend(services, shop_id, reward_id, request_id="req-1"):
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        customer = find_customer(session, shop, None, "alice@example.com")
        return redeem(session, shop, customer, reward_id, request_id, utcnow(),
                      services.box.derive(CODE_PURPOSE))


def balance(services, shop_id):
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        return find_customer(session, shop, None, "alice@example.com").points_total


def settle_jobs(services, rounds=10):
    """Run push jobs until none is due, ignoring backoff delays (they are tested elsewhere)."""
    for _ in range(rounds):
        with services.db.transaction() as session:
            for job in session.scalars(select(OutboxJob).where(OutboxJob.status == "pending")):
                job.due_at = utcnow()
        if not pushing.drain(services):
            return


def job_attempts(services, kind="discount.create"):
    with services.db.reading() as session:
        return [a.outcome for a in session.scalars(
            select(OutboxAttempt).join(OutboxJob, OutboxJob.id == OutboxAttempt.job_id)
            .where(OutboxJob.kind == kind).order_by(OutboxAttempt.id))]


def tier_writes(store, customer_id=2):
    """The PUTs of a customer that wrote the tier tag (profile pushes write points too)."""
    return [call for call in store.calls_to("PUT", f"customers/{customer_id}")
            if any(m.get("key") == "loyalty_tier" for m in call.body.get("meta_data", []))]


def test_redeeming_creates_one_coupon_with_the_right_restrictions(client, services, store,
                                                                  shop_id):
    alice_with_points(client, services, shop_id)
    done = spend(services, shop_id, "5-off")
    settle_jobs(services)
    (coupon,) = store.coupons.values()
    assert coupon["code"] == done.code.lower()  # WooCommerce lower-cases codes
    assert coupon["discount_type"] == "fixed_cart" and coupon["amount"] == "5.00"
    assert coupon["minimum_amount"] == "20.00"
    assert coupon["individual_use"] is True
    assert coupon["usage_limit"] == 1 and coupon["usage_limit_per_user"] == 1
    assert coupon["email_restrictions"] == ["alice@example.com"]
    assert coupon["date_expires_gmt"][:10] == \
        (utcnow().date().fromordinal(utcnow().date().toordinal() + 30)).isoformat()
    assert {"key": "_loyalty_source", "value": "redemption"} in [
        {"key": m["key"], "value": m["value"]} for m in coupon["meta_data"]]
    assert balance(services, shop_id) == 356 - 50
    with services.db.reading() as session:
        assert session.scalar(select(Redemption.status)) == "issued"


def test_a_timeout_after_the_store_created_the_coupon_still_gives_one_coupon(
        client, services, store, shop_id):
    alice_with_points(client, services, shop_id)
    store.delay_after("POST", "coupons", seconds=1.5)  # client gives up after 0.5 s
    spend(services, shop_id, "5-off")
    settle_jobs(services)
    assert len(store.coupons) == 1
    assert job_attempts(services) == ["transient", "ok"]
    assert len(store.calls_to("POST", "coupons")) == 2  # the retry found "already exists"


def test_two_503s_then_success_gives_one_coupon(client, services, store, shop_id):
    alice_with_points(client, services, shop_id)
    store.fail_next("POST", "coupons", 503, times=2)
    spend(services, shop_id, "5-off")
    settle_jobs(services)
    assert len(store.coupons) == 1
    assert job_attempts(services) == ["transient", "transient", "ok"]


def test_a_free_shipping_reward_is_a_free_shipping_coupon(client, services, store, shop_id):
    alice_with_points(client, services, shop_id)
    spend(services, shop_id, "free-shipping", "req-ship")
    settle_jobs(services)
    (shipping,) = store.coupons.values()
    assert shipping["free_shipping"] is True and shipping["amount"] == "0"


def test_a_free_product_reward_limits_the_coupon_to_that_product(services, store, shop_id):
    # Issued by the punch card, not bought with points: pushed straight from its spec.
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        program = programs.parsed(programs.live_version(session, shop.program_id))
        target = credentials(shop, services)
    spec = code_spec(program.reward("free-coffee"), "LOYAL-COFFEE", "alice@example.com",
                     utcnow())
    create_code(target, spec)
    (coffee,) = store.coupons.values()
    assert coffee["product_ids"] == [77] and coffee["discount_type"] == "percent"
    assert coffee["amount"] == "100" and coffee["limit_usage_to_x_items"] == 1


def test_the_same_request_id_redeems_once_and_never_overspends(client, services, store,
                                                               shop_id):
    alice_with_points(client, services, shop_id)
    first = spend(services, shop_id, "free-shipping", "req-9")
    again = spend(services, shop_id, "free-shipping", "req-9")
    assert again.repeated and again.code == first.code
    assert balance(services, shop_id) == 56
    with pytest.raises(RedemptionRefused, match="not enough points: 56 available, 300 needed"):
        spend(services, shop_id, "free-shipping", "req-10")
    with pytest.raises(RedemptionRefused, match="issued by the program"):
        spend(services, shop_id, "welcome-10", "req-11")
    settle_jobs(services)
    assert len(store.coupons) == 1


def test_a_coupon_code_taken_by_someone_else_fails_and_returns_the_points(
        client, services, store, shop_id):
    alice_with_points(client, services, shop_id)
    with services.db.reading() as session:
        next_id = (session.scalar(select(Redemption.id).order_by(Redemption.id.desc())) or 0) + 1
    from rules.redemption import discount_code

    taken = discount_code(services.box.derive(CODE_PURPOSE), shop_id, str(next_id))
    store.coupons[999] = {"id": 999, "code": taken.lower(), "meta_data": []}
    spend(services, shop_id, "5-off")
    settle_jobs(services)
    with services.db.reading() as session:
        record = session.scalar(select(Redemption))
        assert record.status == "failed" and "did not create" in record.detail
    assert balance(services, shop_id) == 356


def test_a_tier_change_writes_the_customer_meta_once_and_its_echo_earns_nothing(
        client, services, store, shop_id):
    store.add_customer({"id": 2, "email": "alice@example.com", "meta_data": []})
    alice_with_points(client, services, shop_id)
    big = edited_delivery("04", id=20, date_modified_gmt="2026-11-23T04:00:20",
                          line_items=[{"id": 90, "name": "Big", "product_id": 9, "quantity": 1,
                                       "subtotal": "600.00", "total": "600.00", "sku": "BIG",
                                       "price": 600, "meta_data": [], "taxes": []}])
    assert post(client, shop_id, *big).status_code == 200
    pipeline.drain(services.db)
    settle_jobs(services)
    assert len(tier_writes(store)) == 1
    assert store.customers[2]["meta_data"][-1]["value"] == "loyalty-silver"
    before = ledger(services, shop_id)
    # The meta write echoes back as customer.updated, the coupon as coupon.created.
    echo = json.loads(fixture_delivery("01")[0])
    echo.update(meta_data=store.customers[2]["meta_data"], date_modified_gmt="2026-11-23T05:00:00")
    coupon = json.loads(fixture_delivery("03")[0])
    for topic, payload in (("customer.updated", echo), ("coupon.created", coupon)):
        raw = json.dumps(payload).encode()
        headers = {"X-WC-Webhook-Topic": topic, "X-WC-Webhook-Signature": woo_signature(raw),
                   "Content-Type": "application/json"}
        assert post(client, shop_id, raw, headers).status_code == 200
    pipeline.drain(services.db)
    settle_jobs(services)
    assert ledger(services, shop_id) == before
    assert len(tier_writes(store)) == 1  # no loop
    profile_writes = len(store.calls_to("PUT", "customers/2"))
    pipeline.drain(services.db)
    settle_jobs(services)
    assert len(store.calls_to("PUT", "customers/2")) == profile_writes


def ledger(services, shop_id):
    with services.db.reading() as session:
        return [(e.kind, e.points, e.source_key) for e in session.scalars(
            select(LedgerEntry).where(LedgerEntry.shop_id == shop_id).order_by(LedgerEntry.id))]


def test_money_in_coupons_is_sent_as_strings(client, services, store, shop_id):
    alice_with_points(client, services, shop_id)
    spend(services, shop_id, "5-off")
    settle_jobs(services)
    (call,) = store.calls_to("POST", "coupons")
    assert isinstance(call.body["amount"], str) and Decimal(call.body["amount"]) == 5


def test_the_balance_and_tier_reach_the_customer_meta_and_guests_get_nothing(
        client, services, store, shop_id):
    store.add_customer({"id": 2, "email": "alice@example.com", "meta_data": []})
    alice_with_points(client, services, shop_id)
    guest = edited_delivery("04", id=30, customer_id=0,
                            billing={"email": "guest@example.com"})
    assert post(client, shop_id, *guest).status_code == 200
    pipeline.drain(services.db)
    settle_jobs(services)
    meta = {m["key"]: m["value"] for m in store.customers[2]["meta_data"]}
    assert meta["loyalty_points"] == "356" and meta["loyalty_tier_name"] == "Member"
    assert [c.path for c in store.calls if c.method == "PUT"] == ["customers/2"] * \
        len(store.calls_to("PUT", "customers/"))
