"""Order 13 of the captured fixtures through receiver and worker, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from connector import pipeline, programs
from connector.models import Customer, LedgerEntry
from connector.shops import add_shop
from connector.statements import customer_statement
from tests.connector.woo import edited_delivery, fixture_delivery, full_refund_delivery, post
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")

PAID_AT = datetime(2026, 11, 23, 3, 55, 8, tzinfo=UTC)


def deliver(client, services, shop_id, *deliveries):
    for body, headers in deliveries:
        assert post(client, shop_id, body, headers).status_code == 200
    pipeline.drain(services.db)


def order_entries(services, shop_id):
    with services.db.reading() as session:
        rows = session.scalars(select(LedgerEntry).where(LedgerEntry.shop_id == shop_id)
                               .order_by(LedgerEntry.id))
        return [(e.kind, e.points, e.source_key) for e in rows if e.source_key.startswith("order:")]


def bonus_entries(services, shop_id):
    with services.db.reading() as session:
        rows = session.scalars(select(LedgerEntry).where(LedgerEntry.shop_id == shop_id)
                               .order_by(LedgerEntry.id))
        return [(e.kind, e.points) for e in rows if not e.source_key.startswith("order:")]


def statement(services, shop_id, email="alice@example.com"):
    from connector.models import Shop

    with services.db.reading() as session:
        return customer_statement(session, session.get(Shop, shop_id), None, email)


def test_paid_order_earns_points_on_merchandise_after_discounts(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"))
    # 45.00 + 11.25 after the 10% coupon; shipping 5.00 excluded; 1 point per 1.00, floor.
    assert order_entries(services, woo_shop) == [("earn", 56, "order:13:earn")]
    result = statement(services, woo_shop)
    # and the example program's first-order bonus of 200, pending with the order
    assert bonus_entries(services, woo_shop) == [("bonus", 200)]
    assert (result["pending"], result["balance"], result["lifetime_earned"]) == (256, 0, 256)
    entry = result["entries"][0]
    assert entry["available_at"] == (PAID_AT + timedelta(days=14)).isoformat()
    assert entry["expires_at"] == (PAID_AT + timedelta(days=14 + 365)).isoformat()


def test_completed_delivery_adds_nothing(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"), fixture_delivery("06"))
    assert order_entries(services, woo_shop) == [("earn", 56, "order:13:earn")]


def test_partial_refund_claws_back_proportionally(client, services, woo_shop):
    deliver(client, services, woo_shop, *(fixture_delivery(n) for n in ("04", "06", "07")))
    entries = order_entries(services, woo_shop)
    assert [(kind, points) for kind, points, _ in entries] == [("earn", 56), ("clawback", -10)]
    assert statement(services, woo_shop)["pending"] == 46 + 200  # floor(56.25 - 10.00) + bonus


def test_full_refund_returns_the_order_to_exactly_zero(client, services, woo_shop):
    deliver(client, services, woo_shop, *(fixture_delivery(n) for n in ("04", "06", "07")),
            full_refund_delivery())
    assert sum(points for _, points, _ in order_entries(services, woo_shop)) == 0
    result = statement(services, woo_shop)
    assert (result["balance"], result["pending"], result["lifetime_earned"]) == (0, 0, 0)
    assert bonus_entries(services, woo_shop) == [("bonus", 200), ("clawback", -200)]


def test_guest_order_earns_against_the_email(client, services, woo_shop):
    guest = edited_delivery("04", customer_id=0,
                            billing={"email": "  Guest@Example.COM ", "first_name": "G"})
    deliver(client, services, woo_shop, guest)
    assert statement(services, woo_shop, "guest@example.com")["pending"] == 56 + 200


def test_refund_uses_the_version_the_order_earned_with(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"))
    doubled = EXAMPLE_PROGRAM.read_text().replace("points_per_unit = 1 ", "points_per_unit = 2 ")
    with services.db.transaction() as session:
        from connector.models import Shop

        programs.publish(session, session.get(Shop, woo_shop).program_id, doubled, "v2.toml")
    assert doubled != EXAMPLE_PROGRAM.read_text()
    deliver(client, services, woo_shop, fixture_delivery("07"))
    assert [p for _, p, _ in order_entries(services, woo_shop)] == [56, -10]
    # an order paid after version 2 was published earns at the doubled rate
    now = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    later = edited_delivery("04", id=14, date_paid_gmt=now, date_modified_gmt=now)
    deliver(client, services, woo_shop, later)
    assert order_entries(services, woo_shop)[-1] == ("earn", 112, "order:14:earn")


# --- any schedule of the same facts leaves the same ledger -------------------------------------

def fresh_shop(services) -> int:
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce",
                        f"http://127.0.0.1:8000/{uuid.uuid4().hex}/", webhook_secret=WOO_SECRET)
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example")
        return shop.id


def ledger_of(services, shop_id):
    """The shop's entries, with the customer's surrogate id in bonus keys written as <id>:
    each run uses a fresh shop, so the same customer has another row id."""
    with services.db.reading() as session:
        rows = session.execute(
            select(Customer.id, Customer.email, LedgerEntry.kind, LedgerEntry.points,
                   LedgerEntry.source_key, LedgerEntry.lot, LedgerEntry.available_at,
                   LedgerEntry.expires_at)
            .join(Customer, Customer.id == LedgerEntry.customer_id)
            .where(LedgerEntry.shop_id == shop_id))
        def plain(text, cid):
            return re.sub(rf"^(signup|first-order):{cid}\b", r"\1:<id>", text)
        return sorted((email, kind, points, plain(key, cid), plain(lot, cid), available, expires)
                      for cid, email, kind, points, key, lot, available, expires in rows)


def run_schedule(client, services, schedule) -> list:
    shop_id = fresh_shop(services)
    for step in schedule:
        if step == "drain":
            pipeline.drain(services.db)
        else:
            body, headers = fixture_delivery(step)
            assert post(client, shop_id, body, headers).status_code == 200
    pipeline.drain(services.db)
    return ledger_of(services, shop_id)


@st.composite
def schedules(draw):
    """The order facts, each delivered 1-3 times, shuffled, with the worker draining at random
    moments; sometimes the `completed` state is coalesced into the first delivery (no 04)."""
    facts = ["06", "07"] if draw(st.booleans()) else ["04", "06", "07"]
    extras = draw(st.lists(st.sampled_from(["01", "03"]), max_size=2, unique=True))
    steps = [fact for fact in facts + extras for _ in range(draw(st.integers(1, 3)))]
    steps += ["drain"] * draw(st.integers(0, 3))
    return extras, draw(st.permutations(steps))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(schedule=schedules())
def test_any_schedule_of_the_facts_leaves_the_clean_ledger(client, services, woo_shop, schedule):
    extras, steps = schedule
    clean = run_schedule(client, services, [*sorted(extras), "04", "06", "07"])
    order_points = sorted((kind, points) for _, kind, points, key, *_ in clean
                          if key.startswith("order:"))
    assert order_points == [("clawback", -10), ("earn", 56)]
    assert run_schedule(client, services, steps) == clean
