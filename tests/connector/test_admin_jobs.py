"""Failed push jobs in the admin and in `loyalty jobs`: listed with every attempt, retried one by
one or all at once; a retried discount code spends the customer's points again, once."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from connector.models import LedgerEntry, OutboxJob, Redemption
from tests.connector import test_admin, test_admin_shops, test_woo_rewards
from tests.connector.test_admin import csrf_token, log_in
from tests.connector.test_admin_customers import table
from tests.connector.test_admin_shops import create_merchant_user, dead_job
from tests.connector.test_woo_rewards import alice_with_points, balance, settle_jobs, spend

admin_user = test_admin.admin_user  # fixtures, requested by name
run = test_admin.run
other_shop = test_admin_shops.other_shop
settings = test_woo_rewards.settings  # short push timeouts
no_backoff = test_woo_rewards.no_backoff  # autouse: retries due at once
store = test_woo_rewards.store
shop_id = test_woo_rewards.shop_id

REJECTED = "POST coupons: the store rejected the request (400)"


@pytest.fixture
def alice(client, services, store, shop_id):
    """Alice, a customer of the fake store, with 356 points available and her pushes done."""
    store.add_customer({"id": 2, "email": "alice@example.com", "meta_data": []})
    alice_with_points(client, services, shop_id)
    settle_jobs(services)


def failed_code(services, store, shop_id, reward_id="5-off", request_id="req-1") -> int:
    """Redeem `reward_id` while the store refuses new coupons: the job dies, points return."""
    store.fail_next("POST", "coupons", 400)
    spend(services, shop_id, reward_id, request_id)
    settle_jobs(services)
    with services.db.reading() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.kind == "discount.create")
                             .order_by(OutboxJob.id.desc()))
    assert job.status == "dead"
    return job.id


def redeemed_points(services) -> int:
    with services.db.reading() as session:
        return session.scalar(select(func.sum(LedgerEntry.points))
                              .where(LedgerEntry.kind == "redeem"))


def retry(client, job_id):
    token = csrf_token(client, "/admin/jobs")
    return client.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token},
                       follow_redirects=True)


def test_job_pages_send_a_visitor_who_is_not_logged_in_to_the_login_page(client):
    for path in ("/admin/jobs", "/admin/jobs/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login?next=/admin/jobs")


def test_a_failed_code_is_listed_with_its_attempts_and_error(client, services, store, shop_id,
                                                             alice, admin_user):
    job_id = failed_code(services, store, shop_id)
    assert balance(services, shop_id) == 356  # the points came back when the code failed
    log_in(client)
    listing = client.get("/admin/jobs").get_data(as_text=True)
    ((number, shop, kind, attempts, error, failed_at, _),) = table(listing, "jobs")
    assert (number, kind, attempts) == (f"#{job_id}", "discount.create", "1")
    assert shop == f"#{shop_id} {store.url}"
    assert error.startswith(REJECTED) and failed_at.endswith("UTC")
    page = client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    with services.db.reading() as session:
        code = session.scalar(select(Redemption.code))
    payload = dict(table(page, "payload"))
    assert payload["spec.code"] == code and payload["spec.email"] == "alice@example.com"
    ((_, outcome, duration, detail),) = table(page, "attempts")
    assert outcome == "permanent" and duration.endswith(" ms") and detail.startswith(REJECTED)


def test_retrying_a_failed_code_creates_it_once_and_spends_the_points_again_once(
        client, services, store, shop_id, alice, admin_user):
    job_id = failed_code(services, store, shop_id)
    log_in(client)
    page = retry(client, job_id).get_data(as_text=True)
    assert f"job {job_id} will run again" in page
    assert "No failed job" in page
    assert balance(services, shop_id) == 306
    settle_jobs(services)  # the store accepts coupons again
    with services.db.reading() as session:
        record = session.scalar(select(Redemption))
    assert record.status == "issued"
    assert [coupon["code"] for coupon in store.coupons.values()] == [record.code.lower()]
    assert balance(services, shop_id) == 306 and redeemed_points(services) == -50
    again = retry(client, job_id).get_data(as_text=True)
    assert f"job {job_id} is done, not failed: only failed jobs are retried" in again
    assert balance(services, shop_id) == 306 and len(store.coupons) == 1


def test_a_retried_code_that_fails_again_gives_the_points_back_once_more(
        client, services, store, shop_id, alice, admin_user):
    job_id = failed_code(services, store, shop_id)
    log_in(client)
    store.fail_next("POST", "coupons", 400)
    assert f"job {job_id} will run again" in retry(client, job_id).get_data(as_text=True)
    settle_jobs(services)
    assert balance(services, shop_id) == 356 and redeemed_points(services) == 0
    page = client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert [row[1] for row in table(page, "attempts")] == ["permanent", "permanent"]
    assert [row[0] for row in table(client.get("/admin/jobs").get_data(as_text=True),
                                    "jobs")] == [f"#{job_id}"]
    assert not store.coupons


def test_retry_all_runs_every_failed_job_again(client, services, store, shop_id, alice,
                                               admin_user):
    first = failed_code(services, store, shop_id, request_id="req-1")
    second = failed_code(services, store, shop_id, request_id="req-2")
    log_in(client)
    listed = [row[0] for row in table(client.get("/admin/jobs").get_data(as_text=True), "jobs")]
    assert listed == [f"#{second}", f"#{first}"]
    token = csrf_token(client, "/admin/jobs")
    page = client.post("/admin/jobs/retry-all", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "2 jobs will run again" in page and "No failed job" in page
    settle_jobs(services)
    assert len(store.coupons) == 2
    assert balance(services, shop_id) == 356 - 2 * 50 and redeemed_points(services) == -100


def test_a_retry_is_refused_when_the_customer_no_longer_has_the_points(
        client, services, store, shop_id, alice, admin_user):
    job_id = failed_code(services, store, shop_id, "free-shipping")  # 300 points, given back
    spend(services, shop_id, "5-off", "req-2")
    spend(services, shop_id, "5-off", "req-3")
    settle_jobs(services)
    assert balance(services, shop_id) == 256
    log_in(client)
    page = retry(client, job_id).get_data(as_text=True)
    assert re.search(r"the customer no longer has the 300 points for code [A-Z0-9-]+ "
                     r"\(256 available\)", page)
    assert [row[0] for row in table(page, "jobs")] == [f"#{job_id}"]
    assert balance(services, shop_id) == 256 and len(store.coupons) == 2


def test_a_merchant_user_sees_and_retries_only_their_own_jobs(
        client, run, services, store, shop_id, other_shop, alice):
    own = failed_code(services, store, shop_id)
    foreign = dead_job(services, other_shop)
    log_in(client, create_merchant_user(run, services, shop_id))
    assert [row[0] for row in table(client.get("/admin/jobs").get_data(as_text=True),
                                    "jobs")] == [f"#{own}"]
    assert client.get(f"/admin/jobs/{foreign}").status_code == 404
    token = csrf_token(client, "/admin/jobs")
    assert client.post(f"/admin/jobs/{foreign}/retry",
                       data={"csrf_token": token}).status_code == 404
    page = client.post("/admin/jobs/retry-all", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 job will run again" in page
    with services.db.reading() as session:
        assert session.get(OutboxJob, foreign).status == "dead"
        assert session.get(OutboxJob, own).status == "pending"


def test_jobs_list_and_retry_from_the_command_line(run, services, store, shop_id, other_shop,
                                                   alice):
    code_job = failed_code(services, store, shop_id)
    foreign = dead_job(services, other_shop, "tagsAdd: access denied")
    listed = run("jobs", "list")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split()[:6] == [str(foreign), "shop", str(other_shop), "customer.tier", "1",
                                    "attempt"]
    assert lines[0].endswith("tagsAdd: access denied") and REJECTED in lines[1]
    (only,) = json.loads(run("jobs", "list", "--shop", shop_id, "--json").output)
    assert (only["id"], only["kind"], only["attempts"]) == (code_job, "discount.create", 1)
    assert only["last_error"].startswith(REJECTED)
    retried = run("jobs", "retry", code_job)
    assert retried.exit_code == 0 and retried.output == f"job {code_job} will run again\n"
    assert balance(services, shop_id) == 306
    refused = run("jobs", "retry", code_job)
    assert refused.exit_code == 1 and "is pending, not failed" in refused.output
    other = run("jobs", "retry", "--all", "--shop", other_shop)
    assert other.exit_code == 0 and other.output == "1 job will run again\n"
    assert run("jobs", "list", "--json").output.strip() == "[]"
    settle_jobs(services)
    assert len(store.coupons) == 1 and balance(services, shop_id) == 306


def test_jobs_retry_needs_job_ids_or_all(run, services):
    assert "give job ids, or --all (not both)" in run("jobs", "retry").output
    assert "--shop goes with --all" in run("jobs", "retry", "3", "--shop", "1").output
    missing = run("jobs", "retry", "999")
    assert missing.exit_code == 1 and "no job with id 999" in missing.output
    assert "no shop with id 5" in run("jobs", "list", "--shop", "5").output
    assert run("jobs", "list").output == "no failed jobs\n"
