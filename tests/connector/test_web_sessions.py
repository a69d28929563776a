"""Cookie sessions only on the pages a person signs in to: webhooks, the API, the storefront,
health and metrics never read or set the session cookie, and a signed-in browser calling them
stays signed in."""
from __future__ import annotations

import pytest
from flask import session

from tests.connector import test_admin
from tests.connector.test_admin import log_in
from tests.connector.woo import fixture_delivery, post

admin_user = test_admin.admin_user  # fixtures, requested by name
run = test_admin.run


def _sets_a_cookie(response) -> bool:
    return any(name.lower() == "set-cookie" for name, _ in response.headers.items())


def test_a_signed_in_browser_calling_the_session_free_paths_gets_no_cookie_and_stays_in(
        client, admin_user, woo_shop):
    assert log_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200
    body, headers = fixture_delivery("04")
    delivered = post(client, woo_shop, body, headers)
    assert delivered.status_code == 200 and not _sets_a_cookie(delivered)
    for path in ("/healthz", "/metrics", "/api/v1/openapi.json",
                 f"/storefront/woocommerce/{woo_shop}/balance"):
        answer = client.get(path)
        assert answer.status_code < 500 and not _sets_a_cookie(answer), path
    assert client.get("/admin/").status_code == 200  # the session cookie still works


def test_the_admin_login_still_sets_the_session_cookie(client, admin_user):
    signed_in = log_in(client)
    assert signed_in.status_code == 302 and _sets_a_cookie(signed_in)


@pytest.mark.parametrize("path", ["/webhooks/woocommerce/1", "/api/v1/shops/1/customers/1",
                                  "/proxy/balance", "/storefront/woocommerce/1/balance"])
def test_a_view_on_a_session_free_path_cannot_write_to_the_session(app, path):
    with app.test_request_context(path):
        assert session.get("admin_user_id") is None  # reads as empty
        with pytest.raises(RuntimeError, match="session is unavailable"):
            session["admin_user_id"] = 1
