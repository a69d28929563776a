"""The storefront endpoints on both platforms: signed calls only, joining, the rewards
catalogue, referral links that lead to the store, and the WooCommerce signature scheme."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from adapters.woocommerce.storefront import storefront_signature
from connector import programs
from connector.adjustments import adjust
from connector.ledger import write_entry
from connector.models import Customer, LedgerEntry, LinkVisit, OrderState, Shop
from connector.types import utcnow
from tests.connector.storefront_shops import drain, make_store_shop
from tests.support import EXAMPLE_PROGRAM, statements_sent

PROGRAM = EXAMPLE_PROGRAM.read_text()


@pytest.fixture(params=["shopify", "woocommerce"])
def store(request, services):
    made = make_store_shop(request.param, services, PROGRAM)
    yield made
    made.fake.__exit__(None, None, None)


def test_a_visitor_joins_with_an_email_and_gets_the_signup_bonus_once(client, services, store):
    url = f"{store.url('join')}?{store.signed('9001')}"
    first = client.post(url, data={"email": " Rita@Example.org ", "first_name": "Rita",
                                   "birthday": "1990-04-25"})
    assert first.status_code == 201
    assert first.get_json() == {"joined": True, "new": True, "points_awarded": 100}
    again = client.post(url, data={"email": "rita@example.org"})
    assert again.status_code == 200 and again.get_json()["points_awarded"] == 0
    balance = client.get(f"{store.url('balance')}?{store.signed('9001')}").get_json()
    assert (balance["member"], balance["balance"], balance["pending"]) == (True, 100, 0)
    assert balance["next_tier"]["name"] == "Silver"
    assert balance["history"][0]["reason"] == "signup bonus"
    with services.db.reading() as session:
        rita = session.scalar(select(Customer).where(Customer.email == "rita@example.org"))
        assert (rita.first_name, rita.birthday.isoformat()) == ("Rita", "1990-04-25")


def test_the_balance_shows_the_last_fifty_entries_oldest_first(client, services, store):
    """The storefront's history: the newest 50 entries (kind, points, when, why), oldest first;
    balance and pending agree with the whole ledger, not only the entries shown."""
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "h@example.org"})
    with services.db.transaction() as session:
        shop = session.get(Shop, store.shop_id)
        customer = session.scalar(select(Customer).where(Customer.email == "h@example.org"))
        for n in range(1, 56):
            adjust(session, shop, customer, n, f"goodwill {n}", "test", f"r-{n}", utcnow())
    body = client.get(f"{store.url('balance')}?{store.signed('9001')}").get_json()
    assert (body["balance"], body["pending"]) == (100 + 55 * 56 // 2, 0)
    history = body["history"]
    assert [e["reason"] for e in history] == [f"goodwill {n}" for n in range(6, 56)]
    assert [e["points"] for e in history] == list(range(6, 56))
    assert all(set(e) == {"kind", "points", "created_at", "reason"} for e in history)
    assert {e["kind"] for e in history} == {"adjust"}
    stamps = [datetime.fromisoformat(e["created_at"]) for e in history]
    assert stamps == sorted(stamps) and stamps[-1].utcoffset() == timedelta(0)


def test_the_balance_shows_progress_by_paid_spend_and_no_orders_in_the_history(
        client, services, store):
    """Progress to Silver (500.00 of paid spend in the window) counts the customer's paid
    orders, read with the history in one statement; the history shows only ledger entries."""
    store.post(client, store.order_with_code(None))
    drain(services)
    body = client.get(f"{store.url('balance')}?{store.signed(store.friend_ref)}").get_json()
    with services.db.reading() as session:
        friend = session.scalar(select(Customer).where(Customer.email == "alice@example.com"))
        spend = sum(order.net_spend for order in session.scalars(select(OrderState).where(
            OrderState.customer_id == friend.id, OrderState.paid_at.is_not(None))))
        entries = session.scalars(select(LedgerEntry).where(
            LedgerEntry.customer_id == friend.id).order_by(LedgerEntry.id)).all()
    assert Decimal(0) < spend < Decimal("500.00") and entries
    assert body["next_tier"] == {"name": "Silver", "basis": "spend", "threshold": "500.00",
                                 "reached": str(spend), "remaining": str(500 - spend),
                                 "percent": int(spend * 100 / 500)}
    assert [(e["kind"], e["points"], e["reason"]) for e in body["history"]] == [
        (e.kind, e.points, e.reason) for e in entries]


@pytest.mark.parametrize(("form", "message"), [
    ({"email": "rita@"}, "is not an e-mail address"),
    ({"email": "rita@example.org", "birthday": "25/04/1990"}, "is not a date like"),
    ({"email": "rita@example.org", "birthday": "2999-01-01"}, "not a plausible"),
])
def test_a_bad_join_form_is_refused_and_changes_nothing(client, services, store, form, message):
    answer = client.post(f"{store.url('join')}?{store.signed('9001')}", data=form)
    assert answer.status_code == 400 and message in answer.get_json()["error"]
    with services.db.reading() as session:
        assert session.scalars(select(Customer)).all() == []


def test_the_catalogue_shows_what_each_reward_costs_and_what_is_missing(client, services,
                                                                        store):
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "r@example.org"})
    body = client.get(f"{store.url('rewards')}?{store.signed('9001')}").get_json()
    offer = {r["id"]: (r["cost"], r["affordable"], r["points_needed"]) for r in body["rewards"]}
    assert offer == {"5-off": (500, False, 400), "free-shipping": (300, False, 200)}


def test_the_catalogue_counts_available_points_only_and_the_tiers_perks(client, services,
                                                                        store):
    """Points still pending do not buy a reward, in the catalogue as in the balance; a Gold
    member's perks are free."""
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "p@example.org"})
    with services.db.transaction() as session:  # 450 more, pending for ten days
        member = session.scalar(select(Customer).where(Customer.email == "p@example.org"))
        write_entry(session, member, LedgerEntry(
            shop_id=store.shop_id, kind="pending", points=450, lot="order:p1:earn",
            source_key="order:p1:earn", available_at=utcnow() + timedelta(days=10)))
    query = store.signed("9001")
    balance = client.get(f"{store.url('balance')}?{query}").get_json()
    body = client.get(f"{store.url('rewards')}?{query}").get_json()
    assert (balance["balance"], balance["pending"], body["balance"]) == (100, 450, 100)
    assert not any(r["affordable"] for r in body["rewards"])
    with services.db.transaction() as session:
        session.scalar(select(Customer).where(Customer.email == "p@example.org")).tier = "Gold"
    perks = {r["id"]: (r["cost"], r["perk"]) for r in client.get(
        f"{store.url('rewards')}?{query}").get_json()["rewards"] if r["perk"]}
    assert perks == {"free-shipping": (0, True), "birthday-20": (0, True)}



def test_the_signature_check_reads_the_shoppers_card_with_the_shop(app, client, store):
    """A balance is two statements (the shop with the card, then the history), the catalogue
    one: on PostgreSQL each is a round trip."""
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "c@example.org"})
    answers = {}
    for action, count in (("balance", 2), ("rewards", 1), ("estimate", 1)):
        query = store.signed("9001", **({"amount": "10"} if action == "estimate" else {}))
        with statements_sent(app) as sent:
            answers[action] = client.get(f"{store.url(action)}?{query}")
        assert answers[action].status_code == 200, answers[action].get_data(as_text=True)
        assert len(sent) == count, (action, sent)
        assert "shops" in sent[0] and "customers" in sent[0]
    assert (answers["balance"].get_json()["balance"], answers["rewards"].get_json()["balance"],
            answers["estimate"].get_json()["points"]) == (100, 100, 10)


def test_a_proxy_call_naming_two_customers_shows_only_the_signed_ones_card(app, client,
                                                                           services):
    """Shopify signs a repeated parameter's values together and we take the last: the card
    the shop's statement read for the first named customer is not the one shown."""
    from adapters.shopify.proxy import proxy_signature
    from tests.support import SHOPIFY_DOMAIN

    store = make_store_shop("shopify", services, PROGRAM)
    try:
        client.post(f"/proxy/join?{store.signed('9001')}", data={"email": "one@example.org"})
        client.post(f"/proxy/join?{store.signed('9002')}", data={"email": "two@example.org"})
        with services.db.transaction() as session:
            shop = session.get(Shop, store.shop_id)
            one = session.scalar(select(Customer).where(Customer.email == "one@example.org"))
            adjust(session, shop, one, 400, "goodwill", "test", "r-1", utcnow())
        params = [("shop", SHOPIFY_DOMAIN), ("logged_in_customer_id", "9001"),
                  ("logged_in_customer_id", "9002"), ("path_prefix", "/apps/loyalty"),
                  ("timestamp", str(int(time.time())))]
        query = urlencode([*params, ("signature", proxy_signature(params, store.secret))])
        for action in ("balance", "rewards"):
            answer = client.get(f"/proxy/{action}?{query}")
            assert answer.status_code == 200
            assert answer.get_json()["balance"] == 100  # 9002's, not 9001's 500
        assert client.get(f"/proxy/balance?{store.signed('9001')}").get_json()["balance"] == 500
    finally:
        store.fake.__exit__(None, None, None)


def test_a_referral_link_leads_to_the_store_with_the_code_and_records_a_hashed_visit(
        client, services, store):
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "r@example.org"})
    links = client.get(f"{store.url('links')}?{store.signed('9001')}").get_json()
    code = links["referral"]["code"]
    assert links == {"referral": {"code": code, "url": f"http://127.0.0.1:8000/r/{code}"},
                     "share": None}
    answer = client.get(f"/r/{code}", headers={"User-Agent": "Mozilla/5.0 Firefox/130"},
                        environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/?ref={code}")
    assert f"loyalty_ref={code}" in answer.headers["Set-Cookie"]
    with services.db.reading() as session:
        (seen,) = session.scalars(select(LinkVisit)).all()
        assert (seen.kind, seen.code, seen.counted, seen.user_agent) == \
            ("referral", code, True, "Mozilla/5.0 Firefox/130")
        assert "198.51.100.23" not in (seen.ip_hash + seen.visitor)
    assert client.get("/r/UNKNOWN1").status_code == 404


def test_a_share_link_only_points_at_the_stores_own_pages(client, services, store):
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "r@example.org"})
    for page in ("https://evil.example/phish", "//evil.example/x", "javascript:alert(1)"):
        answer = client.get(f"{store.url('links')}?{store.signed('9001', page=page)}")
        assert answer.status_code == 400 and "can be shared" in answer.get_json()["error"]


def test_unknown_actions_and_wrong_methods_are_answered_plainly(client, services, store):
    assert client.get(f"{store.url('nothing')}?{store.signed('9001')}").status_code == 404
    assert client.get(f"{store.url('redeem')}?{store.signed('9001')}").status_code == 405


# --- WooCommerce's signed calls ---------------------------------------------------------

def woo_query(secret: str, customer: str = "2", age: int = 0, sign_as: str | None = None) -> str:
    ts = str(int(time.time()) - age)
    return urlencode({"customer": customer, "ts": ts,
                      "sig": storefront_signature(sign_as or customer, ts, secret)})


@pytest.mark.parametrize("store", ["woocommerce"], indirect=True)
@pytest.mark.parametrize(("query", "message"), [
    (lambda s: woo_query("not-the-secret"), "does not match"),
    (lambda s: woo_query(s, age=330), "five minutes"),
    (lambda s: woo_query(s, age=-330), "five minutes"),
    (lambda s: woo_query(s, customer="3", sign_as="2"), "does not match"),
    (lambda s: "customer=2&ts=1", "sig: missing"),
    (lambda s: woo_query(s, customer="0"), "log in"),
])
def test_woocommerce_calls_need_a_fresh_signature_for_that_customer(client, store, query,
                                                                    message):
    answer = client.get(f"{store.url('balance')}?{query(store.secret)}")
    assert answer.status_code == 401 and message in answer.get_json()["error"]


@pytest.mark.parametrize("store", ["woocommerce"], indirect=True)
def test_the_stores_own_pages_may_call_from_the_browser(client, store):
    origin = store.fake.url.rstrip("/")
    answer = client.get(f"{store.url('balance')}?{woo_query(store.secret)}",
                        headers={"Origin": origin})
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    other = client.get(f"{store.url('balance')}?{woo_query(store.secret)}",
                       headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_the_woocommerce_signature_is_hmac_sha256_of_id_colon_timestamp():
    # What the PHP snippet computes: hash_hmac('sha256', '42:1700000000', 'secret')
    assert storefront_signature("42", "1700000000", "secret") == \
        "06befc2f1ab0d54fe546ba44465ee0fb75171b35efc9a472aa1baff621d662be"  # openssl dgst


def test_a_newly_published_program_is_what_the_next_storefront_read_shows(client, services,
                                                                         store):
    """The signature check reads the live version's digest with the shop: a version
    published in between (by the CLI or the admin, another process) shows at once."""
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "r@example.org"})
    assert 'id = "5-off"\ncost = 500\n' in PROGRAM
    cheaper = PROGRAM.replace('id = "5-off"\ncost = 500\n', 'id = "5-off"\ncost = 50\n', 1)
    for text, cost in ((cheaper, 50), (PROGRAM, 500)):
        with services.db.transaction() as session:
            program_id = session.get(Shop, store.shop_id).program_id
            programs.publish(session, program_id, text, "test")
        offer = client.get(f"{store.url('rewards')}?{store.signed('9001')}").get_json()
        assert {r["id"]: r["cost"] for r in offer["rewards"]}["5-off"] == cost
        balance = client.get(f"{store.url('balance')}?{store.signed('9001')}").get_json()
        assert [r["id"] for r in balance["rewards"]] == (["5-off"] if cost == 50 else [])


def _guest(store) -> str:
    return "" if store.platform == "shopify" else "0"


def test_the_cart_estimate_follows_the_program_and_the_shoppers_tier(client, services, store):
    """1 point per 1.00, floored; Gold earns 1.5 times; a visitor earns at the base rate."""
    estimate = store.url("estimate")
    visitor = client.get(f"{estimate}?{store.signed(_guest(store), amount='42.50')}")
    assert visitor.status_code == 200
    assert visitor.get_json() == {"points": 42, "currency": "USD", "tier": None}
    client.post(f"{store.url('join')}?{store.signed('9001')}", data={"email": "g@example.org"})
    with services.db.transaction() as session:
        session.scalar(select(Customer).where(Customer.email == "g@example.org")).tier = "Gold"
    gold = client.get(f"{estimate}?{store.signed('9001', amount='42.50')}")
    assert gold.get_json() == {"points": 63, "currency": "USD", "tier": "Gold"}
    pounds = client.get(f"{estimate}?{store.signed('9001', amount='10', currency='GBP')}")
    assert pounds.get_json()["points"] == 0  # GBP does not earn in the example program


@pytest.mark.parametrize("amount", ["", "forty", "-1", "NaN", "1e12"])
def test_a_bad_cart_amount_is_a_clear_400(client, store, amount):
    answer = client.get(f"{store.url('estimate')}?{store.signed(_guest(store), amount=amount)}")
    assert answer.status_code == 400 and "amount: expected" in answer.get_json()["error"]
