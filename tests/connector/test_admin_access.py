"""Who gets in: refused logins are rate limited per address and per user name, and the operator
pages (connecting a store) accept a signed-in operator but not a merchant's admin user."""
from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest

from connector import create_app
from connector.config import ConfigError, load_config
from tests.connector import test_admin
from tests.connector.test_admin import PASSWORD, csrf_token
from tests.connector.test_admin_shops import create_merchant_user
from tests.e2e.processes import free_port

admin_user = test_admin.admin_user  # fixtures, requested by name
run = test_admin.run

TOO_MANY = "too many login attempts: wait a minute and try again"
STORE = "https://store.example.com/"
OPERATOR_PASSWORD = "an operator password"


@pytest.fixture
def settings(settings):
    return {**settings, "LOYALTY_PUBLIC_URL": "https://203.0.113.10"}  # nothing to warn about


def attempt(client, username, password, address):
    return client.post("/admin/login", environ_base={"REMOTE_ADDR": address},
                       data={"username": username, "password": password,
                             "csrf_token": csrf_token(client)})


def start_connect(client, headers=None):
    return client.get("/woocommerce/connect", query_string={"store_url": STORE},
                      headers=headers or {})


def test_refused_logins_from_one_address_are_answered_429_and_others_still_get_in(
        client, admin_user):
    for guess in range(10):
        assert attempt(client, f"guess{guess}", "not the password", "198.51.100.7"
                       ).status_code == 401
    limited = attempt(client, admin_user, PASSWORD, "198.51.100.7")
    assert limited.status_code == 429
    assert TOO_MANY in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) <= 60
    assert client.get("/admin/").status_code == 302  # the right password did not get in
    assert attempt(client, admin_user, PASSWORD, "198.51.100.8").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_refused_logins_for_one_user_name_are_limited_from_every_address(client, run,
                                                                         admin_user):
    other = run("admin", "create-user", "bookkeeper", "--password-stdin", input=PASSWORD + "\n")
    assert other.exit_code == 0, other.output
    for host in range(5):
        assert attempt(client, admin_user, "not the password", f"198.51.100.{host}"
                       ).status_code == 401
    limited = attempt(client, admin_user, PASSWORD, "203.0.113.99")
    assert limited.status_code == 429 and TOO_MANY in limited.get_data(as_text=True)
    assert attempt(client, "bookkeeper", PASSWORD, "203.0.113.99").status_code == 302


def test_refused_logins_are_counted_in_the_process_while_the_shared_store_is_down(
        settings, services, admin_user, caplog):
    app = create_app({**settings, "LOYALTY_RATELIMIT_STORAGE": f"redis://127.0.0.1:{free_port()}"})
    client = app.test_client()
    for guess in range(10):
        assert attempt(client, f"guess{guess}", "not the password", "198.51.100.7"
                       ).status_code == 401
    limited = attempt(client, admin_user, PASSWORD, "198.51.100.7")
    assert limited.status_code == 429 and TOO_MANY in limited.get_data(as_text=True)
    assert "admin.ratelimit-store-down" in caplog.text
    app.extensions["loyalty"].close()


def test_signing_in_does_not_use_up_the_allowance(client, admin_user):
    for _ in range(12):
        assert attempt(client, admin_user, PASSWORD, "198.51.100.7").status_code == 302


def test_the_rate_limit_storage_is_checked_at_start_up(tmp_path):
    assert load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path)}).ratelimit_storage == "memory://"
    shared = load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path),
                          "LOYALTY_RATELIMIT_STORAGE": "redis://127.0.0.1:6379"})
    assert shared.ratelimit_storage == "redis://127.0.0.1:6379"
    for bad in ("redis", "postgresql://db/x", "async+redis://127.0.0.1:6379"):
        with pytest.raises(ConfigError, match="^LOYALTY_RATELIMIT_STORAGE: expected a storage "
                                              "URI such as memory:// or redis://host:6379"):
            load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path),
                         "LOYALTY_RATELIMIT_STORAGE": bad})


def test_a_signed_in_operator_may_connect_a_store_without_the_basic_password(client,
                                                                            admin_user):
    closed = start_connect(client)  # no LOYALTY_ADMIN_PASSWORD and nobody signed in
    assert closed.status_code == 403 and "this page is closed" in closed.get_json()["error"]
    assert attempt(client, admin_user, PASSWORD, "198.51.100.7").status_code == 302
    response = start_connect(client)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        f"{STORE}wc-auth/v1/authorize"


def test_a_merchant_admin_user_is_refused_the_operator_pages(client, run, services, woo_shop):
    user = create_merchant_user(run, services, woo_shop)
    assert attempt(client, user, PASSWORD, "198.51.100.7").status_code == 302
    refused = start_connect(client)
    assert refused.status_code == 403
    assert refused.get_json()["error"].startswith(
        "this page is for operators: admin user 'shopkeeper' may only manage merchant")


def test_the_basic_password_still_opens_the_operator_pages(run, services, woo_shop, settings):
    from connector import create_app

    app = create_app({**settings, "LOYALTY_ADMIN_PASSWORD": OPERATOR_PASSWORD})
    try:
        client = app.test_client()
        token = base64.b64encode(f"admin:{OPERATOR_PASSWORD}".encode()).decode()
        basic = {"Authorization": f"Basic {token}"}
        assert start_connect(client).status_code == 401
        assert start_connect(client, basic).status_code == 302
        user = create_merchant_user(run, services, woo_shop)
        assert attempt(client, user, PASSWORD, "198.51.100.7").status_code == 302
        assert start_connect(client).status_code == 403
        assert start_connect(client, basic).status_code == 302  # the password decides
    finally:
        app.extensions["loyalty"].close()
