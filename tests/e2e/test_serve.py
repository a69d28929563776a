"""Acceptance 1: `loyalty serve` as a subprocess, the captured fixtures over HTTP, and the
result read back with `loyalty customer show --json`."""
from __future__ import annotations

import requests

from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.support import EXAMPLE_PROGRAM, load_woo_fixture


def test_served_fixtures_earn_and_claw_back(settings, fixture_clock):
    loyalty = Loyalty({**settings, **fixture_clock})
    shop = loyalty.setup_woo_shop(str(EXAMPLE_PROGRAM))
    port = free_port()
    server = loyalty.start("serve", "--port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", server)
        path = shop["webhook_url"].split("127.0.0.1:8000", 1)[1]
        answers = []
        for name in ("00", "01", "03", "04", "06", "07", "04"):
            delivery = load_woo_fixture(name)
            response = requests.post(base + path, data=delivery["body"].encode(),
                                     headers=dict(delivery["headers"]), timeout=10)
            answers.append((response.status_code, response.json().get("status")))
        assert answers == [(200, "ok"), (200, "accepted"), (200, "accepted"), (200, "accepted"),
                           (200, "accepted"), (200, "accepted"), (200, "duplicate")]

        def alice_settled():
            found = loyalty.customer(shop["id"], "alice@example.com")
            return found if found and len(found["entries"]) == 4 else None

        alice = wait_until(alice_settled, 30, "order 13 to be processed")
        # signup 100 now; order 13 earns 56 less 10 refunded, plus the first-order bonus 200,
        # both pending for the 14-day return window
        assert (alice["balance"], alice["pending"], alice["lifetime_earned"]) == (100, 246, 346)
        assert [(e["kind"], e["points"], e["source_key"]) for e in alice["entries"]] == [
            ("bonus", 100, "signup:1"), ("earn", 56, "order:13:earn"),
            ("bonus", 200, "first-order:1"),
            ("clawback", -10, "order:13:adjust:2026-11-23T03:56:32+00:00:46")]
        health = requests.get(f"{base}/healthz", timeout=5).json()
        assert health["database"] == "ok" and health["status"] == "ok"
        assert "ledger verify: every cached balance" in loyalty.run("ledger", "verify").stdout
    finally:
        code = stop(server)
    assert code == 0, "serve must stop cleanly on SIGTERM"
