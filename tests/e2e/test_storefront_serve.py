"""The storefront against a running `loyalty serve`, with many requests at once: a redeem is
done once per request id, no burst spends more than the balance, and a thousand visits from
one browser through a share link pay one visit bonus."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import requests

from adapters.woocommerce.storefront import storefront_signature
from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http
from tests.support import EXAMPLE_PROGRAM

# Points available at once and a 5-off for 50, so Alice (356 points) can afford 7.
SPENDABLE = (EXAMPLE_PROGRAM.read_text().replace("pending_days = 14", "pending_days = 0")
             .replace("cost = 500", "cost = 50"))
THREADS = 16


def signed(secret: str, customer: str, **extra: str) -> str:
    ts = str(int(time.time()))
    return urlencode({"customer": customer, "ts": ts,
                      "sig": storefront_signature(customer, ts, secret), **extra})


def test_concurrent_storefront_requests_against_a_running_server(settings, tmp_path):
    program = tmp_path / "spendable.toml"
    program.write_text(SPENDABLE)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loyalty = Loyalty({**settings, "LOYALTY_PUBLIC_URL": base})  # where /s/ links point
    shop = loyalty.setup_woo_shop(str(program))
    secret = loyalty.run("shop", "storefront-secret", str(shop["id"])).stdout.strip()
    server = loyalty.start("serve", "--port", str(port))
    api = f"{base}/storefront/woocommerce/{shop['id']}"
    try:
        wait_for_http(f"{base}/healthz", server)
        loyalty.deliver_alice(base, shop["id"])  # 356 points

        def redeem(request_id: str):
            return requests.post(f"{api}/redeem?{signed(secret, '2')}", timeout=30,
                                 data={"reward": "5-off", "request_id": request_id})

        with ThreadPoolExecutor(THREADS) as pool:
            same = list(pool.map(redeem, ["double-click"] * THREADS))
        assert [a.status_code for a in same] == [200] * THREADS
        assert len({a.json()["code"] for a in same}) == 1
        assert sum(not a.json()["repeated"] for a in same) == 1
        assert loyalty.customer(shop["id"], "alice@example.com")["balance"] == 306

        with ThreadPoolExecutor(THREADS) as pool:
            burst = list(pool.map(redeem, [f"burst-{n}" for n in range(24)]))
        statuses = sorted(a.status_code for a in burst)
        assert statuses == [200] * 6 + [409] * 18  # 306 points buy six 50-point rewards
        alice = loyalty.customer(shop["id"], "alice@example.com")
        assert alice["balance"] == 6
        assert sum(e["points"] for e in alice["entries"] if e["kind"] == "redeem") == -350
        assert "every cached balance" in loyalty.run("ledger", "verify").stdout

        joined = requests.post(f"{api}/join?{signed(secret, '9')}", timeout=10,
                               data={"email": "rita@example.org"})
        assert joined.status_code == 201
        links = requests.get(f"{api}/links?{signed(secret, '9', page='/products/mug')}",
                             timeout=10).json()
        share = links["share"]["links"]["facebook"]
        browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0"}

        def follow(_):
            return requests.get(share, headers=browser, allow_redirects=False,
                                timeout=30).status_code

        with ThreadPoolExecutor(THREADS) as pool:
            assert set(pool.map(follow, range(1000))) == {302}
        rita = loyalty.customer(shop["id"], "rita@example.org")
        visits = [e for e in rita["entries"] if e["source_key"].startswith("share:")]
        assert [e["points"] for e in visits] == [25]
    finally:
        assert stop(server) == 0
