"""A tier's earning multiplier follows the spend paid before each order, whatever order the
deliveries come in: when an earlier-paid order arrives after a later one, the later order is
re-priced with the tier the earlier one reached (example program: Silver at 500.00, x1.25)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from connector.models import LedgerEntry
from tests.connector.test_ledger_properties import line, net_ledger, run, totals_of
from tests.connector.test_pipeline import fresh_shop, ledger_of
from tests.connector.woo import edited_delivery


def _order(order_id: int, total: str, paid: str):
    return edited_delivery(
        "04", id=order_id, status="processing", customer_id=0, refunds=[],
        billing={"email": "ann@example.com"}, line_items=[line(1, Decimal(total))],
        date_paid_gmt=paid, date_modified_gmt=paid)


BIG, SMALL = 0, 1
ORDERS = [_order(200, "600.00", "2026-11-20T09:00:00"), _order(201, "100.00",
                                                             "2026-11-20T10:00:00")]


def _run(client, services, first: int, then: int) -> int:
    shop_id = fresh_shop(services)
    run(client, services, shop_id, [first, "drain", then], ORDERS)
    return shop_id


def _lot_points(services, shop_id: int, order_id: int) -> list[tuple[str, int]]:
    with services.db.reading() as session:
        return list(session.execute(select(LedgerEntry.kind, LedgerEntry.points).where(
            LedgerEntry.shop_id == shop_id, LedgerEntry.lot == f"order:{order_id}:earn",
            LedgerEntry.source_key.like("order:%")).order_by(LedgerEntry.id)))


def test_an_earlier_paid_order_arriving_late_reprices_the_later_one(client, services):
    in_order = _run(client, services, BIG, SMALL)
    assert _lot_points(services, in_order, 201) == [("earn", 125)]  # already Silver

    late = _run(client, services, SMALL, BIG)
    assert _lot_points(services, late, 201) == [("earn", 100), ("earn", 25)]  # re-priced
    assert _lot_points(services, late, 200) == [("earn", 600)]
    assert net_ledger(ledger_of(services, late)) == net_ledger(ledger_of(services, in_order))
    assert totals_of(services, late) == totals_of(services, in_order)
