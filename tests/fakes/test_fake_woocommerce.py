"""The fake WooCommerce store, driven by the real `woocommerce` client over http (OAuth 1.0a)."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
import requests
import woocommerce
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response
from woocommerce.oauth import OAuth

from tests.fakes.woo_orders import (
    FIRST_ORDER_ID,
    customer_email,
    make_customer,
    make_customers,
    make_orders,
)
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import load_woo_fixture

MONEY = re.compile(r"^-?\d+\.\d{2}$")
WC_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


@pytest.fixture
def fake():
    with FakeWooCommerce() as server:
        yield server


def client(fake, key=None, secret=None, timeout=5):
    return woocommerce.API(url=fake.url, consumer_key=key or fake.consumer_key,
                           consumer_secret=secret or fake.consumer_secret, version="wc/v3",
                           timeout=timeout)


@pytest.fixture
def api(fake):
    return client(fake)


@pytest.fixture
def receiver():
    """A local webhook sink answering 200: yields (url, list of received werkzeug requests)."""
    received = []

    @Request.application
    def app(request):
        request.get_data()
        received.append(request)
        return Response("", 200)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/webhooks/woocommerce/1", received
    server.shutdown()
    thread.join()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


def api_url(fake, path: str) -> str:
    return f"{fake.url}wp-json/wc/v3/{path}"


# -- authentication --------------------------------------------------------------------------

def test_correct_keys_work_over_oauth_query_signing(fake, api):
    response = api.get("system_status")
    assert response.status_code == 200
    assert response.json()["environment"] == {"home_url": fake.url, "site_url": fake.url,
                                              "version": "7.9.0", "wp_version": "6.1.9"}
    response = api.get("coupons", params={"code": "Summer Sale/10", "per_page": 5})
    assert response.status_code == 200
    assert response.json() == []
    call = fake.calls[-1]
    assert (call.method, call.path, call.auth, call.status) == ("GET", "coupons", "oauth", 200)
    assert call.query == {"code": "Summer Sale/10", "per_page": "5"}  # no oauth_* in it


def test_wrong_keys_and_missing_credentials_get_401(fake):
    wrong_key = client(fake, key="ck_other").get("coupons")
    assert wrong_key.status_code == 401
    assert wrong_key.json() == {"code": "woocommerce_rest_cannot_view",
                                "message": "Sorry, you cannot list resources.",
                                "data": {"status": 401}}
    wrong_secret = client(fake, secret="cs_other").get("coupons")
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["code"] == "woocommerce_rest_authentication_error"
    assert wrong_secret.json()["message"] == (
        "Invalid signature - provided signature does not match.")
    anonymous = requests.get(api_url(fake, "coupons"), timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "woocommerce_rest_authentication_error"
    assert [c.status for c in fake.calls] == [401, 401, 401]


def test_basic_and_query_string_credentials(fake):
    basic = requests.get(api_url(fake, "coupons"), auth=(fake.consumer_key, fake.consumer_secret),
                         timeout=5)
    assert basic.status_code == 200
    query = requests.get(api_url(fake, "coupons"), timeout=5,
                         params={"consumer_key": fake.consumer_key,
                                 "consumer_secret": fake.consumer_secret})
    assert query.status_code == 200
    bad = requests.get(api_url(fake, "coupons"), auth=(fake.consumer_key, "nope"), timeout=5)
    assert bad.status_code == 401
    assert [(c.auth, c.query) for c in fake.calls] == [("basic", {}), ("query", {}), (None, {})]


def test_revoked_keys_get_401(fake, api):
    assert api.get("coupons").status_code == 200
    fake.revoke_keys()
    response = api.get("coupons")
    assert response.status_code == 401
    assert response.json()["code"] == "woocommerce_rest_authentication_error"
    assert requests.get(api_url(fake, "coupons"), auth=(fake.consumer_key, fake.consumer_secret),
                        timeout=5).status_code == 401


def test_oauth_nonce_is_single_use_and_timestamp_recent(fake):
    def signed(url, **kwargs):
        return OAuth(url=url, consumer_key=fake.consumer_key, consumer_secret=fake.consumer_secret,
                     version="wc/v3", method="GET", **kwargs).get_oauth_url()

    url = signed(api_url(fake, "coupons?per_page=3"))
    assert requests.get(url, timeout=5).status_code == 200
    replay = requests.get(url, timeout=5)
    assert replay.status_code == 401
    assert replay.json()["message"] == "Invalid nonce - nonce has already been used."
    stale = requests.get(signed(api_url(fake, "coupons"), oauth_timestamp=int(time.time()) - 901),
                         timeout=5)
    assert stale.json()["message"] == "Invalid timestamp."
    tampered = signed(api_url(fake, "coupons?per_page=3")).replace("per_page=3", "per_page=4")
    rejected = requests.get(tampered, timeout=5).json()
    assert rejected["code"] == "woocommerce_rest_authentication_error"


# -- coupons ---------------------------------------------------------------------------------

COUPON = {"code": "welcome10", "discount_type": "percent", "amount": "10", "usage_limit": 1,
          "usage_limit_per_user": 1, "individual_use": True,
          "email_restrictions": ["Alice@Example.com"], "date_expires_gmt": "2030-12-31T23:59:59",
          "meta_data": [{"key": "_loyalty_source", "value": "referral"}]}


def test_coupon_is_stored_like_woocommerce(fake, api):
    response = api.post("coupons", COUPON)
    assert response.status_code == 201
    coupon = response.json()
    assert coupon == fake.coupons[coupon["id"]]
    assert coupon["code"] == "welcome10" and coupon["amount"] == "10"
    assert coupon["usage_count"] == 0 and coupon["used_by"] == []
    assert coupon["email_restrictions"] == ["alice@example.com"]
    assert coupon["date_expires"] == coupon["date_expires_gmt"] == "2030-12-31T23:59:59"
    assert coupon["meta_data"][0]["key"] == "_loyalty_source" and coupon["meta_data"][0]["id"]
    assert api.get(f"coupons/{coupon['id']}").json() == coupon


def test_coupon_codes_are_unique_ignoring_case(fake, api):
    assert api.post("coupons", COUPON).status_code == 201
    duplicate = api.post("coupons", {**COUPON, "code": "WELCOME10"})
    assert duplicate.status_code == 400
    assert duplicate.json() == {"code": "woocommerce_rest_coupon_code_already_exists",
                                "message": "The coupon code already exists",
                                "data": {"status": 400}}
    assert len(fake.coupons) == 1
    assert [c["code"] for c in api.get("coupons", params={"code": "Welcome10"}).json()] == [
        "welcome10"]


@pytest.mark.parametrize("change, code", [
    ({"amount": 10}, "rest_invalid_param"),
    ({"minimum_amount": 5.5}, "rest_invalid_param"),
    ({"discount_type": "bogus"}, "rest_invalid_param"),
    ({"code": ""}, "rest_missing_callback_param"),
])
def test_invalid_coupons_are_refused(fake, api, change, code):
    response = api.post("coupons", {**COUPON, **change})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert next(iter(change)) in response.json()["message"]
    assert fake.coupons == {}


def test_coupon_delete_needs_force(fake, api):
    first, second = (api.post("coupons", {"code": c, "amount": "5"}).json()["id"] for c in "ab")
    trashed = api.delete(f"coupons/{first}")
    assert trashed.status_code == 500
    assert trashed.json()["code"] == "woocommerce_rest_cannot_delete"
    assert first not in fake.coupons
    assert api.delete(f"coupons/{second}", params={"force": True}).status_code == 200
    assert api.get(f"coupons/{second}").status_code == 404


def test_coupon_batch_limit_and_item_errors(fake, api):
    too_many = api.post("coupons/batch", {"create": [{"code": f"c{n}", "amount": "1"}
                                                     for n in range(101)]})
    assert too_many.status_code == 413
    assert too_many.json()["code"] == "woocommerce_rest_request_entity_too_large"
    assert fake.coupons == {}
    existing = api.post("coupons", {"code": "taken", "amount": "1"}).json()["id"]
    response = api.post("coupons/batch", {
        "create": [{"code": "fresh", "amount": "2.5"}, {"code": "TAKEN", "amount": "1"}],
        "update": [{"id": existing, "amount": "3"}], "delete": [987654]})
    assert response.status_code == 200
    result = response.json()
    assert result["create"][0]["code"] == "fresh"
    assert result["create"][1] == {"id": 0, "error": {
        "code": "woocommerce_rest_coupon_code_already_exists",
        "message": "The coupon code already exists", "data": {"status": 400}}}
    assert result["update"][0]["amount"] == "3"
    assert result["delete"][0]["error"]["code"] == "woocommerce_rest_shop_coupon_invalid_id"
    assert sorted(c["code"] for c in fake.coupons.values()) == ["fresh", "taken"]


# -- faults ----------------------------------------------------------------------------------

def test_fail_next_answers_503_twice_then_works(fake, api):
    fake.fail_next("POST", "coupons", 503, times=2)
    statuses = [api.post("coupons", {"code": "retry", "amount": "5"}).status_code
                for _ in range(3)]
    assert statuses == [503, 503, 201]
    assert fake.calls[0].status == 503
    assert api.get("coupons").status_code == 200  # only POSTs were failed
    assert [c["code"] for c in fake.coupons.values()] == ["retry"]


def test_delay_after_times_out_the_client_after_the_work_is_done(fake):
    fake.delay_after("POST", "coupons", 3)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        client(fake, timeout=0.5).post("coupons", {"code": "slow", "amount": "5"})
    assert time.monotonic() - started < 2
    assert [c["code"] for c in fake.coupons.values()] == ["slow"]
    assert fake.calls_to("POST", "coupons")[0].status == 201
    assert client(fake).get("coupons").status_code == 200  # one delay only


# -- webhooks --------------------------------------------------------------------------------

def test_webhook_create_pings_and_never_returns_the_secret(fake, api, receiver):
    url, received = receiver
    response = api.post("webhooks", {"name": "loyalty", "topic": "order.created",
                                     "delivery_url": url, "secret": "s3cret"})
    assert response.status_code == 201
    hook = response.json()
    assert "secret" not in hook
    assert (hook["status"], hook["resource"], hook["event"]) == ("active", "order", "created")
    assert fake.webhooks[hook["id"]]["secret"] == "s3cret"
    assert fake.pings == [(url, 200)]
    (ping,) = received
    assert ping.get_data() == f"webhook_id={hook['id']}".encode()
    assert ping.mimetype == "application/x-www-form-urlencoded"
    assert not [name for name, _ in ping.headers.items() if name.lower().startswith("x-wc")]
    assert ping.headers["User-Agent"].startswith("WooCommerce/7.9.0 Hookshot")
    assert "secret" not in api.get(f"webhooks/{hook['id']}").json()
    assert all("secret" not in h for h in api.get("webhooks").json())


def test_webhook_lifecycle(fake, api, receiver):
    url, received = receiver
    dead = closed_port_url()
    created = api.post("webhooks", {"topic": "order.updated", "delivery_url": dead})
    assert created.status_code == 201  # a failed ping is silent
    hook_id = created.json()["id"]
    assert fake.pings == [(dead, None)]
    assert len(fake.webhooks[hook_id]["secret"]) == 50  # generated, unreadable through REST
    assert api.put(f"webhooks/{hook_id}", {"delivery_url": url}).status_code == 200
    assert fake.pings[-1] == (url, 200) and len(received) == 1
    assert api.put(f"webhooks/{hook_id}", {"status": "disabled"}).json()["status"] == "disabled"
    assert [h["id"] for h in api.get("webhooks", params={"status": "disabled"}).json()] == [
        hook_id]
    assert len(fake.pings) == 2
    missing = api.post("webhooks", {"delivery_url": url})
    assert (missing.status_code, missing.json()["code"]) == (400, "rest_missing_callback_param")
    assert api.delete(f"webhooks/{hook_id}").status_code == 501
    assert api.delete(f"webhooks/{hook_id}", params={"force": "true"}).status_code == 200
    gone = api.get(f"webhooks/{hook_id}")
    assert (gone.status_code, gone.json()["code"]) == (404, "woocommerce_rest_webhook_invalid_id")


# -- customers, products ---------------------------------------------------------------------

def test_customer_meta_upsert_keeps_one_entry_per_key(fake, api):
    fake.add_customer(make_customer(5))
    for tier in ("loyalty-silver", "loyalty-gold"):
        response = api.put("customers/5", {"meta_data": [{"key": "loyalty_tier", "value": tier}],
                                           "role": "administrator"})
        assert response.status_code == 200
    customer = api.get("customers/5").json()
    assert customer["role"] == "customer"
    tiers = [m for m in customer["meta_data"] if m["key"] == "loyalty_tier"]
    assert len(tiers) == 1 and tiers[0]["value"] == "loyalty-gold"
    assert [m["key"] for m in customer["meta_data"]] == ["wc_last_active", "loyalty_tier"]
    assert len({m["id"] for m in customer["meta_data"]}) == 2
    found = api.get("customers", params={"email": "CUSTOMER5@example.com"}).json()
    assert [c["id"] for c in found] == [5]
    assert api.get("customers", params={"email": "nobody@example.com"}).json() == []
    unknown = api.get("customers/999")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "woocommerce_rest_invalid_id")


def test_products_by_sku(fake, api):
    fake.add_product({"id": 10, "name": "Coffee Beans 1kg", "sku": "BEANS-1KG", "price": "25.00"})
    fake.add_product({"id": 11, "name": "Ceramic Mug", "sku": "MUG-01", "price": "12.50"})
    assert [p["id"] for p in api.get("products", params={"sku": "MUG-01"}).json()] == [11]
    assert api.get("products", params={"sku": "NOPE"}).json() == []


# -- orders ----------------------------------------------------------------------------------

@pytest.fixture
def orders(fake):
    generated = make_orders(250, seed=3)
    for order in generated:
        fake.add_order(order)
    return generated


def test_orders_paginate_like_wordpress(fake, api, orders):
    pages = [api.get("orders", params={"per_page": 100, "page": n, "orderby": "id",
                                       "order": "asc"}) for n in (1, 2, 3)]
    assert [len(p.json()) for p in pages] == [100, 100, 50]
    assert {(p.headers["X-WP-Total"], p.headers["X-WP-TotalPages"]) for p in pages} == {
        ("250", "3")}
    ids = [o["id"] for p in pages for o in p.json()]
    assert ids == list(range(FIRST_ORDER_ID, FIRST_ORDER_ID + 250))
    links = [p.headers.get("Link", "") for p in pages]
    assert ['rel="next"' in link for link in links] == [True, True, False]
    assert ['rel="prev"' in link for link in links] == [False, True, True]
    next_url = re.search(r'<([^>]+)>; rel="next"', links[0]).group(1)
    assert next_url.startswith(api_url(fake, "orders?"))
    assert "page=2" in next_url and "per_page=100" in next_url and "oauth_" not in next_url
    too_big = api.get("orders", params={"per_page": 101})
    assert (too_big.status_code, too_big.json()["code"]) == (400, "rest_invalid_param")


def test_orders_modified_after(fake, api, orders):
    cutoff = sorted(o["date_modified_gmt"] for o in orders)[180]
    expected = sorted((o for o in orders if o["date_modified_gmt"] > cutoff),
                      key=lambda o: (o["date_modified_gmt"], o["id"]))
    response = api.get("orders", params={"modified_after": cutoff, "dates_are_gmt": "true",
                                         "orderby": "modified", "order": "asc",
                                         "per_page": 100})
    assert [o["id"] for o in response.json()] == [o["id"] for o in expected]
    assert 0 < len(expected) < 70
    assert response.headers["X-WP-Total"] == str(len(expected))
    assert "Link" not in response.headers
    bad = api.get("orders", params={"modified_after": "yesterday"})
    assert bad.status_code == 400


def test_orders_status_filters(fake, api, orders):
    fake.orders[FIRST_ORDER_ID]["status"] = "trash"
    every = api.get("orders", params={"per_page": 100, "page": 3})
    assert every.headers["X-WP-Total"] == "249"
    trashed = api.get("orders", params={"status": "trash"}).json()
    assert [o["id"] for o in trashed] == [FIRST_ORDER_ID]
    paid = api.get("orders", params={"status": "processing,completed", "per_page": 100})
    expected = sum(o["status"] in ("processing", "completed") for o in orders[1:])
    assert paid.headers["X-WP-Total"] == str(expected)
    assert api.get(f"orders/{FIRST_ORDER_ID + 1}").json() == orders[1]
    assert api.get("orders/1").json()["code"] == "woocommerce_rest_shop_order_invalid_id"


# -- the order generator ---------------------------------------------------------------------

def fixture_body(name: str) -> dict:
    return json.loads(load_woo_fixture(name)["body"])


def test_make_orders_is_deterministic_and_shaped_like_woocommerce():
    orders = make_orders(400, seed=11)
    assert orders == make_orders(400, seed=11)
    assert orders != make_orders(400, seed=12)
    fixture = fixture_body("04")
    for order in orders:
        assert set(order) == set(fixture)
        for line in order["line_items"]:
            assert set(line) == set(fixture["line_items"][0])
    assert set(make_customer(2)) == set(fixture_body("01"))
    assert [c["email"] for c in make_customers(3)] == [customer_email(n) for n in (2, 3, 4)]
    json.dumps(orders)  # plain JSON types only


def test_make_orders_mix():
    orders = make_orders(1000, seed=5)
    statuses = Counter(o["status"] for o in orders)
    assert 0.62 <= (statuses["processing"] + statuses["completed"]) / 1000 <= 0.78
    assert {"pending", "on-hold", "cancelled", "failed", "refunded"} <= set(statuses)
    partial = [o for o in orders if o["refunds"] and o["status"] != "refunded"]
    assert 0.06 <= len(partial) / 1000 <= 0.14
    assert 0.01 <= statuses["refunded"] / 1000 <= 0.06
    guests = [o for o in orders if o["customer_id"] == 0]
    assert 0.1 <= len(guests) / 1000 <= 0.2
    assert all("customer" not in o["_links"] for o in guests)
    assert all(o["billing"]["email"] == customer_email(o["customer_id"])
               for o in orders if o["customer_id"])
    assert len({o["customer_id"] for o in orders}) <= 41


def test_make_orders_money_and_dates_add_up():
    orders = make_orders(500, seed=2)
    assert [o["id"] for o in orders] == list(range(FIRST_ORDER_ID, FIRST_ORDER_ID + 500))
    created = [o["date_created_gmt"] for o in orders]
    assert created == sorted(created) and len(set(created)) == 500
    for order in orders:
        money = {k: Decimal(order[k]) for k in ("discount_total", "discount_tax", "shipping_total",
                                                  "shipping_tax", "cart_tax", "total",
                                                  "total_tax")}
        assert all(MONEY.match(order[k]) for k in money)
        lines = order["line_items"]
        line_totals = sum(Decimal(line["total"]) for line in lines)
        assert line_totals + money["shipping_total"] == money["total"] - money["total_tax"]
        assert money["total_tax"] == money["cart_tax"] + money["shipping_tax"]
        assert money["cart_tax"] == sum(Decimal(line["total_tax"]) for line in lines)
        assert money["discount_total"] == sum(Decimal(line["subtotal"]) - Decimal(line["total"])
                                              for line in lines)
        assert money["discount_total"] == sum(Decimal(c["discount"])
                                              for c in order["coupon_lines"])
        for line in lines:
            assert isinstance(line["price"], float)
            assert abs(Decimal(str(line["price"])) * line["quantity"]
                       - Decimal(line["total"])) < Decimal("0.01")
            assert all(MONEY.match(line[k]) for k in ("subtotal", "subtotal_tax", "total",
                                                      "total_tax"))
        for key in ("date_created", "date_modified", "date_paid", "date_completed"):
            assert order[key] == order[f"{key}_gmt"]
            assert order[key] is None or WC_DATE.match(order[key])
        assert order["date_modified_gmt"] >= order["date_created_gmt"]
        refunded = sum(-Decimal(r["total"]) for r in order["refunds"])
        assert all(r["total"].startswith("-") and MONEY.match(r["total"])
                   for r in order["refunds"])
        if order["status"] == "refunded":
            assert refunded == money["total"]
        elif order["refunds"]:
            assert order["status"] in ("processing", "completed")
            assert 0 < refunded < money["total"]
        assert order["needs_payment"] == (order["status"] in ("pending", "failed"))
        if order["status"] in ("pending", "failed", "on-hold", "cancelled"):
            assert order["date_paid"] is None and order["transaction_id"] == ""
        if order["status"] == "completed":
            assert order["date_completed"] and order["date_paid"]
