"""The first-order bonus belongs to the customer's earliest paid order, whatever order the
deliveries are processed in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from connector.models import LedgerEntry
from tests.connector.test_pipeline import (
    bonus_entries,  # noqa: F401 (shared helper)
    deliver,
    order_entries,
    statement,
)
from tests.connector.woo import edited_delivery, fixture_delivery, full_refund_delivery

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")


def later_order():
    """Alice's second order, paid a day after order 13."""
    return edited_delivery("04", id=14, date_created_gmt="2026-11-24T03:55:08",
                           date_paid_gmt="2026-11-24T03:55:08",
                           date_modified_gmt="2026-11-24T03:55:08")


def bonus_lots(services, shop_id):
    with services.db.reading() as session:
        entries = session.scalars(select(LedgerEntry).where(
            LedgerEntry.shop_id == shop_id, LedgerEntry.source_key.like("first-order:%")))
        net: dict[str, int] = {}
        for entry in entries:
            net[entry.lot] = net.get(entry.lot, 0) + entry.points
        return {lot: points for lot, points in net.items() if points}


def test_the_bonus_moves_to_an_earlier_order_processed_later(client, services, woo_shop):
    deliver(client, services, woo_shop, later_order())
    assert bonus_lots(services, woo_shop) == {"order:14:earn": 200}
    deliver(client, services, woo_shop, fixture_delivery("04"))
    assert bonus_lots(services, woo_shop) == {"order:13:earn": 200}
    assert statement(services, woo_shop)["pending"] == 56 + 56 + 200


def test_in_order_the_first_order_gets_the_bonus_and_the_second_none(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"), later_order())
    in_order = (bonus_lots(services, woo_shop), statement(services, woo_shop)["pending"])
    assert in_order == ({"order:13:earn": 200}, 312)


def test_a_refunded_first_order_keeps_the_bonus_from_passing_to_the_next(
        client, services, woo_shop):
    deliver(client, services, woo_shop, later_order(), fixture_delivery("04"),
            full_refund_delivery())
    assert bonus_lots(services, woo_shop) == {}
    assert sum(p for _, p, key in order_entries(services, woo_shop) if "order:14" in key) == 56
