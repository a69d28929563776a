"""Acceptance 1: `loyalty serve` as a subprocess, the captured fixtures over HTTP, and the
result read back with `loyalty customer show --json`."""
from __future__ import annotations

import requests

from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.support import EXAMPLE_PROGRAM, load_woo_fixture


def test_served_fixtures_earn_and_claw_back(settings):
    loyalty = Loyalty(settings)
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
            return found if found and len(found["entries"]) == 2 else None

        alice = wait_until(alice_settled, 30, "order 13 to be processed")
        assert (alice["balance"], alice["pending"], alice["lifetime_earned"]) == (0, 46, 46)
        assert [(e["kind"], e["points"]) for e in alice["entries"]] == [("earn", 56),
                                                                         ("clawback", -10)]
        health = requests.get(f"{base}/healthz", timeout=5).json()
        assert health["database"] == "ok" and health["status"] == "ok"
        assert "ledger verify: every cached balance" in loyalty.run("ledger", "verify").stdout
    finally:
        code = stop(server)
    assert code == 0, "serve must stop cleanly on SIGTERM"
