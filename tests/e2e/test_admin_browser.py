"""The merchant admin in a real browser (Debian's chromium through Playwright) against a running
`loyalty serve`: log in, read the dashboard's charts, adjust a customer's points with a reason,
see an invalid program refused in place, simulate and publish a valid one, and retry a failed
push job. Each page is saved as a screenshot under tests/artifacts/admin-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.admin_site import ADMIN, PASSWORD, SPENDABLE, Site, running_site
from tests.e2e.browser import browser, page, screenshot  # noqa: F401 (fixtures)
from tests.e2e.processes import wait_until

pytestmark = pytest.mark.slow
ALICE = "alice@example.com"


@pytest.fixture
def site(tmp_path):
    """On SQLite: the pages are the same on both databases (the storage tests run on both)."""
    settings = {"LOYALTY_DATABASE_URL": f"sqlite:///{tmp_path / 'loyalty.db'}",
                "LOYALTY_INSTANCE_PATH": str(tmp_path / "inst"), "LOYALTY_LOG_LEVEL": "INFO"}
    with running_site(settings, tmp_path) as running:
        yield running


def log_in(page: Page, site: Site) -> None:  # noqa: F811
    page.goto(f"{site.base}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=/admin/"))
    screenshot(page, "admin-login")
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("wrong user name or password")).to_be_visible()
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{site.base}/admin/")


def test_dashboard_shows_the_measures_and_non_empty_charts(page: Page, site: Site):  # noqa: F811
    log_in(page, site)
    expect(page.get_by_role("heading", level=2, name="Program")).to_be_visible()
    figures = page.locator("table.figures")
    expect(figures).to_contain_text("Points issued / redeemed")
    expect(figures).to_contain_text("356 / 0")
    expect(figures).to_contain_text("Members ÷ customers × 100")
    charts = page.locator(".chart svg")
    expect(charts).to_have_count(4)
    titles = [charts.nth(i).locator("title").first.text_content() for i in range(4)]
    assert titles[0] == "Points per week" and titles[1] == "Members over time"
    # the weekly bars carry the figures from the seeded deliveries: 356 issued, 10 clawed back
    bars = charts.nth(0)
    assert bars.locator("rect.rect").count() >= 2
    assert "356" in bars.text_content() and "10" in bars.text_content()
    assert charts.nth(1).locator("path.line").count() >= 1
    screenshot(page, "admin-dashboard")


def test_adjust_a_customers_points_with_a_reason(page: Page, site: Site):  # noqa: F811
    log_in(page, site)
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("E-mail or name").fill("alice")
    page.get_by_role("button", name="Search").click()
    screenshot(page, "admin-customers")
    page.get_by_role("link", name=ALICE).click()
    balance = page.locator("table.balance")
    expect(balance).to_contain_text("346")
    page.get_by_label("Points (negative to remove)").fill("50")
    page.get_by_label("Reason (kept in the ledger)").fill("parcel arrived late")
    page.get_by_role("button", name="Adjust").dblclick()  # an impatient double click
    expect(page.get_by_role("status")).to_contain_text("+50 points: parcel arrived late")
    expect(balance).to_contain_text("396")
    ledger = page.locator("table.ledger")
    expect(ledger).to_contain_text("parcel arrived late")
    expect(ledger).to_contain_text(f"admin:{ADMIN}")
    screenshot(page, "admin-customer")
    # the form was sent twice with one request id: it counted once
    assert site.customer(ALICE)["balance"] == 396
    adjustments = [e for e in site.customer(ALICE)["entries"] if e["kind"] == "adjust"]
    assert [e["points"] for e in adjustments] == [50]


def test_invalid_program_is_refused_in_place_then_a_valid_one_is_simulated_and_published(
        page: Page, site: Site):  # noqa: F811
    log_in(page, site)
    page.get_by_role("link", name="Programs").click()
    screenshot(page, "admin-programs")
    page.locator("table a").first.click()
    editor = page.get_by_label("Program (TOML)")
    editor.fill(SPENDABLE.replace("points_per_unit = ", "points_per_unit = \"many\" # "))
    page.get_by_role("button", name="Validate").click()
    error = page.get_by_role("alert")
    expect(error).to_contain_text("points_per_unit")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    screenshot(page, "admin-program-invalid")

    doubled = SPENDABLE.replace("points_per_unit = 1", "points_per_unit = 2")
    assert doubled != SPENDABLE
    page.get_by_label("Program (TOML)").fill(doubled)
    page.get_by_role("button", name="Simulate").click()
    table = page.locator("table.simulation")
    issued = table.get_by_role("row", name=re.compile("^Points issued"))
    expect(issued).to_have_text(re.compile(r"Points issued\s*92\s*46"))  # order 13 nets 46.00
    screenshot(page, "admin-program-simulated")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("published version 2")
    screenshot(page, "admin-program-published")
    shown = site.loyalty.run("program", "show", "--shop", str(site.shop_id)).stdout
    assert "# version 2" in shown and f"by admin:{ADMIN}" in shown
    assert "points_per_unit = 2" in shown


def test_retry_a_failed_push_job_creates_the_code_once(page: Page, site: Site):  # noqa: F811
    assert site.customer(ALICE)["balance"] == 346  # the failed code gave its points back
    log_in(page, site)
    page.get_by_role("link", name="Jobs").click()
    jobs = page.locator("table.jobs")
    expect(jobs).to_contain_text("discount.create")
    expect(jobs).to_contain_text("400")
    screenshot(page, "admin-jobs")
    page.get_by_role("button", name="Retry", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("will run again")
    wait_until(lambda: len(site.store.coupons) == 1, 30, "the coupon on the store")
    wait_until(lambda: site.dead_jobs() == [], 30, "the job to leave the failed list")
    page.reload()
    expect(page.get_by_text("No failed job:")).to_be_visible()
    screenshot(page, "admin-jobs-after-retry")
    page.get_by_role("link", name="Shops").click()
    expect(page.locator("body")).to_contain_text(site.store.url.rstrip("/"))
    screenshot(page, "admin-shops")
    page.get_by_role("link", name=f"#{site.shop_id}", exact=True).click()
    health = page.locator("table.webhook-health")
    expect(health).to_contain_text("customer.created")
    expect(health).to_contain_text("order.updated")
    screenshot(page, "admin-shop")
    assert site.customer(ALICE)["balance"] == 346 - 300  # free shipping, spent again once
    assert len(site.store.coupons) == 1
