"""With the database unreachable, the API, the storefront, the links and the admin answer 503
with Retry-After in their own format, never a 500; a bug's error (not a lost connection) is
still a 500."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from connector import create_app
from tests.e2e.processes import free_port

PATHS = [  # (path, headers, the JSON it answers, or None for a page)
    ("/api/v1/shops/1/customers/1", {"Authorization": "Bearer lk_abcd_efgh"},
     {"code": 503, "status": "Service Unavailable",
      "message": "storage unavailable, retry later"}),
    ("/proxy/balance?shop=x.myshopify.com", {},
     {"code": "unavailable", "error": "storage unavailable, retry later"}),
    ("/storefront/woocommerce/1/balance", {},
     {"code": "unavailable", "error": "storage unavailable, retry later"}),
    ("/r/some-code", {}, None),
]


@pytest.fixture
def down_client(tmp_path):
    """An app whose PostgreSQL refuses connections (nothing listens on the port)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/loyalty"
    app = create_app({"LOYALTY_DATABASE_URL": url, "LOYALTY_INSTANCE_PATH": str(tmp_path),
                      "LOYALTY_LOG_LEVEL": "ERROR"})
    yield app.test_client()
    app.extensions["loyalty"].close()


@pytest.mark.parametrize(("path", "headers", "answer"), PATHS)
def test_an_unreachable_database_is_a_503_with_retry_after(down_client, path, headers, answer):
    response = down_client.get(path, headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    if answer is None:
        assert "storage unavailable, retry later" in response.get_data(as_text=True)
    else:
        assert response.get_json() == answer


def test_an_error_that_is_a_bug_is_still_a_500(app, monkeypatch):
    from connector import storefront_auth

    def broken(*_args, **_kwargs):
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))
    monkeypatch.setattr(storefront_auth, "run_prepared", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/proxy/balance?shop=x").status_code == 500
