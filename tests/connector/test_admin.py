"""The merchant admin at /admin: users from the CLI, login with CSRF, the dashboard, logout."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from connector import pipeline
from connector.admin import charts
from connector.cli import cli
from connector.models import AdminUser
from tests.connector.woo import fixture_delivery, post

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user(run):
    result = run("admin", "create-user", "merchant", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return "merchant"


@pytest.fixture
def run(run):
    """`loyalty ...` (environment set by the shared fixture) with standard input."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    return invoke


def csrf_token(client, path="/admin/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, username="merchant", password=PASSWORD):
    return client.post("/admin/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_token(client)})


def test_create_user_asks_for_the_password_twice_and_stores_only_an_argon2_hash(run, services):
    result = run("admin", "create-user", "ana", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "admin user 'ana' created" in result.output
    with services.db.reading() as session:
        stored = session.scalar(select(AdminUser.password_hash)
                                .where(AdminUser.username == "ana"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_create_user_refuses_a_mismatched_confirmation(run):
    result = run("admin", "create-user", "ana", input=f"{PASSWORD}\nsomething else\n")
    assert "Error: The two entered values do not match." in result.output


def test_create_user_refuses_a_short_password(run, services):
    result = run("admin", "create-user", "ana", "--password-stdin", input="short pass\n")
    assert result.exit_code == 1
    assert "the password is too short: use at least 12 characters" in result.output
    with services.db.reading() as session:
        assert session.scalar(select(AdminUser)) is None


def test_create_user_refuses_a_name_already_taken(run, admin_user):
    result = run("admin", "create-user", admin_user, "--password-stdin",
                 input="another long password\n")
    assert result.exit_code == 1
    assert "an admin user named 'merchant' already exists: choose another name" in result.output


def test_dashboard_sends_a_visitor_who_is_not_logged_in_to_the_login_page(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=/admin/")


def test_wrong_password_and_unknown_user_get_the_same_answer(client, admin_user):
    for username, password in ((admin_user, "not the password at all"),
                               ("nobody", PASSWORD)):
        response = log_in(client, username, password)
        assert response.status_code == 401
        assert "wrong user name or password" in response.get_data(as_text=True)
        assert client.get("/admin/").status_code == 302


def test_login_without_the_csrf_token_is_refused(client, admin_user):
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": admin_user, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_with_the_token_opens_the_dashboard_and_records_the_time(client, services,
                                                                       admin_user):
    response = log_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "No program has been published yet" in page.get_data(as_text=True)
    with services.db.reading() as session:
        assert session.scalar(select(AdminUser.last_login_at)) is not None


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(client, admin_user):
    for asked, landed in (("https://evil.example/", "/admin/"),
                          ("/admin/?program=1", "/admin/?program=1")):
        form = {"username": admin_user, "password": PASSWORD, "csrf_token": csrf_token(client)}
        response = client.post("/admin/login", query_string={"next": asked}, data=form)
        assert response.headers["Location"] == landed


def test_session_cookie_is_http_only_lax_and_lasts_twelve_hours(client, admin_user):
    response = log_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # LOYALTY_PUBLIC_URL is http in the tests


def test_behind_https_the_session_cookie_is_secure(settings, admin_user):
    from connector import create_app

    app = create_app({**settings, "LOYALTY_PUBLIC_URL": "https://loyalty.example.com"})
    try:
        cookie = log_in(app.test_client()).headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
    finally:
        app.extensions["loyalty"].close()


def test_logout_needs_the_token_and_ends_the_session(client, admin_user):
    log_in(client)
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_a_disabled_user_is_signed_out_and_cannot_log_in(client, services, admin_user):
    log_in(client)
    with services.db.transaction() as session:
        session.scalar(select(AdminUser)).disabled = True
    assert client.get("/admin/").status_code == 302
    assert log_in(client).status_code == 401


def test_dashboard_shows_the_measures_with_their_definitions_and_the_charts(
        client, services, woo_shop, admin_user):
    for name in ("01", "04", "06", "07"):  # signup, paid order 13, completed, refund of 10.00
        assert post(client, woo_shop, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db)
    log_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    for measure, definition in (
            ("Adoption rate", "Members ÷ customers × 100"),
            ("Redemption rate", "Points redeemed ÷ points issued × 100"),
            ("Retention rate", "((E − N) ÷ S) × 100"),
            ("Churn rate", "100 − retention rate"),
            ("Average order value", "Revenue ÷ number of orders"),
            ("Customer lifetime value", "expected customer lifetime in years"),
            ("Outstanding liability", "Available points × face value per point")):
        assert measure in page and definition in page
    assert "Points issued / redeemed</th><td class=\"figure\">356 / 0" in page
    svgs = re.findall(r"<svg.*?</svg>", page, re.DOTALL)
    assert len(svgs) >= 4
    points, members, tiers, liability = svgs[:4]
    assert "Points per week" in points and ">356<" in points and ">10<" in points
    assert "Clawed back" in points
    assert "Members over time" in members and ">1<" in members
    assert "Customers per tier" in tiers
    assert "Outstanding liability" in liability


def test_dashboard_refuses_a_program_that_does_not_exist(client, woo_shop, admin_user):
    log_in(client)
    assert client.get("/admin/?program=999").status_code == 404


def test_chart_labels_from_the_program_are_escaped():
    svg = charts.tier_distribution({"<script>alert(1)</script>": 2, "Gold": 1})
    assert "<script>alert(1)" not in svg
    assert "&lt;script&gt;alert(1)" in svg
