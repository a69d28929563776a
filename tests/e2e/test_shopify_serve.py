"""Shopify deliveries through `loyalty serve` over HTTP, one fixture per topic: a paid order
earns, a partial refund claws back its share, cancellation removes the rest, the copy for a
second subscription earns nothing more, and a guest order earns against the e-mail."""
from __future__ import annotations

import requests

from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.support import EXAMPLE_PROGRAM, SHOPIFY_DOMAIN, SHOPIFY_SECRET, shopify_delivery


def test_shopify_fixtures_through_a_running_server(settings, fixture_clock):
    loyalty = Loyalty({**settings, **fixture_clock})
    loyalty.run("db", "upgrade")
    shop = loyalty.json("shop", "add", "shopify", "--domain", SHOPIFY_DOMAIN,
                        "--access-token", "shpat_test", "--client-secret", SHOPIFY_SECRET)
    assert shop["webhook_url"].endswith("/webhooks/shopify")
    loyalty.run("program", "publish", "--shop", str(shop["id"]), str(EXAMPLE_PROGRAM))
    port = free_port()
    server = loyalty.start("serve", "--port", str(port))
    base = f"http://127.0.0.1:{port}"

    def send(*names):
        answers = []
        for name in names:
            body, headers = shopify_delivery(name)
            answer = requests.post(f"{base}/webhooks/shopify", data=body, headers=headers,
                                   timeout=10)
            answers.append((answer.status_code, answer.json()["status"]))
        return answers

    def pending(email, expected):
        def check():
            found = loyalty.customer(shop["id"], email)
            return found if found and found["pending"] == expected else None
        return wait_until(check, 30, f"{email} to have {expected} pending")

    try:
        wait_for_http(f"{base}/healthz", server)
        assert send("01", "02", "03", "04") == [(200, "accepted")] * 3 + [(200, "duplicate")]
        pending("alice@example.com", 56 + 200)  # order 5001 and the first-order bonus
        send("05")
        pending("alice@example.com", 45 + 200)  # the mug's 11.25 refunded
        send("06", "07")
        alice = pending("alice@example.com", 0)  # cancelled: the rest and the bonus go
        assert alice["balance"] == 100  # the signup bonus stays
        send("08")
        guest = pending("guest@example.com", 30 + 200)  # 30.00 EUR of coffee
        assert guest["entries"][0]["source_key"] == "order:5002:earn"
        assert "every cached balance" in loyalty.run("ledger", "verify").stdout
        # the remaining topics are accepted too (their effects: test_shopify_intake.py)
        assert send("09", "10", "12", "13", "11", "14") == [(200, "accepted")] * 6
    finally:
        assert stop(server) == 0
