"""A running `loyalty serve` with a seeded WooCommerce store behind it, for the browser tests.

The store is the fake WooCommerce server on 127.0.0.1. Alice signs up and pays order 13, which
is completed and then partly refunded; she redeems a reward while the store refuses coupons,
so the code's push job fails for good and her points come back, ready for a retry.
"""
from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import EXAMPLE_PROGRAM, load_woo_fixture, woo_signature

ADMIN, PASSWORD = "merchant", "correct horse battery staple"
SECRET = "loyalty-test-secret"
SPENDABLE = EXAMPLE_PROGRAM.read_text().replace("pending_days = 14", "pending_days = 0")


@dataclass
class Site:
    base: str
    loyalty: Loyalty
    store: FakeWooCommerce
    shop_id: int
    server: subprocess.Popen

    def customer(self, email: str) -> dict | None:
        return self.loyalty.customer(self.shop_id, email)

    def dead_jobs(self) -> list[dict]:
        return self.loyalty.json("jobs", "list", "--shop", str(self.shop_id))


def _deliver(base: str, shop_id: int, name: str) -> None:
    delivery = load_woo_fixture(name)
    body = delivery["body"].encode()
    headers = dict(delivery["headers"])
    headers["X-WC-Webhook-Signature"] = woo_signature(body, SECRET)
    answer = requests.post(f"{base}/webhooks/woocommerce/{shop_id}", data=body, headers=headers,
                           timeout=10)
    assert answer.status_code == 200, answer.text


@contextmanager
def running_site(settings: dict[str, str], tmp_path) -> Iterator[Site]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loyalty = Loyalty({**settings, "LOYALTY_PUBLIC_URL": base,
                       "LOYALTY_PUSH_TIMEOUT_SECONDS": "5"})
    loyalty.run("db", "upgrade")
    program = tmp_path / "spendable.toml"
    program.write_text(SPENDABLE)
    with FakeWooCommerce(ping_webhooks=False) as store:
        store.add_customer({"id": 2, "email": "alice@example.com", "meta_data": []})
        shop = loyalty.json("shop", "add", "woocommerce", "--url", store.url,
                            "--consumer-key", store.consumer_key,
                            "--consumer-secret", store.consumer_secret,
                            "--webhook-secret", SECRET)
        shop_id = shop["id"]
        loyalty.run("program", "publish", "--shop", str(shop_id), str(program))
        loyalty.run("admin", "create-user", ADMIN, "--password-stdin", input=PASSWORD + "\n")
        server = loyalty.start("serve", "--port", str(port))
        site = Site(base, loyalty, store, shop_id, server)
        try:
            wait_for_http(f"{base}/healthz", server)
            for name in ("01", "04", "06", "07"):  # signup, paid, completed, refund of 10.00
                _deliver(base, shop_id, name)
            wait_until(lambda: (site.customer("alice@example.com") or {}).get("balance") == 346,
                       30, "alice's points")
            store.fail_next("POST", "coupons", 400)  # the store refuses the coupon for good
            loyalty.run("customer", "redeem", "--shop", str(shop_id), "--email",
                        "alice@example.com", "--reward", "free-shipping", "--request-id", "e2e")
            wait_until(site.dead_jobs, 30, "the coupon's push job to fail")
            (dead,) = site.dead_jobs()  # only the coupon's: profile and tier pushes went through
            assert dead["kind"] == "discount.create", dead
            yield site
        finally:
            stop(server)
