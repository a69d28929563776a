"""The admin's program pages: versions, validate, simulate, and publish only what was simulated."""
from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from connector import pipeline
from connector.models import ProgramVersion, Shop
from connector.shops import add_shop
from tests.connector import test_admin
from tests.connector.test_admin import PASSWORD, csrf_token, log_in
from tests.connector.test_admin_customers import hidden, table
from tests.connector.woo import ORDER_FIXTURES, fixture_delivery, post
from tests.support import EXAMPLE_PROGRAM

admin_user = test_admin.admin_user  # fixtures, requested by name
run = test_admin.run

NOW = datetime(2026, 12, 1, tzinfo=UTC)  # a week after the captured order 13 was paid
LIVE = EXAMPLE_PROGRAM.read_text()
DOUBLE_RATE = LIVE.replace("points_per_unit = 1 ", "points_per_unit = 2 ")
NO_CURRENCY = LIVE.replace('currency = "USD"', "")


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr("connector.admin.program_pages.utcnow", lambda: NOW)


@pytest.fixture
def program_id(client, services, woo_shop) -> int:
    """The example program, live as version 1, with order 13 delivered to its shop."""
    for name in ORDER_FIXTURES:
        assert post(client, woo_shop, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db)
    with services.db.reading() as session:
        return session.get(Shop, woo_shop).program_id


def versions(services, program_id: int) -> list[tuple[int, str]]:
    with services.db.reading() as session:
        return [(v.version, v.actor) for v in session.scalars(
            select(ProgramVersion).where(ProgramVersion.program_id == program_id)
            .order_by(ProgramVersion.version))]


def send(client, program_id: int, action: str, text: str, **extra):
    token = csrf_token(client, f"/admin/programs/{program_id}")
    return client.post(f"/admin/programs/{program_id}/{action}",
                       data={"csrf_token": token, "text": text, **extra})


def editor_text(page: str) -> str:
    found = re.search(r'<textarea name="text" rows[^>]*>\n(.*?)</textarea>', page, re.DOTALL)
    return html.unescape(found.group(1))


def publish_text(page: str) -> str:
    """The text the publish form sends: the simulated draft, kept in a hidden textarea."""
    found = re.search(r'<textarea name="text" hidden>\n(.*?)</textarea>', page, re.DOTALL)
    return html.unescape(found.group(1))


def test_program_pages_need_a_login(client, program_id):
    for path in ("/admin/programs", f"/admin/programs/{program_id}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login?next=")


def test_programs_list_shows_the_live_version_and_the_shops_running_it(client, program_id,
                                                                      admin_user):
    log_in(client)
    page = client.get("/admin/programs").get_data(as_text=True)
    (row,) = table(page, "programs")
    assert row[0] == f"http://127.0.0.1:8000/ rewards (#{program_id})"
    assert row[1] == "v1" and row[3] == "cli"
    assert row[4] == "http://127.0.0.1:8000/ (woocommerce)"


def test_program_page_shows_the_live_source_in_the_editor_and_the_history(client, program_id,
                                                                         admin_user):
    log_in(client)
    page = client.get(f"/admin/programs/{program_id}").get_data(as_text=True)
    assert editor_text(page) == LIVE
    assert 'name = &#34;Example Rewards&#34;' in page  # the live version's TOML
    assert [row[0::2] for row in table(page, "versions")] == [["v1 (live)", "cli"]]
    assert ">Publish</button>" not in page  # only a simulation's result offers to publish


def test_validate_says_what_a_valid_program_holds(client, program_id, admin_user):
    log_in(client)
    response = send(client, program_id, "validate", DOUBLE_RATE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "valid: 3 tiers, 5 rewards" in page
    assert editor_text(page) == DOUBLE_RATE


def test_an_invalid_program_shows_the_error_keeps_the_text_and_publishes_nothing(
        client, services, program_id, admin_user):
    log_in(client)
    for action in ("validate", "simulate"):
        response = send(client, program_id, action, NO_CURRENCY)
        assert response.status_code == 422
        page = html.unescape(response.get_data(as_text=True))
        assert re.search(r'<p class="error" role="alert">draft: currency: .+</p>', page)
        assert editor_text(response.get_data(as_text=True)) == NO_CURRENCY
        assert ">Publish</button>" not in page
    assert versions(services, program_id) == [(1, "cli")]


def test_an_uploaded_file_is_checked_under_its_own_name(client, program_id, admin_user):
    log_in(client)
    token = csrf_token(client, f"/admin/programs/{program_id}")
    response = client.post(f"/admin/programs/{program_id}/validate", data={
        "csrf_token": token, "text": LIVE,
        "file": (io.BytesIO(b'name = "Broken"\nnot toml ['), "broken.toml")})
    assert response.status_code == 422
    assert "broken.toml: &lt;toml&gt;:" in response.get_data(as_text=True)
    response = client.post(f"/admin/programs/{program_id}/validate", data={
        "csrf_token": csrf_token(client, f"/admin/programs/{program_id}"), "text": "",
        "file": (io.BytesIO(DOUBLE_RATE.encode()), "double.toml")})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "valid: 3 tiers, 5 rewards" in page
    assert editor_text(page) == DOUBLE_RATE


def test_simulate_compares_the_draft_with_the_live_version(client, program_id, admin_user):
    log_in(client)
    response = send(client, program_id, "simulate", DOUBLE_RATE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 stored order of http://127.0.0.1:8000/ replayed" in page
    rows = {row[0]: row[1:] for row in table(page, "simulation")}
    assert rows["Points issued"] == ["92", "46"]
    assert rows["Outstanding liability"] == ["0.92 USD", "0.46 USD"]
    assert rows["Customers in tier Member"] == ["1", "1"]
    assert "Customers moving tier: 0" in page
    assert "Live (v1)" in page
    assert publish_text(page) == DOUBLE_RATE
    assert ">Publish</button>" in page


def test_simulate_counts_customers_moving_tier(client, program_id, admin_user):
    log_in(client)
    low_silver = LIVE.replace('threshold = "500.00"', 'threshold = "10.00"')
    page = send(client, program_id, "simulate", low_silver).get_data(as_text=True)
    rows = {row[0]: row[1:] for row in table(page, "simulation")}
    assert rows["Customers in tier Member"] == ["0", "1"]
    assert rows["Customers in tier Silver"] == ["1", "0"]
    assert "Customers moving tier: 1" in page


def test_simulate_replays_the_orders_of_the_shop_chosen(client, services, program_id,
                                                        admin_user):
    with services.db.transaction() as session:
        second = add_shop(session, services.box, "woocommerce", "http://second.example/",
                          program_id=program_id).id
    log_in(client)
    page = client.get(f"/admin/programs/{program_id}").get_data(as_text=True)
    assert f'<option value="{second}">http://second.example/' in page
    page = send(client, program_id, "simulate", DOUBLE_RATE, shop=second).get_data(as_text=True)
    assert "0 stored orders of http://second.example/ replayed" in page
    assert {row[0]: row[1:] for row in table(page, "simulation")}["Points issued"] == ["0", "0"]


def test_publish_after_simulate_creates_version_2_by_the_admin(client, services, program_id,
                                                              admin_user):
    log_in(client)
    page = send(client, program_id, "simulate", DOUBLE_RATE).get_data(as_text=True)
    response = send(client, program_id, "publish", publish_text(page),
                    publish_token=hidden(page, "publish_token"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/programs/{program_id}"
    assert versions(services, program_id) == [(1, "cli"), (2, "admin:merchant")]
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "published version 2" in shown
    assert editor_text(shown) == DOUBLE_RATE
    assert [row[0::2] for row in table(shown, "versions")] == [["v2 (live)", "admin:merchant"],
                                                               ["v1", "cli"]]


def test_publish_refuses_a_text_changed_after_simulating(client, services, program_id,
                                                         admin_user):
    log_in(client)
    page = send(client, program_id, "simulate", DOUBLE_RATE).get_data(as_text=True)
    tampered = DOUBLE_RATE.replace("points_per_unit = 2 ", "points_per_unit = 20 ")
    for token in (hidden(page, "publish_token"), ""):
        response = send(client, program_id, "publish", tampered, publish_token=token)
        assert response.status_code == 400
        shown = response.get_data(as_text=True)
        assert "simulate this text before publishing it" in shown
        assert editor_text(shown) == tampered
    assert versions(services, program_id) == [(1, "cli")]


def test_a_merchant_user_sees_only_their_merchant_programs(client, services, run, program_id):
    with services.db.transaction() as session:
        other = add_shop(session, services.box, "woocommerce", "http://other.example/",
                         merchant_name="Other merchant")
        merchant_id, other_program = other.merchant_id, other.program_id
    result = run("admin", "create-user", "carla", "--merchant", merchant_id, "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    log_in(client, "carla")
    listed = table(client.get("/admin/programs").get_data(as_text=True), "programs")
    assert [row[0] for row in listed] == [f"Other merchant rewards (#{other_program})"]
    assert client.get(f"/admin/programs/{other_program}").status_code == 200
    unpublished = send(client, other_program, "simulate", LIVE).get_data(as_text=True)
    assert "Live (none)" in unpublished
    assert "No live version yet: nothing to compare tier movements with." in unpublished
    assert client.get(f"/admin/programs/{program_id}").status_code == 404
    token = csrf_token(client, f"/admin/programs/{other_program}")
    for action in ("validate", "simulate", "publish"):
        response = client.post(f"/admin/programs/{program_id}/{action}",
                               data={"csrf_token": token, "text": DOUBLE_RATE})
        assert response.status_code == 404, action
    assert versions(services, program_id) == [(1, "cli")]
