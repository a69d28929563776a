"""The JSON API against its own OpenAPI document, on a running `loyalty serve`: schemathesis
generates valid and invalid requests for every operation and checks that no answer is a server
error and that every status, content type and body is the one the document promises.

Two shops, each with a key made by the CLI; the requests carry the first shop's key and reach
both shops' real customers (path ids are drawn from them most of the time), so the answers
include 200/201 with real balances as well as 401, 403, 404, 409 and 422."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.connector.woo import fixture_delivery
from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.support import EXAMPLE_PROGRAM

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_EXAMPLES = 100  # per operation and phase: about 1,500 requests, 20-30 seconds
TIMEOUT = 100


def second_shop(loyalty: Loyalty) -> dict:
    shop = loyalty.json("shop", "add", "woocommerce", "--url", "http://127.0.0.1:8001/",
                        "--consumer-key", "ck_other", "--consumer-secret", "cs_other",
                        "--webhook-secret", "loyalty-test-secret")
    loyalty.run("program", "publish", "--shop", str(shop["id"]), str(EXAMPLE_PROGRAM))
    return shop


def deliver(base: str, shop_id: int, *names: str) -> None:
    for name in names:
        body, headers = fixture_delivery(name)
        answer = requests.post(f"{base}/webhooks/woocommerce/{shop_id}", data=body,
                               headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text


def alice_of(loyalty: Loyalty, shop_id: int, lifetime_earned: int) -> dict | None:
    found = loyalty.customer(shop_id, "alice@example.com")
    return found if found and found["lifetime_earned"] == lifetime_earned else None


def config_file(tmp_path: Path, shop_ids: list[int], customer_ids: list[int]) -> Path:
    """Path ids drawn from the seeded shops and customers most of the time, and two statuses
    the document cannot make schemathesis expect (see the comments in the file)."""
    path = tmp_path / "schemathesis.toml"
    path.write_text(f"""
[dictionaries.shops]
values = {shop_ids}

[dictionaries.customers]
values = {customer_ids}

[parameters]
"path.shop_id" = {{ dictionary = "shops", probability = 0.9 }}
"path.customer_id" = {{ dictionary = "customers", probability = 0.8 }}

# gunicorn refuses a request line over 4 KiB with 414 before the app sees it (documented):
# invalid data rejected all the same. The rest is schemathesis's default list.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422",
                     "428", "429", "5xx"]

# A start after the end is 422: OpenAPI cannot say that one query parameter must not be
# later than another, so schemathesis draws such pairs as valid. The rest is its default.
[[operations]]
include-path = "/api/v1/shops/{{shop_id}}/metrics"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404",
                                                     "409", "422", "429", "5xx"]
""")
    return path


@pytest.mark.slow
def test_the_api_keeps_the_promises_of_its_openapi_document(settings, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loyalty = Loyalty({**settings, "LOYALTY_PUBLIC_URL": base})
    shop = loyalty.setup_woo_shop(str(EXAMPLE_PROGRAM))
    other = second_shop(loyalty)
    key = loyalty.json("api-key", "create", "--shop", str(shop["id"]), "--name", "fuzz")["key"]
    theirs_key = loyalty.json("api-key", "create", "--shop", str(other["id"]),
                              "--name", "theirs")["key"]
    server = loyalty.start("serve", "--port", str(port))
    try:
        wait_for_http(f"{base}/healthz", server)
        deliver(base, shop["id"], "01", "04", "06", "07")
        deliver(base, other["id"], "01")
        # 100 signup + 56 order + 200 first order, less 10 clawed back for the refund
        alice = wait_until(lambda: alice_of(loyalty, shop["id"], 346), 30, "Alice's points")
        theirs = wait_until(lambda: alice_of(loyalty, other["id"], 100), 30, "their Alice")
        assert requests.get(f"{base}/api/v1/shops/{shop['id']}", timeout=10, headers={
            "Authorization": f"Bearer {theirs_key}"}).status_code == 403
        config = config_file(tmp_path, [shop["id"], other["id"]],
                             [alice["customer_id"], theirs["customer_id"]])
        done = subprocess.run(
            [str(SCHEMATHESIS), "--config-file", str(config), "--no-color", "run",
             f"{base}/api/v1/openapi.json", "--url", base, "--checks", "all",
             "--header", f"Authorization: Bearer {key}", "--max-examples", str(MAX_EXAMPLES),
             "--seed", "20261123", "--workers", "4", "--request-timeout", "10"],
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
            cwd=tmp_path)  # its cache of crashes stays out of the project
        assert done.returncode == 0, f"schemathesis found problems:\n{done.stdout}\n{done.stderr}"
        assert "Tested: 9" in done.stdout, done.stdout  # every operation was exercised
        # whatever the fuzzer added, removed and redeemed, the balances add up
        assert "every cached balance" in loyalty.run("ledger", "verify").stdout
    finally:
        assert stop(server) == 0
    print(done.stdout[done.stdout.index("SUMMARY"):])
