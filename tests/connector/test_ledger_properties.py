"""Ledger invariants over random orders, refunds and delivery schedules, through the real
receiver and worker: the same facts in any order, repeated or not, give the same net ledger;
a full refund or cancellation returns an order to exactly 0; partial refunds never drift from
the points owed on what is left; no balance is ever negative.

"Same net ledger": per customer and lot, the same points with the same dates, and the same
cached totals. Entry keys record which fact caused a movement, so a run that saw the newest
fact first (the older ones are then stale) writes one movement where the clean run wrote one
per refund; and a customer's first-order bonus may first land on a later order and then move
to the earliest (a bonus and its reversal on the later lot). The captured fixtures, whose facts
never skip a movement, are compared entry by entry in test_pipeline.py.
"""
from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from connector import pipeline
from connector.models import Customer, LedgerEntry
from tests.connector.test_pipeline import fresh_shop, ledger_of
from tests.connector.woo import edited_delivery, post

cents = st.integers(min_value=100, max_value=8000).map(lambda c: Decimal(c) / 100)


def line(n: int, total: Decimal) -> dict:
    return {"id": n, "name": f"item {n}", "product_id": n, "variation_id": 0, "quantity": 1,
            "subtotal": str(total), "subtotal_tax": "0.00", "total": str(total),
            "total_tax": "0.00", "taxes": [], "meta_data": [], "sku": f"SKU-{n}", "price": 0}


@st.composite
def order_histories(draw):
    """Per order: its lines and the cumulative facts (paid, refunds growing, maybe an end)."""
    histories = []
    for order_id in range(100, 100 + draw(st.integers(1, 4))):
        buyer = draw(st.sampled_from(["ann", "ben"]))  # customers with several orders
        lines = draw(st.lists(cents, min_size=1, max_size=2))
        merchandise = sum(lines, Decimal(0))
        refunds = sorted(draw(st.lists(st.integers(1, int(merchandise * 100)).map(
            lambda c: Decimal(c) / 100), max_size=2)))
        end = draw(st.sampled_from(["open", "refunded", "cancelled"]))
        facts = [("processing", Decimal(0))] + [("completed", r) for r in refunds]
        if end != "open":
            facts.append((end, merchandise if end == "refunded" else refunds[-1] if refunds
                          else Decimal(0)))
        histories.append((order_id, lines, facts, buyer))
    return histories


def deliveries(histories):
    """All facts, each a signed WooCommerce body, in the order they happened."""
    out = []
    for order_id, lines, facts, buyer in histories:
        for step, (status, refunded) in enumerate(facts):
            modified = f"2026-11-20T10:{order_id - 100:02d}:{step:02d}"
            refunds = [{"id": 1, "reason": "", "total": str(-refunded)}] if refunded else []
            out.append(edited_delivery(
                "04", id=order_id, status=status, customer_id=0, refunds=refunds,
                billing={"email": f"{buyer}@example.com"},
                line_items=[line(n, t) for n, t in enumerate(lines, 1)],
                date_paid_gmt=f"2026-11-20T09:{order_id - 100:02d}:00",
                date_modified_gmt=modified))
    return out


def run(client, services, shop_id, steps, all_deliveries):
    for step in steps:
        if step == "drain":
            pipeline.drain(services.db)
        else:
            assert post(client, shop_id, *all_deliveries[step]).status_code == 200
    pipeline.drain(services.db)


def net_ledger(entries) -> dict:
    net: dict = {}
    for email, _kind, points, _key, lot, available_at, expires_at in entries:
        slot = (email, lot, available_at, expires_at)
        net[slot] = net.get(slot, 0) + points
    return {slot: points for slot, points in net.items() if points}


def totals_of(services, shop_id) -> dict:
    from connector.models import Shop

    with services.db.reading() as session:
        return {c.email: (c.points_total, c.lifetime_earned) for c in session.scalars(
            select(Customer).join(Shop, Shop.program_id == Customer.program_id)
            .where(Shop.id == shop_id))}


def owed_now(lines, facts) -> int:
    status, refunded = facts[-1]
    if status in ("refunded", "cancelled"):
        return 0
    merchandise = sum(lines, Decimal(0))
    left = merchandise - min(refunded, merchandise)
    return int(left.to_integral_value(rounding=ROUND_FLOOR))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(histories=order_histories(), data=st.data())
def test_random_orders_in_any_schedule_leave_one_exact_ledger(client, services, woo_shop,
                                                              histories, data):
    facts = deliveries(histories)
    clean_shop = fresh_shop(services)
    run(client, services, clean_shop, list(range(len(facts))), facts)
    clean = ledger_of(services, clean_shop)

    steps = [i for i in range(len(facts)) for _ in range(data.draw(st.integers(1, 2)))]
    steps += ["drain"] * data.draw(st.integers(0, 3))
    shuffled_shop = fresh_shop(services)
    run(client, services, shuffled_shop, data.draw(st.permutations(steps)), facts)
    assert net_ledger(ledger_of(services, shuffled_shop)) == net_ledger(clean)
    assert totals_of(services, shuffled_shop) == totals_of(services, clean_shop)

    with services.db.reading() as session:
        for order_id, lines, order_facts, _buyer in histories:
            lot = f"order:{order_id}:earn"
            points = session.scalars(select(LedgerEntry.points).where(
                LedgerEntry.shop_id == clean_shop, LedgerEntry.lot == lot,
                LedgerEntry.source_key.like("order:%"))).all()
            assert sum(points) == owed_now(lines, order_facts), (order_id, order_facts)
        totals = session.scalars(select(Customer.points_total)).all()
        assert min(totals) >= 0
