"""/metrics: deliveries by platform and outcome, processing lag, push attempts and latency.

Counters are process-global (prometheus-client's default registry), so each test compares the
scrape before and after.
"""
from __future__ import annotations

import json
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connector import outbox, pipeline, programs, pushing, worker
from connector.customers import find_customer
from connector.models import Shop
from connector.redemptions import CODE_PURPOSE, redeem
from connector.shops import add_shop
from connector.types import utcnow
from tests.connector.woo import fixture_delivery, post
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET, woo_signature

SPENDABLE = (EXAMPLE_PROGRAM.read_text().replace("pending_days = 14", "pending_days = 0")
             .replace("cost = 500", "cost = 50"))


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before, after, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def deliveries(outcome: str, reason: str = "") -> dict[str, str]:
    return {"platform": "woocommerce", "outcome": outcome, "reason": reason}


DELIVERIES = "loyalty_webhook_deliveries_total"


def test_deliveries_are_counted_by_platform_outcome_and_reason(client, woo_shop):
    before = scrape(client)
    body, headers = fixture_delivery("04")
    assert post(client, woo_shop, body, headers).status_code == 200
    assert post(client, woo_shop, body, headers).get_json() == {"status": "duplicate"}
    forged = dict(headers, **{"X-WC-Webhook-Signature": woo_signature(body, "not-the-secret")})
    assert post(client, woo_shop, body, forged).status_code == 401
    assert post(client, 999999, body, headers).status_code == 404
    raw = b"not json"
    signed = dict(headers, **{"X-WC-Webhook-Signature": woo_signature(raw)})
    assert post(client, woo_shop, raw, signed).status_code == 400
    big = json.dumps({"padding": "x" * (1024 * 1024)}).encode()
    assert post(client, woo_shop, big, dict(headers, **{"Content-Length": str(len(big))})
                ).status_code == 413
    ping_body, ping_headers = fixture_delivery("00")
    assert post(client, woo_shop, ping_body, ping_headers).get_json()["ping"] is True
    after = scrape(client)
    assert delta(before, after, DELIVERIES, **deliveries("accepted")) == 1
    assert delta(before, after, DELIVERIES, **deliveries("duplicate")) == 1
    for reason in ("bad-signature", "unknown-shop", "bad-json", "too-large"):
        assert delta(before, after, DELIVERIES, **deliveries("rejected", reason)) == 1, reason
    changed = {key for key in after if key[0] == DELIVERIES and after[key] != before.get(key, 0)}
    assert len(changed) == 6, "a ping is not a delivery"


def test_processing_a_delivery_observes_its_lag(client, services, woo_shop):
    before = scrape(client)
    for name in ("01", "04"):
        assert post(client, woo_shop, *fixture_delivery(name)).status_code == 200
    assert pipeline.drain(services.db) == 2
    after = scrape(client)
    assert delta(before, after, "loyalty_deliveries_processed_total", status="done") == 2
    assert delta(before, after, "loyalty_delivery_processing_lag_seconds_count") == 2
    lag = delta(before, after, "loyalty_delivery_processing_lag_seconds_sum")
    assert 0 <= lag < 60
    assert delta(before, after, "loyalty_delivery_processing_lag_seconds_bucket", le="+Inf") == 2


def test_the_worker_beat_sets_the_heartbeat_gauge(client, services):
    worker.beat(services.db, "metrics-test")
    beat = value(scrape(client), "loyalty_worker_heartbeat_timestamp_seconds")
    assert abs(beat - time.time()) < 60


@pytest.fixture
def store():
    with FakeWooCommerce(ping_webhooks=False) as fake:
        yield fake


@pytest.fixture
def store_shop(services, store, monkeypatch):
    monkeypatch.setattr(outbox, "BASE_DELAY_SECONDS", 0.0)
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", store.url,
                        webhook_secret=WOO_SECRET, api_key=store.consumer_key,
                        api_secret=store.consumer_secret)
        programs.publish(session, shop.program_id, SPENDABLE, "spendable.toml")
        return shop.id


def spend_five_off(client, services, shop_id: int, request_id: str) -> None:
    """Alice signs up and pays order 13 (356 points available), then buys a 5-off code."""
    for name in ("01", "04"):
        assert post(client, shop_id, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db)
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        customer = find_customer(session, shop, None, "alice@example.com")
        redeem(session, shop, customer, "5-off", request_id, utcnow(),
               services.box.derive(CODE_PURPOSE))


ATTEMPTS, LATENCY = "loyalty_push_attempts_total", "loyalty_push_latency_seconds"
COUPON = {"kind": "discount.create"}


def test_push_attempts_count_outcomes_and_time_each_call(client, services, store, store_shop):
    before = scrape(client)
    store.fail_next("POST", "coupons", 503)
    spend_five_off(client, services, store_shop, "req-metrics-1")
    pushing.drain(services)  # 503: transient, retried after the (zero) backoff
    pushing.drain(services)
    assert len(store.coupons) == 1
    after = scrape(client)
    assert delta(before, after, ATTEMPTS, outcome="transient", **COUPON) == 1
    assert delta(before, after, ATTEMPTS, outcome="ok", **COUPON) == 1
    assert delta(before, after, f"{LATENCY}_count", **COUPON) == 2
    assert 0 < delta(before, after, f"{LATENCY}_sum", **COUPON) < 10
    assert delta(before, after, "loyalty_push_jobs_dead_total", **COUPON) == 0


def test_a_permanent_failure_counts_a_dead_job(client, services, store, store_shop):
    before = scrape(client)
    store.fail_next("POST", "coupons", 400)
    spend_five_off(client, services, store_shop, "req-metrics-2")
    pushing.drain(services)
    after = scrape(client)
    assert delta(before, after, ATTEMPTS, outcome="permanent", **COUPON) == 1
    assert delta(before, after, "loyalty_push_jobs_dead_total", **COUPON) == 1
