"""The admin's customer pages: search, a customer's file, manual adjustments, `points adjust`."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from connector import ledger, pipeline
from connector.customers import new_customer
from connector.models import Customer, LedgerEntry, Shop
from connector.redemptions import CODE_PURPOSE, redeem
from connector.shops import add_shop
from tests.connector import test_admin
from tests.connector.test_admin import PASSWORD, csrf_token, log_in
from tests.connector.woo import fixture_delivery, post

admin_user = test_admin.admin_user  # fixtures, requested by name
run = test_admin.run

ALICE = "alice@example.com"
NOW = datetime(2026, 11, 30, tzinfo=UTC)  # a week after order 13 was paid: its points pending


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The time the admin pages and `points adjust` read: NOW unless a test moves it."""
    def move_to(moment: datetime) -> None:
        for module in ("connector.admin.customer_pages", "connector.cli.points"):
            monkeypatch.setattr(f"{module}.utcnow", lambda: moment)
    move_to(NOW)
    return move_to


def table(page: str, css_class: str) -> list[list[str]]:
    """The cells' text of each body row of `<table class="css_class">` in the page."""
    found = re.search(rf'<table class="{css_class}">(.*?)</table>', page, re.DOTALL)
    assert found, f"no table {css_class!r} in the page"
    body = found.group(1).split("</thead>")[-1]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


@pytest.fixture
def alice(client, services, woo_shop) -> int:
    """Alice signed up, paid order 13 (pending 14 days) and was refunded 10.00 of it."""
    for name in ("01", "04", "06", "07"):
        assert post(client, woo_shop, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db)
    with services.db.reading() as session:
        return session.scalar(select(Customer.id).where(Customer.email == ALICE))


@pytest.fixture
def other_merchant(services) -> tuple[int, int]:
    """Another merchant's shop with one customer, carol: (merchant id, carol's id)."""
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "http://other.example/",
                        merchant_name="Other merchant")
        carol = new_customer(session, shop, "carol@other.example", None)
        return shop.merchant_id, carol.id


def available(services, customer_id: int) -> tuple[int, int]:
    """(points total, adjustment entries) of a customer, from the database."""
    with services.db.reading() as session:
        total = session.get(Customer, customer_id).points_total
        adjustments = session.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.customer_id == customer_id, LedgerEntry.kind == "adjust"))
    return total, adjustments


def adjustment_form(client, customer_id: int, **fields) -> dict[str, str]:
    """The adjustment form as the customer page renders it, filled with `fields`."""
    page = client.get(f"/admin/customers/{customer_id}").get_data(as_text=True)
    shop = re.search(r'<select name="shop">\s*<option value="(\d+)"', page).group(1)
    return {"csrf_token": hidden(page, "csrf_token"), "request_id": hidden(page, "request_id"),
            "shop": shop, **fields}


def test_customer_pages_need_a_login(client, alice):
    for path in ("/admin/customers", f"/admin/customers/{alice}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login?next=")


def test_search_finds_a_customer_by_email_and_by_name(client, services, woo_shop, alice,
                                                      admin_user):
    with services.db.transaction() as session:
        new_customer(session, session.get(Shop, woo_shop), "bob@example.com", None)
    log_in(client)
    for query in ("ALICE@EXAMPLE", "smi", "alice smith"):
        page = client.get("/admin/customers", query_string={"q": query}).get_data(as_text=True)
        rows = table(page, "customers")
        assert [row[0] for row in rows] == [ALICE], query
        assert rows[0][1:] == ["Alice Smith", "Member", "100", "246", "2026-11-23"]
    everyone = client.get("/admin/customers").get_data(as_text=True)
    assert [row[0] for row in table(everyone, "customers")] == ["bob@example.com", ALICE]
    nobody = client.get("/admin/customers?q=zed").get_data(as_text=True)
    assert "No customer matches “zed”" in nobody


def test_search_shows_fifty_customers_a_page(client, services, woo_shop, admin_user):
    with services.db.transaction() as session:
        shop = session.get(Shop, woo_shop)
        for number in range(55):
            new_customer(session, shop, f"shopper{number:02d}@example.com", None)
    log_in(client)
    first = client.get("/admin/customers?q=shopper").get_data(as_text=True)
    assert len(table(first, "customers")) == 50
    assert "55 customers matching “shopper”, page 1 of 2" in first
    second = client.get("/admin/customers?q=shopper&page=2").get_data(as_text=True)
    assert [row[0] for row in table(second, "customers")] == [
        f"shopper{number:02d}@example.com" for number in range(4, -1, -1)]


def test_a_merchant_user_sees_only_their_merchant_customers(client, services, run, alice,
                                                            other_merchant):
    merchant_id, carol = other_merchant
    result = run("admin", "create-user", "carla", "--merchant", merchant_id, "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    log_in(client, "carla")
    listed = client.get("/admin/customers").get_data(as_text=True)
    assert [row[0] for row in table(listed, "customers")] == ["carol@other.example"]
    assert client.get("/admin/customers?q=alice").get_data(as_text=True).count(ALICE) == 0
    assert client.get(f"/admin/customers/{carol}").status_code == 200
    assert client.get(f"/admin/customers/{alice}").status_code == 404
    before = available(services, alice)
    form = {"csrf_token": csrf_token(client, f"/admin/customers/{carol}"), "points": "50",
            "reason": "sneaky", "request_id": "r-1", "shop": "1"}
    assert client.post(f"/admin/customers/{alice}/adjust", data=form).status_code == 404
    assert available(services, alice) == before


def test_customer_page_shows_balance_lots_tier_history_ledger_and_codes(
        client, services, run, woo_shop, alice, admin_user):
    adjusted = run("points", "adjust", "--shop", woo_shop, "--email", ALICE, "--points", 500,
                   "--reason", "welcome gift")
    assert adjusted.exit_code == 0, adjusted.output
    with services.db.transaction() as session:  # 500 points: 100 from signup, 400 from the gift
        code = redeem(session, session.get(Shop, woo_shop), session.get(Customer, alice),
                      "5-off", "redeem-1", NOW, services.box.derive(CODE_PURPOSE)).code
    log_in(client)
    page = client.get(f"/admin/customers/{alice}").get_data(as_text=True)
    balance = table(page, "balance")
    assert balance[:3] == [["Available", "100"], ["Pending", "246"], ["Lifetime earned", "846"]]
    assert balance[3][1].startswith("Member since")
    lots = {row[0]: row[2:] for row in table(page, "lots")}
    assert lots["order:13:earn"] == ["2026-12-07 03:55", "2027-12-07 03:55", "246", "pending"]
    assert lots["signup:1"] == ["2026-11-23 03:55", "2027-11-23 03:55", "0", "spent"]
    gift = next(name for name in lots if name.startswith("adjust:"))
    assert lots[gift] == ["2026-11-30 00:00", "2027-11-30 00:00", "100", "available"]
    assert [row[1:3] for row in table(page, "tiers")] == [["—", "Member"]]
    entries = [row[1:] for row in table(page, "ledger")]
    assert ["adjust", "+500", gift, "welcome gift", "cli"] in entries
    assert ["redeem", "-100", "signup:1"] in [entry[:3] for entry in entries]
    assert ["redeem", "-400", gift] in [entry[:3] for entry in entries]
    assert ["earn", "+56", "order:13:earn", "order 13 (paid)", "system"] in entries
    assert [row[1:5] for row in table(page, "codes")] == [[code, "5-off", "500", "pending"]]
    assert table(page, "accounts") == [[f"http://127.0.0.1:8000/ (#{woo_shop})", "woocommerce",
                                        "2"]]


def test_lots_past_their_expiry_show_as_expired(client, services, alice, admin_user, clock):
    later = datetime(2027, 11, 25, tzinfo=UTC)  # the signup lot expired on 2027-11-23
    clock(later)
    log_in(client)
    page = client.get(f"/admin/customers/{alice}").get_data(as_text=True)
    statuses = {row[0]: row[4:] for row in table(page, "lots")}
    assert statuses == {"signup:1": ["100", "expired"], "order:13:earn": ["246", "available"]}
    with services.db.transaction() as session:
        assert ledger.expire_due_lots(session, later) == 1
    page = client.get(f"/admin/customers/{alice}").get_data(as_text=True)
    assert {row[0]: row[4:] for row in table(page, "lots")}["signup:1"] == ["0", "expired"]
    assert table(page, "balance")[0] == ["Available", "246"]


def test_an_adjustment_counts_once_and_records_reason_and_admin(client, services, woo_shop,
                                                                alice, admin_user):
    log_in(client)
    before, _ = available(services, alice)
    form = adjustment_form(client, alice, points="50", reason="goodwill for late delivery")
    first = client.post(f"/admin/customers/{alice}/adjust", data=form)
    assert first.status_code == 302
    again = client.post(f"/admin/customers/{alice}/adjust", data=form)  # a double submit
    assert again.status_code == 302
    assert available(services, alice) == (before + 50, 1)
    page = client.get(f"/admin/customers/{alice}").get_data(as_text=True)
    assert "+50 points: goodwill for late delivery" in page
    assert ["adjust", "+50", "goodwill for late delivery", "admin:merchant"] in [
        [row[1], row[2], row[4], row[5]] for row in table(page, "ledger")]
    assert table(page, "balance")[0] == ["Available", "150"]


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"points": "-1000", "reason": "typo"}, 409,
     "cannot remove 1000 points: the customer has 100 available"),
    ({"points": "50", "reason": "   "}, 409, "give a reason"),
    ({"points": "fifty", "reason": "typo"}, 400, "points must be a whole number"),
])
def test_a_refused_adjustment_shows_why_and_changes_nothing(client, services, alice,
                                                            admin_user, fields, status,
                                                            message):
    log_in(client)
    before = available(services, alice)
    response = client.post(f"/admin/customers/{alice}/adjust",
                           data=adjustment_form(client, alice, **fields))
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert f'<p class="error" role="alert">{message}' in html.unescape(page)
    assert f'value="{fields["points"]}"' in page  # the form keeps what was typed
    assert available(services, alice) == before


def test_an_adjustment_without_the_csrf_token_is_refused(client, services, alice, admin_user):
    log_in(client)
    before = available(services, alice)
    form = adjustment_form(client, alice, points="50", reason="goodwill")
    del form["csrf_token"]
    response = client.post(f"/admin/customers/{alice}/adjust", data=form)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert available(services, alice) == before


def test_points_adjust_from_the_command_line_counts_each_request_id_once(run, services,
                                                                         woo_shop, alice):
    before, _ = available(services, alice)
    args = ("points", "adjust", "--shop", woo_shop, "--email", ALICE, "--points", 25,
            "--reason", "birthday gift", "--request-id", "gift-1")
    assert "+25 points for alice@example.com in shop" in run(*args).output
    repeated = run(*args)
    assert "counted once" in repeated.output
    assert available(services, alice) == (before + 25, 1)
    with services.db.reading() as session:
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "adjust"))
    assert (entry.reason, entry.actor) == ("birthday gift", "cli")
    refused = run("points", "adjust", "--shop", woo_shop, "--email", ALICE, "--points", -900,
                  "--reason", "oops")
    assert refused.exit_code == 1
    assert "cannot remove 900 points: the customer has 125 available" in refused.output
    unknown = run("points", "adjust", "--shop", woo_shop, "--email", "zed@example.com",
                  "--points", 5, "--reason", "hello")
    assert unknown.exit_code == 1
    assert "no customer zed@example.com in shop" in unknown.output
    assert available(services, alice) == (before + 25, 1)
