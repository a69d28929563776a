"""The fakes' `flaky` mode: seeded 500s, 429s, THROTTLED answers and timeouts after the write."""
from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import woocommerce

from tests.fakes.shopify import FakeShopify
from tests.fakes.woocommerce import FakeWooCommerce

CUSTOMER = "gid://shopify/Customer/123"
TAGS_ADD = """mutation($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }"""
CREATE_BASIC = """mutation($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id } userErrors { field message code } } }"""


@pytest.fixture
def woo():
    with FakeWooCommerce() as server:
        yield server


@pytest.fixture
def shopify():
    with FakeShopify() as server:
        yield server


def woo_client(fake: FakeWooCommerce, timeout: float = 5) -> woocommerce.API:
    return woocommerce.API(url=fake.url, consumer_key=fake.consumer_key,
                           consumer_secret=fake.consumer_secret, version="wc/v3",
                           timeout=timeout)


def gql(fake: FakeShopify, query: str, variables: dict, timeout: float = 5,
        token: str | None = None) -> requests.Response:
    return requests.post(fake.graphql_url(), json={"query": query, "variables": variables},
                         headers={"X-Shopify-Access-Token": token or fake.access_token},
                         timeout=timeout)


def discount(code: str) -> dict:
    return {"title": "Reward", "code": code, "startsAt": "2026-01-01T00:00:00Z",
            "context": {"customers": {"add": [CUSTOMER]}}, "usageLimit": 1,
            "customerGets": {"value": {"discountAmount": {"amount": "5.00"}},
                             "items": {"all": True}}}


# -- WooCommerce -----------------------------------------------------------------------------

def test_woo_500_and_429_change_nothing_and_429_says_when_to_retry(woo):
    api = woo_client(woo)
    woo.flaky(rate=1, kinds=("500",))
    failed = api.post("coupons", {"code": "a", "amount": "5"})
    woo.flaky(rate=1, kinds=("429",))
    limited = api.post("coupons", {"code": "a", "amount": "5"})
    assert (failed.status_code, failed.json()["code"]) == (500, "internal_server_error")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert woo.coupons == {}
    assert [c.fault for c in woo.calls] == ["500", "429"]
    assert woo.fault_counts() == Counter({"429": 1})  # counted since the last `flaky`


def test_woo_timeout_creates_the_coupon_then_answers_too_late(woo):
    woo.flaky(rate=1, kinds=("timeout",), timeout_seconds=2)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        woo_client(woo, timeout=0.5).post("coupons", {"code": "late", "amount": "5"})
    assert time.monotonic() - started < 1.5
    assert [c["code"] for c in woo.coupons.values()] == ["late"]
    assert woo.calls[0].status == 201 and woo.calls[0].fault == "timeout"
    woo.flaky(rate=0)
    retried = woo_client(woo).post("coupons", {"code": "late", "amount": "5"})
    assert retried.json()["code"] == "woocommerce_rest_coupon_code_already_exists"


def test_woo_same_seed_same_faults_about_rate_of_requests_every_kind(woo):
    def faults(seed: int) -> list[str | None]:
        woo.flaky(rate=0.3, seed=seed, timeout_seconds=0.01)
        api = woo_client(woo)
        for _ in range(150):
            api.get("coupons")
        found = [c.fault for c in woo.calls[-150:]]
        assert woo.fault_counts() == Counter(f for f in found if f)
        return found

    first, again, other = faults(7), faults(7), faults(8)
    assert first == again and first != other
    assert 25 <= sum(f is not None for f in first) <= 65
    assert set(first) == {None, "500", "429", "timeout"}


def test_woo_a_coupon_code_gets_its_faults_in_all_whatever_the_request(woo):
    woo.flaky(rate=1, kinds=("500",), max_faults_per_subject=2)
    api = woo_client(woo)
    statuses = [api.post("coupons", {"code": "Capped", "amount": "5"}).status_code,
                api.get("coupons", params={"code": "capped"}).status_code,
                api.post("coupons", {"code": "CAPPED", "amount": "5"}).status_code,
                api.get("coupons", params={"code": "capped"}).status_code,
                api.post("coupons", {"code": "other", "amount": "5"}).status_code,
                api.put("customers/5", {"first_name": "A"}).status_code]
    assert statuses == [500, 500, 201, 200, 500, 500]
    assert sorted(c["code"] for c in woo.coupons.values()) == ["capped"]
    assert woo.fault_counts() == Counter({"500": 4})


def test_woo_unauthenticated_and_failed_next_requests_draw_nothing(woo):
    woo.flaky(rate=1, kinds=("500",))
    woo.fail_next("GET", "coupons", 503)
    assert woo_client(woo).get("coupons").status_code == 503
    wrong = woocommerce.API(url=woo.url, consumer_key="ck_wrong", consumer_secret="cs_wrong",
                            version="wc/v3")
    assert wrong.get("coupons").status_code == 401
    assert woo.fault_counts() == Counter()


def test_woo_counts_stay_exact_under_concurrent_requests(woo):
    woo.flaky(rate=0.5, seed=3, timeout_seconds=0.01)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: woo_client(woo).get("coupons"), range(80)))
    assert sum(woo.fault_counts().values()) == sum(c.fault is not None for c in woo.calls)


@pytest.mark.parametrize("given", [{"rate": 1.5}, {"rate": 0.3, "kinds": ("throttled",)},
                                   {"rate": 0.3, "timeout_seconds": 0},
                                   {"rate": 0.3, "max_faults_per_subject": -1}])
def test_flaky_refuses_what_it_cannot_do(woo, given):
    with pytest.raises(ValueError, match="^flaky: expected kinds among 500, 429, timeout"):
        woo.flaky(**given)


# -- Shopify ---------------------------------------------------------------------------------

def test_shopify_500_is_html_429_is_json_and_neither_tags(shopify):
    shopify.flaky(rate=1, kinds=("500",))
    failed = gql(shopify, TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]})
    shopify.flaky(rate=1, kinds=("429",))
    limited = gql(shopify, TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]})
    assert failed.status_code == 500 and failed.headers["Content-Type"].startswith("text/html")
    assert limited.status_code == 429 and "errors" in limited.json()
    assert shopify.customer_tags == {}
    assert [c.fault for c in shopify.calls_to("tagsAdd")] == ["500", "429"]


def test_shopify_throttled_is_http_200_with_an_empty_bucket(shopify):
    shopify.flaky(rate=1, kinds=("throttled",))
    body = gql(shopify, TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]}).json()
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = body["extensions"]["cost"]
    assert cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["currentlyAvailable"] < cost["requestedQueryCost"]
    assert shopify.customer_tags == {}
    assert shopify.calls[-1].throttled and shopify.fault_counts() == Counter({"throttled": 1})


def test_shopify_timeout_creates_the_code_then_answers_too_late(shopify):
    shopify.flaky(rate=1, kinds=("timeout",), timeout_seconds=2)
    with pytest.raises(requests.Timeout):
        gql(shopify, CREATE_BASIC, {"input": discount("LATE-1")}, timeout=0.5)
    assert list(shopify.discounts) == ["LATE-1"]
    shopify.flaky(rate=0)
    again = gql(shopify, CREATE_BASIC, {"input": discount("LATE-1")}).json()
    assert again["data"]["discountCodeBasicCreate"]["userErrors"][0]["code"] == "TAKEN"


def test_shopify_a_code_or_customer_gets_its_faults_in_all_whatever_the_operation(shopify):
    shopify.flaky(rate=1, kinds=("500",), max_faults_per_subject=1)
    find = "query($code: String!) { codeDiscountNodeByCode(code: $code) { id } }"
    metafields = """mutation($metafields: [MetafieldsSetInput!]!) {
      metafieldsSet(metafields: $metafields) { metafields { key } userErrors { field message } } }"""
    points = {"ownerId": CUSTOMER, "namespace": "loyalty", "key": "points",
              "type": "number_integer", "value": "5"}
    statuses = [gql(shopify, CREATE_BASIC, {"input": discount("CAP-1")}).status_code,
                gql(shopify, find, {"code": "cap-1"}).status_code,
                gql(shopify, TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]}).status_code,
                gql(shopify, metafields, {"metafields": [points]}).status_code,
                gql(shopify, CREATE_BASIC, {"input": discount("CAP-2")}).status_code]
    assert statuses == [500, 200, 500, 200, 500]
    assert shopify.customer_tags == {} and list(shopify.discounts) == []
    assert shopify.fault_counts() == Counter({"500": 3})


def test_shopify_token_endpoint_and_bad_tokens_draw_nothing(shopify):
    shopify.flaky(rate=1, kinds=("500",))
    token = requests.post(f"{shopify.url}/admin/oauth/access_token", timeout=5, data={
        "client_id": shopify.client_id, "client_secret": shopify.client_secret,
        "code": shopify.issue_code()})
    assert token.status_code == 200
    assert gql(shopify, TAGS_ADD, {"id": CUSTOMER, "tags": ["a"]},
               token="shpat_wrong").status_code == 401
    assert shopify.fault_counts() == Counter()


def test_shopify_same_seed_same_faults_every_kind(shopify):
    def faults(seed: int) -> list[str | None]:
        shopify.flaky(rate=0.4, seed=seed, timeout_seconds=0.01)
        for n in range(100):
            gql(shopify, TAGS_ADD, {"id": CUSTOMER, "tags": [f"t{n}"]})
        return [c.fault for c in shopify.calls[-100:]]

    first = faults(11)
    assert first == faults(11)
    assert set(first) == {None, "500", "429", "throttled", "timeout"}
