"""The JSON API at /api/v1: keys for one shop, customers and ledgers, adjusting and redeeming
points, earning actions, the program and its figures. Alice (fixtures 01 and 04) has 100
points available and 256 pending."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from connector import api_keys
from connector.customers import new_customer
from connector.models import Redemption, Shop
from connector.types import utcnow
from tests.connector.api_shops import add_other_shop, bearer, deliver_alice, make_key
from tests.support import EXAMPLE_PROGRAM, statements_sent

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")

CUSTOMER_ROUTES = ("", "/ledger")
POSTS = {"/adjustments": {"points": 50, "reason": "goodwill", "request_id": "r-1"},
         "/redemptions": {"reward_id": "free-shipping", "request_id": "r-1"},
         "/actions": {"action": "review", "key": "review-1"}}


@pytest.fixture
def alice(client, services, woo_shop) -> int:
    return deliver_alice(client, services, woo_shop)


@pytest.fixture
def key(services, woo_shop) -> str:
    return make_key(services, woo_shop)


@pytest.fixture
def other_shop(services) -> int:
    return add_other_shop(services)


@pytest.fixture
def api(client, woo_shop, key):
    """Calls to `path` under the shop, with the shop's key."""
    def call(method: str, path: str = "", **kwargs):
        return client.open(f"/api/v1/shops/{woo_shop}{path}", method=method,
                           headers=bearer(kwargs.pop("key", key)), **kwargs)
    return call


def test_no_key_or_another_scheme_is_401_with_a_bearer_challenge(client, woo_shop, alice):
    for headers in ({}, {"Authorization": "Basic YWxpY2U6c2VjcmV0"}, {"Authorization": "Bearer"}):
        answer = client.get(f"/api/v1/shops/{woo_shop}/customers/{alice}", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer lk_" in answer.get_json()["message"]


def test_a_wrong_secret_or_a_revoked_key_is_401(services, api, key, alice):
    prefix = key.split("_")[1]
    for wrong in (f"lk_{prefix}_not-the-secret", "lk_nothing_here", "not-a-key"):
        answer = api("GET", f"/customers/{alice}", key=wrong)
        assert answer.status_code == 401
        assert answer.get_json()["message"] == "the API key is unknown, mistyped or revoked"
    assert api("GET", f"/customers/{alice}").status_code == 200
    with services.db.transaction() as session:
        stored = session.scalar(select(api_keys.ApiKey).where(api_keys.ApiKey.prefix == prefix))
        assert stored.last_used_at is not None  # the good call was recorded
        api_keys.revoke(session, stored, utcnow())
    assert api("GET", f"/customers/{alice}").status_code == 401


def test_another_shops_key_is_403_on_every_route_and_changes_nothing(
        client, services, api, woo_shop, other_shop, alice):
    stranger = make_key(services, other_shop, "their app")
    paths = ["", "/program", "/metrics", "/customers",
             *(f"/customers/{alice}{route}" for route in CUSTOMER_ROUTES)]
    for path in paths:
        answer = api("GET", path, key=stranger)
        assert answer.status_code == 403, path
        assert answer.get_json()["message"] == \
            f"this key is for shop {other_shop}, not shop {woo_shop}"
    for path, body in POSTS.items():
        assert api("POST", f"/customers/{alice}{path}", json=body,
                   key=stranger).status_code == 403
    assert api("GET", f"/customers/{alice}").get_json()["balance"] == \
        {"available": 100, "pending": 256, "lifetime_earned": 356}
    assert len(api("GET", f"/customers/{alice}/ledger").get_json()["entries"]) == 3


def test_a_customer_of_another_program_is_not_found(client, services, api, woo_shop,
                                                    other_shop, alice):
    theirs = deliver_alice(client, services, other_shop)
    assert theirs != alice
    for method, path, body in (("GET", "", None), ("GET", "/ledger", None),
                               *(("POST", p, b) for p, b in POSTS.items())):
        answer = api(method, f"/customers/{theirs}{path}", json=body)
        assert answer.status_code == 404
        assert answer.get_json()["message"] == \
            f"no customer {theirs} in the program of shop {woo_shop}"


def test_search_finds_customers_by_email_or_name_in_any_case_a_page_at_a_time(
        services, api, woo_shop, alice):
    with services.db.transaction() as session:
        bob = new_customer(session, session.get(Shop, woo_shop), "bob@example.org", "77")
        bob.first_name = "Bob"
    assert [c["email"] for c in api("GET", "/customers?q=ALICE").get_json()["customers"]] == \
        ["alice@example.com"]
    found = api("GET", "/customers?q=smi").get_json()
    assert found["total"] == 1 and found["customers"][0]["last_name"] == "Smith"
    assert found["customers"][0]["balance"] == \
        {"available": 100, "pending": 256, "lifetime_earned": 356}
    assert api("GET", "/customers?q=50%25").get_json()["customers"] == []
    second = api("GET", "/customers?per_page=1&page=2").get_json()
    assert (second["total"], [c["first_name"] for c in second["customers"]]) == (2, ["Bob"])
    assert api("GET", "/customers?per_page=0").status_code == 422


def test_the_ledger_lists_every_entry_behind_the_balance(api, alice):
    ledger = api("GET", f"/customers/{alice}/ledger").get_json()
    assert [(e["kind"], e["points"], e["source_key"]) for e in ledger["entries"]] == [
        ("bonus", 100, "signup:1"), ("earn", 56, "order:13:earn"),
        ("bonus", 200, "first-order:1")]
    first = ledger["entries"][0]
    assert (first["lot"], first["reason"], first["actor"]) == ("signup:1", "signup bonus",
                                                               "system")
    assert datetime.fromisoformat(first["expires_at"]).utcoffset().total_seconds() == 0
    page = api("GET", f"/customers/{alice}/ledger?per_page=2&page=2").get_json()
    assert (page["total"], len(page["entries"])) == (3, 1)


def test_adjustments_add_and_remove_points_signed_by_the_key(api, alice):
    def adjust(points: int, request_id: str):
        return api("POST", f"/customers/{alice}/adjustments",
                   json={"points": points, "reason": "parcel lost", "request_id": request_id})
    added = adjust(50, "a-1")
    assert added.status_code == 201
    assert added.get_json() == {"customer_id": alice, "points": 50, "repeated": False,
                                "balance": {"available": 150, "pending": 256,
                                            "lifetime_earned": 406}}
    again = adjust(50, "a-1")
    assert again.status_code == 200 and again.get_json()["repeated"] is True
    removed = adjust(-30, "a-2")
    assert removed.status_code == 201 and removed.get_json()["balance"]["available"] == 120
    too_much = adjust(-121, "a-3")
    assert too_much.status_code == 409
    assert "cannot remove 121 points: the customer has 120 available" in \
        too_much.get_json()["message"]
    assert api("GET", f"/customers/{alice}").get_json()["balance"]["available"] == 120
    entries = api("GET", f"/customers/{alice}/ledger").get_json()["entries"][3:]
    assert [(e["kind"], e["points"], e["actor"], e["reason"]) for e in entries] == [
        ("adjust", 50, "api:review app", "parcel lost"),
        ("adjust", -30, "api:review app", "parcel lost")]


@pytest.mark.parametrize(("body", "field"), [
    ({"points": 0, "reason": "x", "request_id": "z"}, "points"),
    ({"points": "10", "reason": "x", "request_id": "z"}, "points"),
    ({"points": 10, "reason": "   ", "request_id": "z"}, "reason"),
    ({"points": 10, "reason": "x"}, "request_id"),
])
def test_an_invalid_adjustment_is_422_naming_the_field(api, alice, body, field):
    answer = api("POST", f"/customers/{alice}/adjustments", json=body)
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]["json"]
    assert f"json.{field}:" in answer.get_json()["message"]
    assert api("GET", f"/customers/{alice}").get_json()["balance"]["available"] == 100


def test_a_redemption_spends_points_for_one_code(services, api, woo_shop, alice):
    api("POST", f"/customers/{alice}/adjustments",
        json={"points": 250, "reason": "welcome back", "request_id": "top-up"})
    body = {"reward_id": "free-shipping", "request_id": "checkout-7"}
    first = api("POST", f"/customers/{alice}/redemptions", json=body)
    assert first.status_code == 201
    done = first.get_json()
    assert (done["reward_id"], done["points"], done["status"], done["repeated"]) == \
        ("free-shipping", 300, "pending", False)
    assert done["code"] and done["balance"]["available"] == 50
    again = api("POST", f"/customers/{alice}/redemptions", json=body)
    assert again.status_code == 200 and again.get_json()["code"] == done["code"]
    refused = api("POST", f"/customers/{alice}/redemptions",
                  json={"reward_id": "5-off", "request_id": "checkout-8"})
    assert refused.status_code == 409
    assert "not enough points: 50 available, 500 needed" in refused.get_json()["message"]
    unknown = api("POST", f"/customers/{alice}/redemptions",
                  json={"reward_id": "yacht", "request_id": "checkout-9"})
    assert unknown.status_code == 409 and "no reward 'yacht'" in unknown.get_json()["message"]
    with services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Redemption)) == 1


def test_actions_pay_what_the_program_gives_once_per_key(api, alice):
    def act(action: str, key: str):
        answer = api("POST", f"/customers/{alice}/actions", json={"action": action, "key": key})
        return answer.status_code, answer.get_json()["points"]
    assert act("review", "rev-1") == (201, 25)
    assert act("review", "rev-1") == (200, 0)  # the same review pays once
    assert act("review", "rev-2") == (201, 25)
    assert act("review", "rev-3") == (200, 0)  # two reviews a day at most
    assert act("newsletter", "list-a") == (201, 50)
    assert act("newsletter", "list-b") == (200, 0)  # once ever
    assert api("GET", f"/customers/{alice}").get_json()["balance"]["available"] == 200
    unknown = api("POST", f"/customers/{alice}/actions", json={"action": "tweet", "key": "t"})
    assert unknown.status_code == 422
    assert "Must be one of: review, newsletter" in unknown.get_json()["message"]


def test_the_shop_and_its_live_program(services, client, api, woo_shop):
    with services.db.reading() as session:
        program_id = session.get(Shop, woo_shop).program_id
    assert api("GET").get_json() == {"id": woo_shop, "platform": "woocommerce",
                                     "ref": "http://127.0.0.1:8000/", "status": "active",
                                     "program_id": program_id}
    program = api("GET", "/program").get_json()
    assert (program["version"], program["name"], program["currency"]) == \
        (1, "Example Rewards", "USD")
    assert program["source"] == EXAMPLE_PROGRAM.read_text()
    assert {r["id"]: r["cost"] for r in program["rewards"]}["free-shipping"] == 300
    assert program["tiers"][1] == {"name": "Silver", "threshold": "500.00",
                                   "multiplier": "1.25", "perks": ["free-shipping"]}
    bare = add_other_shop(services, "http://127.0.0.1:8002/", publish=False)
    answer = client.get(f"/api/v1/shops/{bare}/program", headers=bearer(make_key(services, bare)))
    assert answer.status_code == 404
    assert "has no published program yet" in answer.get_json()["message"]


def test_metrics_over_a_period_with_money_as_strings(api, alice):
    # the order was paid on 2026-11-23; its points were written today, when it was processed
    today = utcnow().date()
    figures = api("GET", f"/metrics?start=2026-11-01&end={today.isoformat()}").get_json()
    assert (figures["start"], figures["end"]) == (
        "2026-11-01T00:00:00+00:00", f"{today + timedelta(days=1)}T00:00:00+00:00")
    assert (figures["customers"], figures["members"], figures["adoption_rate"]) == \
        (1, 1, "100.00")
    assert (figures["points_issued"], figures["points_redeemed"]) == (356, 0)
    assert figures["everyone"]["average_order_value"] == "56.25"
    assert figures["non_member_customers"]["average_order_value"] is None
    available = api("GET", f"/customers/{alice}").get_json()["balance"]["available"]
    assert figures["available_points"] == available
    assert figures["liability"] == f"{available / 100:.2f}"  # 5.00 for 500 points
    default = api("GET", "/metrics").get_json()
    length = (datetime.fromisoformat(default["end"]) - datetime.fromisoformat(default["start"]))
    assert length.days == 84
    inverted = api("GET", "/metrics?start=2026-11-30&end=2026-11-01")
    assert inverted.status_code == 422 and "give an end on or after the start" in \
        inverted.get_json()["message"]
    assert api("GET", "/metrics?start=yesterday").status_code == 422



def test_one_customer_is_read_with_the_key_in_one_statement(app, api, woo_shop, alice):
    """The API's most frequent call: the key check and the customer's card are one round trip
    (SQLite's BEGIN is not sent to a server)."""
    api("GET", f"/customers/{alice}")  # the key's first use is recorded (a write), once a minute
    with statements_sent(app) as found:
        answer = api("GET", f"/customers/{alice}")
    missing = api("GET", f"/customers/{alice + 1000}")
    assert answer.status_code == 200
    assert answer.get_json()["balance"] == {"available": 100, "pending": 256,
                                            "lifetime_earned": 356}
    assert len(found) == 1 and "api_keys" in found[0] and "customers" in found[0]
    assert missing.status_code == 404
    assert missing.get_json()["message"] == \
        f"no customer {alice + 1000} in the program of shop {woo_shop}"
