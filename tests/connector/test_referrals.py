"""Two-sided referrals on Shopify and WooCommerce fixture orders: the friend's code once, the
referrer's points only after the pending period, refunds within it cancelling both, and the
fraud rules that refuse a referral recorded with their inputs."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from connector import outbox, referrals
from connector.customers import find_customer
from connector.members import join
from connector.models import LedgerEntry, Redemption, Referral, Shop
from connector.types import utcnow
from connector.worker import referral_jobs
from rules.program import load_program
from tests.connector.storefront_shops import drain, make_store_shop
from tests.connector.test_order_deleted import deleted_delivery
from tests.connector.test_woo_rewards import settle_jobs
from tests.support import EXAMPLE_PROGRAM

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")

PROGRAM = EXAMPLE_PROGRAM.read_text()  # pending 14 days, referrer 500, friend welcome-10
RITA = "rita@example.org"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(outbox, "BASE_DELAY_SECONDS", 0.0)


@pytest.fixture(params=["shopify", "woocommerce"])
def store(request, services):
    made = make_store_shop(request.param, services, PROGRAM)
    yield made
    made.fake.__exit__(None, None, None)


def member(services, store, email: str, customer_ref: str) -> None:
    with services.db.transaction() as session:
        join(session, session.get(Shop, store.shop_id), email, utcnow(),
             customer_ref=customer_ref)


def referral_code(client, store, customer_ref: str) -> str:
    answer = client.get(f"{store.url('links')}?{store.signed(customer_ref)}")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["referral"]["url"].endswith(f"/r/{body['referral']['code']}")
    return body["referral"]["code"]


def points_of(services, store, email: str) -> tuple[int, list[str]]:
    with services.db.reading() as session:
        customer = find_customer(session, session.get(Shop, store.shop_id), None, email)
        keys = session.scalars(select(LedgerEntry.source_key).where(
            LedgerEntry.customer_id == customer.id).order_by(LedgerEntry.id)).all()
        return customer.points_total, list(keys)


def the_referral(services) -> Referral:
    with services.db.reading() as session:
        (record,) = session.scalars(select(Referral)).all()
        session.expunge(record)
        return record


def release(services, at) -> int:
    with services.db.transaction() as session:
        return referrals.release_due(session, at)


def test_a_referred_friend_gets_one_code_and_the_referrer_points_after_the_pending_period(
        client, services, store):
    member(services, store, RITA, "9001")
    code = referral_code(client, store, "9001")
    for _ in range(2):  # the same order twice, then its code
        store.post(client, store.order_with_code(code))
        drain(services)
        referral_jobs(services)
        settle_jobs(services)
    record = the_referral(services)
    assert (record.status, record.refused_by, record.attributed_by) == \
        ("awaiting", None, "landing")
    codes = store.codes()
    assert len(codes) == 1  # the friend's welcome-10, created once
    with services.db.reading() as session:
        granted = session.get(Redemption, record.friend_redemption_id)
        assert (granted.reward_id, granted.points, granted.status) == ("welcome-10", 0, "issued")
    assert codes[0]["code"].upper() == granted.code.upper()
    before, keys = points_of(services, store, RITA)
    assert not any(key.startswith("referral:") for key in keys)
    assert release(services, record.release_at - timedelta(seconds=1)) == 0
    assert points_of(services, store, RITA)[0] == before
    assert record.release_at == record.decided_at + timedelta(days=14)
    assert release(services, record.release_at) == 1
    assert release(services, record.release_at + timedelta(days=1)) == 0  # once
    after, keys = points_of(services, store, RITA)
    assert after == before + 500
    assert f"referral:order:{store.friend_order}:referrer" in keys
    assert the_referral(services).status == "released"


def test_a_refund_within_the_pending_period_cancels_both_sides(client, services, store):
    member(services, store, RITA, "9001")
    code = referral_code(client, store, "9001")
    store.post(client, store.order_with_code(code))
    drain(services)
    referral_jobs(services)
    settle_jobs(services)
    assert len(store.codes()) == 1
    store.post(client, store.cancelled_order())  # the later fact carries no code: still found
    drain(services)
    settle_jobs(services)
    record = the_referral(services)
    assert record.status == "cancelled"
    assert store.codes() == []  # the friend's unused code was deleted on the store
    assert release(services, record.release_at + timedelta(days=1)) == 0
    _, keys = points_of(services, store, RITA)
    assert not any(key.startswith("referral:") for key in keys)


def decision_checks(record: Referral) -> dict[str, dict]:
    return {check["rule"]: check for check in json.loads(record.decision)["checks"]}


def test_referring_yourself_is_refused_by_the_email_rule(client, services, store):
    member(services, store, "alice@example.com", store.friend_ref)
    code = referral_code(client, store, store.friend_ref)
    store.post(client, store.order_with_code(code))
    drain(services)
    referral_jobs(services)
    settle_jobs(services)
    record = the_referral(services)
    assert (record.status, record.refused_by) == ("refused", "self_referral_email")
    check = decision_checks(record)["self_referral_email"]
    assert check["passed"] is False and check["reason"] == "the friend's email is the referrer's"
    assert check["inputs"]["referrer_email"] == check["inputs"]["friend_email"] != ""
    assert "alice" not in record.decision  # identities are hashed, never kept in clear
    assert store.codes() == []


def test_an_existing_customer_is_refused_with_the_rule_recorded(client, services, store):
    member(services, store, RITA, "9001")
    code = referral_code(client, store, "9001")
    earlier = {"id": 4999, "created_at": "2026-10-01T10:00:00+01:00",
               "processed_at": "2026-10-01T10:00:00+01:00",
               "updated_at": "2026-10-01T10:00:00+01:00"} if store.platform == "shopify" else \
        {"id": 12, "date_created_gmt": "2026-10-01T10:00:00",
         "date_modified_gmt": "2026-10-01T10:00:00", "date_paid_gmt": "2026-10-01T10:00:00"}
    store.post(client, store.order_with_code(None, **earlier))
    store.post(client, store.order_with_code(code))
    drain(services)
    referral_jobs(services)
    record = the_referral(services)
    assert (record.status, record.refused_by) == ("refused", "existing_customer")
    checks = decision_checks(record)
    assert checks["existing_customer"]["inputs"] == {"friend_was_customer_before_referral": "true"}
    assert checks["self_referral_email"]["passed"] is True
    assert checks["minimum_order"]["passed"] is True
    with services.db.reading() as session:
        assert session.scalar(select(func.count(Redemption.id))) == 0


def test_a_recorded_decision_replays_under_changed_rules(client, services, store):
    member(services, store, RITA, "9001")
    code = referral_code(client, store, "9001")
    store.post(client, store.order_with_code(code))
    drain(services)
    record = the_referral(services)
    assert record.status == "awaiting"
    stricter = load_program(PROGRAM.replace('min_order = "30.00"', 'min_order = "100.00"'))
    replayed = referrals.replay(record, stricter)
    assert (replayed.approved, replayed.refused_by) == (False, "minimum_order")


def test_the_cli_lists_decisions_and_replays_them_under_a_draft(client, services, store, run,
                                                                tmp_path):
    member(services, store, RITA, "9001")
    code = referral_code(client, store, "9001")
    store.post(client, store.order_with_code(code))
    drain(services)
    listed = run("referrals", "list", "--shop", store.shop_id)
    assert f"order {store.friend_order}" in listed.stdout and RITA in listed.stdout
    assert "awaiting" in listed.stdout
    (row,) = json.loads(run("referrals", "list", "--shop", store.shop_id, "--json").stdout)
    assert {c["rule"] for c in row["decision"]["checks"]} >= {"self_referral_ip",
                                                               "monthly_cap"}
    draft = tmp_path / "draft.toml"
    draft.write_text(PROGRAM.replace('min_order = "30.00"', 'min_order = "100.00"'))
    replayed = run("referrals", "replay", "--shop", store.shop_id, draft)
    assert f"order {store.friend_order}: approved -> refused by minimum_order" in replayed.stdout
    assert "1 decisions replayed, 1 would change" in replayed.stdout


@pytest.mark.parametrize("store", ["woocommerce"], indirect=True)
def test_a_trashed_order_cancels_its_referral(client, services, store):
    member(services, store, RITA, "9001")
    store.post(client, store.order_with_code(referral_code(client, store, "9001")))
    drain(services)
    referral_jobs(services)
    settle_jobs(services)
    store.post(client, deleted_delivery(13))
    drain(services)
    settle_jobs(services)
    assert the_referral(services).status == "cancelled"
    assert store.codes() == []


def test_the_referrers_code_typed_as_a_coupon_attributes_the_order(client, services, store):
    member(services, store, RITA, "9001")
    code = referral_code(client, store, "9001")
    store.post(client, store.order_with_code(None, **store.typed_coupon(code.lower())))
    drain(services)
    record = the_referral(services)
    assert (record.status, record.attributed_by, record.code) == ("awaiting", "coupon", code)
