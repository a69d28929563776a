"""A WooCommerce store connected end to end through `loyalty serve`: the connect page, the
store's key callback over HTTP, webhook registration with the store's ping reaching us, a
delivery signed with a registered secret, and a redeemed reward arriving as a coupon."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import requests

from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import EXAMPLE_PROGRAM, load_woo_fixture, woo_signature

PASSWORD = "operator password 42"
SPENDABLE = EXAMPLE_PROGRAM.read_text().replace("pending_days = 14", "pending_days = 0")


def test_connect_register_deliver_and_redeem_through_a_running_server(settings, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loyalty = Loyalty({**settings, "LOYALTY_PUBLIC_URL": base,
                       "LOYALTY_ADMIN_PASSWORD": PASSWORD, "LOYALTY_PUSH_TIMEOUT_SECONDS": "5"})
    loyalty.run("db", "upgrade")
    program = tmp_path / "spendable.toml"
    program.write_text(SPENDABLE)
    with FakeWooCommerce("ck_" + "c" * 40, "cs_" + "d" * 40, ping_webhooks=True) as store:
        server = loyalty.start("serve", "--port", str(port))
        try:
            wait_for_http(f"{base}/healthz", server)
            page = requests.get(f"{base}/woocommerce/connect", params={"store_url": store.url},
                                auth=("admin", PASSWORD), timeout=10, allow_redirects=False)
            # an odd port over http: the merchant is warned before going on
            assert page.status_code == 200 and f"uses port {port}" in page.text
            link = html.unescape(re.search(r'href="([^"]+wc-auth[^"]+)"', page.text).group(1))
            state = parse_qs(urlsplit(link).query)["user_id"][0]
            callback = requests.post(f"{base}/woocommerce/callback", timeout=10, json={
                "key_id": 3, "user_id": state, "consumer_key": store.consumer_key,
                "consumer_secret": store.consumer_secret, "key_permissions": "read_write"})
            assert callback.status_code == 200
            shop_id = callback.json()["shop_id"]
            wait_until(lambda: len(store.webhooks) == 5, 30, "the worker to register webhooks")
            assert [status for _, status in store.pings] == [200] * 5  # the store reached us
            loyalty.run("program", "publish", "--shop", str(shop_id), str(program))

            (hook,) = [h for h in store.webhooks.values() if h["topic"] == "order.created"]
            for name in ("01", "04"):
                delivery = load_woo_fixture(name)
                body = delivery["body"].encode()
                headers = dict(delivery["headers"])
                headers["X-WC-Webhook-Signature"] = woo_signature(body, hook["secret"])
                answer = requests.post(hook["delivery_url"], data=body, headers=headers,
                                       timeout=10)
                assert answer.json() == {"status": "accepted"}

            def alice():
                found = loyalty.customer(shop_id, "alice@example.com")
                return found if found and found["balance"] == 356 else None

            wait_until(alice, 30, "alice's points")
            redeemed = loyalty.json("customer", "redeem", "--shop", str(shop_id), "--email",
                                    "alice@example.com", "--reward", "free-shipping",
                                    "--request-id", "e2e-1")
            wait_until(lambda: len(store.coupons) == 1, 30, "the coupon on the store")
            (coupon,) = store.coupons.values()
            assert coupon["code"] == redeemed["code"].lower() and coupon["free_shipping"]
            doctor = loyalty.run("shop", "doctor", str(shop_id), check=False)
            assert "OK    webhook order.deleted: active" in doctor.stdout
            assert "WARN  delivery URL" in doctor.stdout
        finally:
            code = stop(server)
    assert code == 0
