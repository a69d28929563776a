"""Manual adjustments and custom actions at the service level: lots, FIFO removal, once per
request id or action key, refusals that change nothing, and `loyalty ledger verify` agreeing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from connector import ledger, pipeline, programs
from connector.actions import ActionRefused, record_action
from connector.adjustments import AdjustmentRefused, adjust
from connector.customers import find_customer
from connector.models import LedgerEntry, Shop
from connector.shops import add_shop
from connector.types import utcnow
from tests.connector.test_woo_rewards import SPENDABLE
from tests.connector.woo import fixture_delivery, post
from tests.support import WOO_SECRET

ALICE = "alice@example.com"


@pytest.fixture
def shop_id(services):
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "http://127.0.0.1:9/",
                        webhook_secret=WOO_SECRET, api_key="ck", api_secret="cs")
        programs.publish(session, shop.program_id, SPENDABLE, "spendable.toml")
        return shop.id


@pytest.fixture
def alice(client, services, shop_id):
    """Alice signs up (100) and pays order 13 (56 + first-order 200): 356 available."""
    for name in ("01", "04"):
        assert post(client, shop_id, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db)
    return ALICE


def change(services, shop_id, points, reason="goodwill", request_id="r1", now=None):
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        customer = find_customer(session, shop, None, ALICE)
        return adjust(session, shop, customer, points, reason, "admin:ana", request_id,
                      now or utcnow())


def act(services, shop_id, action, key, now=None):
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        customer = find_customer(session, shop, None, ALICE)
        return record_action(session, shop, customer, action, key, now or utcnow())


def entries(services, kind):
    with services.db.reading() as session:
        return list(session.execute(select(LedgerEntry.points, LedgerEntry.lot,
                                           LedgerEntry.reason, LedgerEntry.actor,
                                           LedgerEntry.expires_at)
                                    .where(LedgerEntry.kind == kind).order_by(LedgerEntry.id)))


def verified(services):
    with services.db.reading() as session:
        return ledger.verify(session) == []


def test_an_addition_opens_its_own_lot_expiring_like_earned_points(services, shop_id, alice):
    now = utcnow()
    done = change(services, shop_id, 50, "late delivery", now=now)
    assert (done.points, done.balance, done.repeated) == (50, 406, False)
    ((points, lot, reason, actor, expires),) = entries(services, "adjust")
    assert (points, reason, actor) == (50, "late delivery", "admin:ana")
    assert lot.startswith("adjust:")
    assert expires - now == timedelta(days=365)  # the example program's expire_days
    assert verified(services)


def test_the_same_request_id_counts_once(services, shop_id, alice):
    change(services, shop_id, 50)
    again = change(services, shop_id, 50)
    assert (again.repeated, again.balance) == (True, 406)
    assert len(entries(services, "adjust")) == 1


def test_a_request_id_reused_for_another_amount_is_refused(services, shop_id, alice):
    change(services, shop_id, 50)
    with pytest.raises(AdjustmentRefused, match="already used for another adjustment"):
        change(services, shop_id, -20)


def test_a_removal_takes_points_from_the_lots_first_in_first_out(services, shop_id, alice):
    done = change(services, shop_id, -120, "duplicate account", request_id="r2")
    assert done.balance == 236
    removed = entries(services, "adjust")
    assert sum(points for points, *_ in removed) == -120
    assert all(points < 0 and reason == "duplicate account" for points, _, reason, *_ in removed)
    assert verified(services)


def test_removing_more_than_is_available_is_refused_and_changes_nothing(services, shop_id, alice):
    with pytest.raises(AdjustmentRefused, match="cannot remove 357 points: the customer has "
                                                "356 available"):
        change(services, shop_id, -357)
    assert entries(services, "adjust") == []


@pytest.mark.parametrize(("points", "reason", "message"), [
    (0, "x", "other than 0"), (10, "  ", "give a reason"), (10**8, "x", "at most 10,000,000"),
    (10, "x" * 501, "at most 500 characters")])
def test_bad_adjustments_are_refused_with_the_reason(services, shop_id, alice, points, reason,
                                                     message):
    with pytest.raises(AdjustmentRefused, match=message):
        change(services, shop_id, points, reason)
    assert entries(services, "adjust") == []


def test_reviews_pay_up_to_the_daily_cap_and_each_review_once(services, shop_id, alice):
    now = utcnow()
    first = act(services, shop_id, "review", "rev-1", now)
    repeat = act(services, shop_id, "review", "rev-1", now)
    second = act(services, shop_id, "review", "rev-2", now)
    capped = act(services, shop_id, "review", "rev-3", now)
    assert (first.points, first.balance) == (25, 381)
    assert (repeat.points, repeat.reason) == (0, "already paid for this key")
    assert second.points == 25
    assert (capped.points, capped.reason) == (0, "the daily review cap is reached")
    assert act(services, shop_id, "review", "rev-4", now + timedelta(days=1)).points == 25


def test_a_newsletter_signup_pays_once_ever(services, shop_id, alice):
    assert act(services, shop_id, "newsletter", "nl-1").points == 50
    assert act(services, shop_id, "newsletter", "nl-2").points == 0
    assert verified(services)


def test_an_unknown_action_is_refused(services, shop_id, alice):
    with pytest.raises(ActionRefused, match="unknown action 'like': use one of review, "
                                            "newsletter"):
        act(services, shop_id, "like", "x")
