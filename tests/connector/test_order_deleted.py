"""`order.deleted` (a trashed order, body only its id) removes what the order earned while its
points were still pending; a restore earns again; released points stay."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from connector import pipeline
from connector.models import InboxDelivery
from tests.connector.test_pipeline import bonus_entries, deliver, order_entries, statement
from tests.connector.woo import edited_delivery, fixture_delivery, post
from tests.support import woo_signature

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")

AFTER_RELEASE = datetime(2026, 12, 20, tzinfo=UTC)  # order 13's return window ends 7 December


def deleted_delivery(order_id: int, delivery_id: str = "a" * 32) -> tuple[bytes, dict]:
    raw = json.dumps({"id": order_id}).encode()
    return raw, {"Content-Type": "application/json", "X-WC-Webhook-Topic": "order.deleted",
                 "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "deleted",
                 "X-WC-Webhook-Signature": woo_signature(raw),
                 "X-WC-Webhook-Delivery-ID": delivery_id}


def restored_delivery():
    return edited_delivery("06", date_modified_gmt="2026-11-23T05:00:00")


def test_trashing_a_pending_order_removes_its_points_and_bonus(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"), deleted_delivery(13))
    assert order_entries(services, woo_shop) == [
        ("earn", 56, "order:13:earn"),
        ("clawback", -56, "order:13:deleted:2026-11-23T03:55:08+00:00")]
    assert sorted(bonus_entries(services, woo_shop)) == [("bonus", 200), ("clawback", -200)]
    result = statement(services, woo_shop)
    assert (result["pending"], result["balance"]) == (0, 0)


def test_a_late_copy_of_the_order_does_not_earn_again_after_deletion(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"), deleted_delivery(13))
    deliver(client, services, woo_shop, edited_delivery("04", customer_note="resent"))
    assert statement(services, woo_shop)["pending"] == 0


def test_deletion_seen_before_the_order_leaves_nothing_to_earn(client, services, woo_shop):
    deliver(client, services, woo_shop, deleted_delivery(13), fixture_delivery("04"))
    assert order_entries(services, woo_shop) == []


def test_restoring_a_trashed_order_earns_it_again(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"), deleted_delivery(13),
            restored_delivery())
    assert sum(points for _, points, _ in order_entries(services, woo_shop)) == 56
    assert statement(services, woo_shop)["pending"] == 56  # the first-order bonus stays reversed


def test_a_second_trashing_after_a_restore_is_a_new_delivery(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"), deleted_delivery(13, "a" * 32),
            restored_delivery(), deleted_delivery(13, "b" * 32))
    assert sum(points for _, points, _ in order_entries(services, woo_shop)) == 0


def test_trashing_after_the_points_were_released_keeps_them(client, services, woo_shop):
    deliver(client, services, woo_shop, fixture_delivery("04"))
    body, headers = deleted_delivery(13)
    assert post(client, woo_shop, body, headers).status_code == 200
    with services.db.transaction() as session:
        (row,) = session.scalars(select(InboxDelivery).where(InboxDelivery.status == "new"))
        pipeline.process_delivery(session, row, AFTER_RELEASE)
        assert "kept" in row.note
    assert order_entries(services, woo_shop) == [("earn", 56, "order:13:earn")]


def test_a_repeated_deletion_delivery_is_recorded_once(client, services, woo_shop):
    body, headers = deleted_delivery(13)
    assert post(client, woo_shop, body, headers).get_json() == {"status": "accepted"}
    assert post(client, woo_shop, body, headers).get_json() == {"status": "duplicate"}
