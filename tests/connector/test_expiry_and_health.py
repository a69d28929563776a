"""Per-lot expiry, /healthz, and the stable log event names operators grep for."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from connector import pipeline, worker
from connector.ledger import expire_due_lots
from connector.models import Customer, LedgerEntry, Shop
from connector.statements import customer_statement
from connector.types import utcnow
from tests.connector.woo import edited_delivery, fixture_delivery, post
from tests.support import woo_signature


def alice(services, shop_id):
    with services.db.reading() as session:
        return customer_statement(session, session.get(Shop, shop_id), None, "alice@example.com")


def test_lots_expire_one_by_one_for_what_is_left(client, services, woo_shop):
    old_paid = (utcnow() - timedelta(days=14 + 365 + 1)).strftime("%Y-%m-%dT%H:%M:%S")
    recent = (utcnow() - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S")
    for order_id, paid in ((13, old_paid), (14, recent)):
        post(client, woo_shop, *edited_delivery("04", id=order_id, date_paid_gmt=paid,
                                                date_modified_gmt=paid))
    post(client, woo_shop, *edited_delivery(  # order 13 partly refunded before it expired
        "07", date_paid_gmt=old_paid, date_modified_gmt=recent))
    pipeline.drain(services.db)
    before = alice(services, woo_shop)
    assert (before["balance"], before["pending"]) == (46 + 200 + 56, 0)  # with first-order bonus

    with services.db.transaction() as session:
        assert expire_due_lots(session, utcnow()) == 1
    with services.db.transaction() as session:
        assert expire_due_lots(session, utcnow()) == 0  # once per lot
    after = alice(services, woo_shop)
    assert after["balance"] == 56  # only order 13's lot (46 left + its 200 bonus) expired
    assert after["entries"][-1]["kind"] == "expire" and after["entries"][-1]["points"] == -246
    with services.db.reading() as session:
        customer = session.scalar(select(Customer))
        assert customer.points_total == sum(e.points for e in session.scalars(
            select(LedgerEntry).where(LedgerEntry.customer_id == customer.id)))


def test_healthz_reports_database_and_worker_heartbeat(client, services):
    first = client.get("/healthz")
    assert first.status_code == 200
    assert first.get_json() == {"status": "degraded", "database": "ok",
                                "worker_heartbeat_age_seconds": None}
    worker.beat(services.db, "test-worker")
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and 0 <= body["worker_heartbeat_age_seconds"] < 5


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    from connector import create_app

    app = create_app({"LOYALTY_INSTANCE_PATH": str(tmp_path),
                      "LOYALTY_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


def test_webhook_outcomes_are_logged_with_stable_event_names(client, woo_shop, caplog):
    body, headers = fixture_delivery("04")
    with caplog.at_level(logging.INFO, logger="loyalty"):
        post(client, woo_shop, body, headers)
        post(client, woo_shop, body, headers)
        post(client, woo_shop, body, dict(headers, **{
            "X-WC-Webhook-Signature": woo_signature(body, "wrong")}))
    events = [r.getMessage() for r in caplog.records if r.name == "loyalty.webhooks"]
    assert events == ["webhook.accepted", "webhook.duplicate", "webhook.bad-signature"]


def test_refund_after_the_lot_expired_never_makes_the_balance_negative(client, services,
                                                                      woo_shop):
    old_paid = (utcnow() - timedelta(days=14 + 365 + 1)).strftime("%Y-%m-%dT%H:%M:%S")
    post(client, woo_shop, *edited_delivery("04", date_paid_gmt=old_paid,
                                            date_modified_gmt=old_paid))
    pipeline.drain(services.db)
    with services.db.transaction() as session:
        assert expire_due_lots(session, utcnow()) == 1
    post(client, woo_shop, *edited_delivery("07", date_paid_gmt=old_paid))  # refund of 10.00
    pipeline.drain(services.db)
    after = alice(services, woo_shop)
    assert (after["balance"], after["pending"]) == (0, 0)
    assert [e["kind"] for e in after["entries"]] == ["earn", "bonus", "expire"]
