"""`loyalty serve` as a subprocess: /metrics sums every gunicorn process's files (multiprocess
mode), and last run's files are wiped at start."""
from __future__ import annotations

from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.support import EXAMPLE_PROGRAM, load_woo_fixture


def scrape(base: str) -> dict[tuple[str, frozenset], float]:
    response = requests.get(f"{base}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def test_served_metrics_add_up_across_web_processes(settings):
    loyalty = Loyalty(settings)
    shop = loyalty.setup_woo_shop(str(EXAMPLE_PROGRAM))
    stale = Path(settings["LOYALTY_INSTANCE_PATH"]) / "prometheus" / "counter_424242.db"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"left by an earlier run")
    port = free_port()
    server = loyalty.start("serve", "--port", str(port))  # 2 processes on PostgreSQL
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", server)
        assert not stale.exists(), "serve must empty the metrics folder at start"
        path = shop["webhook_url"].split("127.0.0.1:8000", 1)[1]
        delivery = load_woo_fixture("04")
        for _ in range(2):
            requests.post(base + path, data=delivery["body"].encode(),
                          headers=dict(delivery["headers"]), timeout=10)
        accepted = ("loyalty_webhook_deliveries_total", frozenset(
            {"platform": "woocommerce", "outcome": "accepted", "reason": ""}.items()))
        duplicate = (accepted[0], frozenset(
            {"platform": "woocommerce", "outcome": "duplicate", "reason": ""}.items()))
        lag_count = ("loyalty_delivery_processing_lag_seconds_count", frozenset())

        def processed():
            samples = scrape(base)
            return samples if samples.get(lag_count) == 1 else None

        # Every scrape, whichever process answers it, sees the same sums.
        for samples in (wait_until(processed, 30, "the delivery to be processed"), scrape(base)):
            assert samples[accepted] == 1 and samples[duplicate] == 1
            assert samples[lag_count] == 1
            assert samples[("loyalty_worker_heartbeat_timestamp_seconds", frozenset())] > 0
    finally:
        code = stop(server)
    assert code == 0, "serve must stop cleanly on SIGTERM"
