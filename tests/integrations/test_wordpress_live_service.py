"""The WordPress plugin against a running `loyalty serve`: what PHP signs, the service accepts
for that customer only and only while fresh, and the My Account tab rendered by WordPress with
real HTTP shows Alice's points.

One server for the module (SQLite: what is checked here is signing and HTTP, not storage),
seeded as tests/e2e/test_storefront_serve.py does: Alice, WordPress user 2, 356 points.
"""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http
from tests.e2e.test_storefront_serve import SPENDABLE

WORDPRESS = Path(__file__).resolve().parents[2] / "integrations" / "wordpress"
SIGNER = WORDPRESS / "loyalty-connector" / "includes" / "class-loyalty-connector-signer.php"
ALICE = "2"

pytestmark = [pytest.mark.needs_php, pytest.mark.slow]


@dataclass(frozen=True)
class RunningService:
    base: str
    shop_id: int
    secret: str

    def balance(self, **query: str) -> requests.Response:
        return requests.get(f"{self.base}/storefront/woocommerce/{self.shop_id}/balance",
                            params=query, timeout=10)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loyalty")
    program = folder / "spendable.toml"
    program.write_text(SPENDABLE)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loyalty = Loyalty({"LOYALTY_DATABASE_URL": f"sqlite:///{folder / 'loyalty.db'}",
                       "LOYALTY_INSTANCE_PATH": str(folder / "inst"),
                       "LOYALTY_LOG_LEVEL": "INFO", "LOYALTY_PUBLIC_URL": base})
    shop = loyalty.setup_woo_shop(str(program))
    secret = loyalty.run("shop", "storefront-secret", str(shop["id"])).stdout.strip()
    server = loyalty.start("serve", "--port", str(port))
    try:
        wait_for_http(f"{base}/healthz", server)
        loyalty.deliver_alice(base, shop["id"])  # 356 points
        yield RunningService(base, shop["id"], secret)
    finally:
        assert stop(server) == 0


def php_signature(secret: str, customer: str, timestamp: int) -> str:
    """The plugin's signer class, run by PHP."""
    code = ("define('ABSPATH', '/'); require $argv[1]; "
            "echo (new Loyalty_Connector_Signer($argv[2]))->signature($argv[3], $argv[4]);")
    done = subprocess.run(["php", "-r", code, "--", str(SIGNER), secret, customer,
                           str(timestamp)], capture_output=True, text=True, timeout=30,
                          check=True)
    assert done.stderr == ""
    return done.stdout


def test_a_php_signed_balance_call_answers_alices_356_points(service):
    now = int(time.time())
    answer = service.balance(customer=ALICE, ts=str(now),
                             sig=php_signature(service.secret, ALICE, now))
    assert answer.status_code == 200, answer.text
    assert answer.json()["balance"] == 356


def test_a_tampered_php_signature_is_refused(service):
    now = int(time.time())
    signature = php_signature(service.secret, ALICE, now)
    tampered = ("0" if signature[0] != "0" else "1") + signature[1:]
    answer = service.balance(customer=ALICE, ts=str(now), sig=tampered)
    assert answer.status_code == 401
    assert answer.json()["error"] == "sig: does not match the shop's storefront secret"


def test_a_php_signature_six_minutes_old_is_refused(service):
    then = int(time.time()) - 6 * 60
    answer = service.balance(customer=ALICE, ts=str(then),
                             sig=php_signature(service.secret, ALICE, then))
    assert answer.status_code == 401
    assert answer.json()["error"] == "ts: missing, or more than five minutes away from now"


def test_a_php_signature_for_customer_2_does_not_open_customer_3(service):
    now = int(time.time())
    answer = service.balance(customer="3", ts=str(now),
                             sig=php_signature(service.secret, ALICE, now))
    assert answer.status_code == 401
    assert answer.json()["code"] == "bad-signature"


def render_as_alice(service: RunningService, secret: str, page: str = "account",
                    ) -> subprocess.CompletedProcess:
    """WordPress with the plugin renders `page` for user 2 (tests/render-as-alice.php)."""
    env = {**os.environ, "LOYALTY_SERVICE_URL": service.base,
           "LOYALTY_SHOP_ID": str(service.shop_id), "LOYALTY_STOREFRONT_SECRET": secret}
    return subprocess.run(["php", str(WORDPRESS / "tests" / "render-as-alice.php"), page],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_my_account_tab_rendered_by_wordpress_shows_alices_balance(service):
    done = render_as_alice(service, service.secret)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Your balance: <strong>356</strong> points" in done.stdout
    assert 'name="reward" value="5-off"' in done.stdout  # 50 points: she can afford it
    assert f"{service.base}/r/" in done.stdout  # her referral link
    assert done.stderr == ""


def test_the_my_account_tab_with_a_wrong_secret_says_the_points_cannot_be_shown(service):
    done = render_as_alice(service, "not-the-storefront-secret")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "did not accept this store&#039;s signature" in done.stdout
    assert "356" not in done.stdout


def test_the_cart_line_shows_the_points_the_service_estimates(service):
    """The plugin never computes points: the service's `estimate` answers for the 42.50 cart
    (1 point per 1.00, floored, Alice's tier has no multiplier), and the line shows it."""
    done = render_as_alice(service, service.secret, "cart")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Points you will earn" in done.stdout
    assert "42 points" in done.stdout
    assert "unsupported-remembered" not in done.stdout