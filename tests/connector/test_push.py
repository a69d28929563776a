"""Step 4 of the flow: a tier change becomes one push job; the job calls the store, retries
transient failures with every attempt recorded, and stops on permanent ones with the error."""
from __future__ import annotations

import json

import pytest
import requests
import responses
from sqlalchemy import select

from connector import applying, outbox, pipeline, pushing
from connector.models import OutboxAttempt, OutboxJob, Shop
from tests.connector.woo import edited_delivery, post

CUSTOMER_URL = "http://127.0.0.1:8000/wp-json/wc/v3/customers/2"
BIG_LINE = {"id": 1, "name": "Espresso machine", "product_id": 20, "variation_id": 0,
            "quantity": 1, "subtotal": "600.00", "subtotal_tax": "0.00", "total": "600.00",
            "total_tax": "0.00", "taxes": [], "meta_data": [], "sku": "MACHINE", "price": 600}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(outbox, "BASE_DELAY_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def tier_pushes_only(monkeypatch):
    """These tests script the store's answers to tier writes one by one; the balance/profile
    pushes every order also queues are tested in test_woo_rewards and test_shopify_rewards."""
    monkeypatch.setattr(applying, "note_profile_change", lambda session, customer: None)


def big_order(order_id: int):
    return edited_delivery("04", id=order_id, line_items=[BIG_LINE],
                           date_modified_gmt=f"2026-11-23T04:00:{order_id % 60:02d}")


def jobs(services):
    with services.db.reading() as session:
        return session.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()


def attempts(services, job_id):
    with services.db.reading() as session:
        return [a.outcome for a in session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.job_id == job_id).order_by(OutboxAttempt.id))]


def reach_silver(client, services, shop_id):
    post(client, shop_id, *big_order(20))
    post(client, shop_id, *big_order(21))  # already Silver: no second job
    pipeline.drain(services.db)


@responses.activate
def test_tier_change_writes_the_customer_meta_once(client, services, woo_shop):
    responses.put(CUSTOMER_URL, json={"id": 2})
    reach_silver(client, services, woo_shop)
    assert pushing.drain(services) == 1
    assert pushing.drain(services) == 0
    assert len(responses.calls) == 1
    assert json.loads(responses.calls[0].request.body) == {
        "meta_data": [{"key": "loyalty_tier", "value": "loyalty-silver"}]}
    (job,) = jobs(services)
    assert (job.status, job.attempts, attempts(services, job.id)) == ("done", 1, ["ok"])


@responses.activate
def test_transient_failures_retry_until_the_store_accepts(client, services, woo_shop):
    responses.put(CUSTOMER_URL, status=503, body="busy")
    responses.put(CUSTOMER_URL, body=requests.Timeout("slow"))
    responses.put(CUSTOMER_URL, json={"id": 2})
    reach_silver(client, services, woo_shop)
    pushing.drain(services)
    (job,) = jobs(services)
    assert job.status == "done" and job.last_error is None
    assert attempts(services, job.id) == ["transient", "transient", "ok"]


@responses.activate
def test_revoked_keys_disconnect_the_shop_and_the_job_waits_for_a_reconnect(
        client, services, woo_shop):
    responses.put(CUSTOMER_URL, status=401, json={"code": "woocommerce_rest_cannot_edit"})
    reach_silver(client, services, woo_shop)
    pushing.drain(services)
    (job,) = jobs(services)
    assert job.status == "pending" and "refused the API keys" in job.last_error
    assert attempts(services, job.id) == ["deferred"] and len(responses.calls) == 1
    with services.db.reading() as session:
        shop = session.get(Shop, woo_shop)
        assert shop.status == "disconnected" and "revoked" in shop.status_note
    with services.db.transaction() as session:
        session.get(Shop, woo_shop).status = "active"  # what a reconnect does
        outbox.resume_shop(session, woo_shop)
    responses.replace(responses.PUT, CUSTOMER_URL, json={"id": 2})
    pushing.drain(services)
    (job,) = jobs(services)
    assert job.status == "done" and attempts(services, job.id) == ["deferred", "ok"]


@responses.activate
def test_a_job_that_keeps_failing_goes_dead_after_the_last_attempt(client, services, woo_shop):
    responses.put(CUSTOMER_URL, status=500)
    reach_silver(client, services, woo_shop)
    pushing.drain(services)
    (job,) = jobs(services)
    assert job.status == "dead" and job.attempts == outbox.MAX_ATTEMPTS
    assert len(responses.calls) == outbox.MAX_ATTEMPTS


def test_backoff_grows_and_is_capped(monkeypatch):
    import random

    monkeypatch.setattr(outbox, "BASE_DELAY_SECONDS", 2.0)
    rng = random.Random(1)
    delays = [outbox.backoff(n, rng).total_seconds() for n in range(1, 20)]
    assert delays[0] <= 2 < delays[3] and max(delays) <= outbox.MAX_DELAY_SECONDS


@responses.activate
def test_tier_lapses_after_the_window_and_grace_and_the_store_is_told(client, services,
                                                                      woo_shop):
    from datetime import timedelta

    from connector.models import Customer
    from connector.placement import replace_due
    from connector.types import utcnow

    responses.put(CUSTOMER_URL, json={"id": 2})
    reach_silver(client, services, woo_shop)
    pushing.drain(services)
    now = utcnow()

    def review(days):
        with services.db.transaction() as session:
            replace_due(session, now + timedelta(days=days))
        with services.db.reading() as session:
            return session.scalar(select(Customer.tier))

    assert review(300) == "Silver"  # inside the 365-day window: nothing is due
    assert review(366) == "Silver"  # the spend left the window: 30 days of grace begin
    assert review(380) == "Silver"
    assert review(397) == "Member"  # grace over
    pushing.drain(services)
    assert [json.loads(call.request.body)["meta_data"][0]["value"]
            for call in responses.calls] == ["loyalty-silver", ""]
