"""The fake Shopify shop, driven over HTTP with plain `requests` like the connector will."""
from __future__ import annotations

import time

import pytest
import requests

from tests.fakes.shopify import FakeShopify

CUSTOMER = "gid://shopify/Customer/123"
CREATE_BASIC = """
mutation CreateReward($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode {
      id codeDiscount { ... on DiscountCodeBasic { codes(first: 1) { nodes { code } } } }
    }
    userErrors { field message code }
  }
}"""
CREATE_FREE_SHIPPING = """
mutation($input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) {
    codeDiscountNode { id } userErrors { field message code }
  }
}"""
BY_CODE = "query($code: String!) { codeDiscountNodeByCode(code: $code) { id } }"
TAGS_ADD = """
mutation($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } }
}"""
TAGS_REMOVE = TAGS_ADD.replace("tagsAdd", "tagsRemove")
CUSTOMER_TAGS = "query($id: ID!) { customer(id: $id) { id tags } }"
METAFIELDS_SET = """
mutation SetBalance($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id key value } userErrors { field message code }
  }
}"""
WEBHOOK_CREATE = """
mutation($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri } userErrors { field message }
  }
}"""
WEBHOOKS = "query { webhookSubscriptions(first: 10) { edges { node { id topic uri } } } }"
ORDERS = """
query Orders($first: Int = 2, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query) {
    edges { cursor node { id updatedAt } } pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
def fake():
    with FakeShopify() as server:
        yield server


@pytest.fixture
def http():
    with requests.Session() as session:
        session.trust_env = False  # never through a proxy
        yield session


@pytest.fixture
def gql(fake, http):
    def post(query: str, variables: dict | None = None, *, token: str | None = None,
             timeout: float = 5) -> requests.Response:
        return http.post(fake.graphql_url(), json={"query": query, "variables": variables or {}},
                         headers={"X-Shopify-Access-Token": token or fake.access_token},
                         timeout=timeout)
    return post


def discount(code="GOLD-1", **changes) -> dict:
    return {"title": "Gold reward", "code": code, "startsAt": "2026-01-01T00:00:00Z",
            "context": {"customers": {"add": [CUSTOMER]}},
            "customerGets": {"value": {"discountAmount": {"amount": "10.00",
                                                          "appliesOnEachItem": False}},
                             "items": {"all": True}},
            "usageLimit": 1, **changes}


def result(response: requests.Response, field: str):
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"][field]


def metafield(key="balance", value="1250", owner=CUSTOMER) -> dict:
    return {"ownerId": owner, "namespace": "loyalty", "key": key, "type": "number_integer",
            "value": value}


# -- auth and transport ----------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"X-Shopify-Access-Token": "shpat_wrong"}])
def test_missing_or_wrong_token_gets_401(fake, http, headers):
    response = http.post(fake.graphql_url(), json={"query": BY_CODE,
                                                   "variables": {"code": "X"}}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"errors": "[API] Invalid API key or access token "
                                         "(unrecognized login or wrong password)"}
    assert fake.calls[-1].status == 401 and fake.calls[-1].cost is None


def test_any_version_is_answered_and_echoed(fake, http):
    response = http.post(fake.graphql_url("2025-01"), json={"query": BY_CODE,
                                                            "variables": {"code": "X"}},
                         headers={"X-Shopify-Access-Token": fake.access_token})
    assert response.json()["data"] == {"codeDiscountNodeByCode": None}
    assert response.headers["X-Shopify-API-Version"] == "2025-01"
    assert http.post(f"{fake.url}/admin/api/latest/graphql.json").status_code == 404


def test_variables_may_have_any_name_and_scalars_may_be_literals(gql):
    query = 'mutation($who: ID!) { tagsAdd(id: $who, tags: "vip, gold") { node { id } } }'
    assert result(gql(query, {"who": CUSTOMER}), "tagsAdd")["node"] == {"id": CUSTOMER}
    assert result(gql(CUSTOMER_TAGS, {"id": CUSTOMER}), "customer")["tags"] == ["gold", "vip"]


def test_argument_mistakes_are_top_level_errors(gql):
    missing = gql("mutation($id: ID!) { tagsAdd(id: $id) { node { id } } }", {"id": CUSTOMER})
    assert missing.json()["errors"][0]["extensions"]["code"] == "missingRequiredArguments"
    wrong = gql(METAFIELDS_SET, {"metafields": [metafield(value=1250)]}).json()
    assert "data" not in wrong
    assert wrong["errors"][0]["extensions"]["problems"] == [
        {"path": [0, "value"], "explanation": "Could not coerce value 1250 to String"}]
    unknown = gql("{ shop { name } }").json()
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"


# -- discounts -------------------------------------------------------------------------------

def test_discount_is_created_and_the_same_code_in_another_case_is_taken(fake, gql):
    created = result(gql(CREATE_BASIC, {"input": discount("GOLD-1")}), "discountCodeBasicCreate")
    node = created["codeDiscountNode"]
    assert created["userErrors"] == [] and node["id"] == "gid://shopify/DiscountCodeNode/1"
    assert node["codeDiscount"]["codes"]["nodes"] == [{"code": "GOLD-1"}]
    again = result(gql(CREATE_BASIC, {"input": discount("gold-1")}), "discountCodeBasicCreate")
    assert again == {"codeDiscountNode": None, "userErrors": [
        {"field": ["basicCodeDiscount", "code"],
         "message": "Code must be unique. Please try a different code.", "code": "TAKEN"}]}
    free_shipping = {k: v for k, v in discount("Gold-1").items() if k != "customerGets"}
    shipping = result(gql(CREATE_FREE_SHIPPING, {"input": free_shipping}),
                      "discountCodeFreeShippingCreate")
    assert shipping["userErrors"][0]["code"] == "TAKEN"
    found = result(gql(BY_CODE, {"code": "gold-1"}), "codeDiscountNodeByCode")
    assert found["id"] == node["id"] and found["codeDiscount"]["title"] == "Gold reward"
    with fake.lock:
        assert list(fake.discounts) == ["GOLD-1"]
        assert fake.discounts["GOLD-1"]["usageLimit"] == 1


def test_required_discount_fields_are_blank_user_errors(fake, gql):
    errors = result(gql(CREATE_BASIC, {"input": {"code": "X"}}),
                    "discountCodeBasicCreate")["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["basicCodeDiscount", name], "BLANK") for name in ("title", "context", "customerGets")]
    assert errors[0]["message"] == "Title can't be blank"
    older = discount("OLD-1", context=None, customerSelection={"all": True})
    assert result(gql(CREATE_BASIC, {"input": older}), "discountCodeBasicCreate")[
        "userErrors"] == []
    assert list(fake.discounts) == ["OLD-1"]


@pytest.mark.parametrize("percentage, ok", [(0.1, True), (1, True), (10, False), (0, False),
                                            (1.5, False), ("0.1", False)])
def test_percentage_must_be_a_fraction(gql, percentage, ok):
    gets = {"value": {"percentage": percentage}, "items": {"all": True}}
    errors = result(gql(CREATE_BASIC, {"input": discount(customerGets=gets)}),
                    "discountCodeBasicCreate")["userErrors"]
    expected = [] if ok else [(["basicCodeDiscount", "customerGets", "value", "percentage"],
                               "INVALID")]
    assert [(e["field"], e["code"]) for e in errors] == expected


@pytest.mark.parametrize("amount", [10, "10,00", "-5.00", "0"])
def test_amount_must_be_a_positive_decimal_string(gql, amount):
    gets = {"value": {"discountAmount": {"amount": amount}}, "items": {"all": True}}
    errors = result(gql(CREATE_BASIC, {"input": discount(customerGets=gets)}),
                    "discountCodeBasicCreate")["userErrors"]
    assert [e["code"] for e in errors] == ["INVALID"]


# -- tags and metafields ---------------------------------------------------------------------

def test_tags_add_and_remove_are_idempotent(fake, gql):
    for _ in range(2):
        added = result(gql(TAGS_ADD, {"id": CUSTOMER, "tags": ["loyalty-gold", "vip"]}),
                       "tagsAdd")
        assert added == {"node": {"id": CUSTOMER}, "userErrors": []}
    with fake.lock:
        assert fake.customer_tags == {CUSTOMER: {"loyalty-gold", "vip"}}
    for _ in range(2):
        removed = result(gql(TAGS_REMOVE, {"id": CUSTOMER, "tags": ["loyalty-gold"]}),
                         "tagsRemove")
        assert removed == {"node": {"id": CUSTOMER}, "userErrors": []}
    assert result(gql(CUSTOMER_TAGS, {"id": CUSTOMER}), "customer")["tags"] == ["vip"]
    assert len(fake.calls_to("tagsAdd")) == 2


def test_tags_on_a_bad_id_give_a_plain_user_error_without_code(fake, gql):
    answer = result(gql(TAGS_ADD, {"id": "gid://shopify/Order/1", "tags": ["x"]}), "tagsAdd")
    assert answer == {"node": None, "userErrors": [{"field": ["id"], "message": "Invalid id"}]}
    assert fake.customer_tags == {}


def test_metafields_set_upserts_by_owner_namespace_and_key(fake, gql):
    first = result(gql(METAFIELDS_SET, {"metafields": [metafield(value="1250")]}),
                   "metafieldsSet")
    second = result(gql(METAFIELDS_SET, {"metafields": [metafield(value="900"),
                                                        metafield(key="tier", value="7")]}),
                    "metafieldsSet")
    assert first["userErrors"] == second["userErrors"] == []
    assert second["metafields"][0]["id"] == first["metafields"][0]["id"]
    with fake.lock:
        assert {k: m["value"] for k, m in fake.metafields.items()} == {
            (CUSTOMER, "loyalty", "balance"): "900", (CUSTOMER, "loyalty", "tier"): "7"}


def test_metafields_set_takes_at_most_25_and_writes_nothing_beyond(fake, gql):
    entries = [metafield(key=f"k{i}") for i in range(26)]
    answer = result(gql(METAFIELDS_SET, {"metafields": entries}), "metafieldsSet")
    assert answer["metafields"] == []
    assert [(e["field"], e["code"]) for e in answer["userErrors"]] == [
        (["metafields"], "LESS_THAN_OR_EQUAL_TO")]
    assert fake.metafields == {}
    bad = result(gql(METAFIELDS_SET, {"metafields": [metafield(key="ok"),
                                                     metafield(value="12.5")]}), "metafieldsSet")
    assert [e["field"] for e in bad["userErrors"]] == [["metafields", "1", "value"]]
    assert fake.metafields == {}  # all or nothing
    assert result(gql(METAFIELDS_SET, {"metafields": entries[:25]}),
                  "metafieldsSet")["userErrors"] == []
    assert len(fake.metafields) == 25


# -- webhooks --------------------------------------------------------------------------------

def test_webhook_subscription_duplicate_is_a_user_error(fake, gql):
    sub = {"uri": "https://loyalty.example/webhooks/shopify", "format": "JSON"}
    created = result(gql(WEBHOOK_CREATE, {"topic": "ORDERS_PAID", "sub": sub}),
                     "webhookSubscriptionCreate")
    assert created["userErrors"] == []
    assert created["webhookSubscription"]["topic"] == "ORDERS_PAID"
    duplicate = result(gql(WEBHOOK_CREATE, {"topic": "ORDERS_PAID",
                                            "sub": {"callbackUrl": sub["uri"]}}),
                       "webhookSubscriptionCreate")
    assert duplicate == {"webhookSubscription": None, "userErrors": [
        {"field": ["webhookSubscription", "callbackUrl"],
         "message": "Address for this topic has already been taken"}]}
    other_topic = result(gql(WEBHOOK_CREATE, {"topic": "REFUNDS_CREATE", "sub": sub}),
                         "webhookSubscriptionCreate")
    assert other_topic["userErrors"] == []
    listed = result(gql(WEBHOOKS), "webhookSubscriptions")["edges"]
    assert [(e["node"]["topic"], e["node"]["uri"]) for e in listed] == [
        ("ORDERS_PAID", sub["uri"]), ("REFUNDS_CREATE", sub["uri"])]
    unknown = gql(WEBHOOK_CREATE, {"topic": "ORDERS_PAYED", "sub": sub}).json()
    assert "data" not in unknown
    problem = unknown["errors"][0]["extensions"]["problems"][0]["explanation"]
    assert problem.startswith('Expected "ORDERS_PAYED" to be one of: ORDERS_CREATE, ORDERS_PAID')
    assert len(fake.webhook_subscriptions) == 2


# -- orders ----------------------------------------------------------------------------------

def test_orders_page_forward_with_an_updated_at_filter(fake, gql):
    for day in range(1, 6):
        fake.add_order({"updatedAt": f"2026-11-{day:02d}T12:00:00Z", "name": f"#{1000 + day}"})
    query = "updated_at:>'2026-11-01T12:00:00Z'"
    seen, after = [], None
    while True:
        page = result(gql(ORDERS, {"query": query, "after": after}), "orders")
        seen += [edge["node"]["updatedAt"][:10] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]
    cost = gql(ORDERS, {"first": 50}).json()["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (7, 2)


# -- cost bucket -----------------------------------------------------------------------------

def test_bucket_throttles_the_sixth_mutation_then_refills(fake, gql):
    fake.set_bucket(50, 10)
    answers = [gql(TAGS_ADD, {"id": CUSTOMER, "tags": [f"t{i}"]}).json() for i in range(6)]
    assert all("errors" not in a for a in answers[:5])
    throttled = answers[5]
    assert "data" not in throttled
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = throttled["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 10 and cost["actualQueryCost"] is None
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 50 and status["restoreRate"] == 10
    assert status["currentlyAvailable"] < 10
    assert fake.customer_tags[CUSTOMER] == {f"t{i}" for i in range(5)}  # the sixth did nothing
    assert fake.calls[-1].throttled and fake.calls[-1].cost is None
    time.sleep((10 - status["currentlyAvailable"]) / status["restoreRate"])  # the documented wait
    assert "errors" not in gql(TAGS_ADD, {"id": CUSTOMER, "tags": ["t5"]}).json()


def test_throttle_status_is_consistent(fake, gql):
    fake.set_bucket(1000, 100)
    costs = [gql(BY_CODE, {"code": "X"}).json()["extensions"]["cost"],
             gql(TAGS_ADD, {"id": CUSTOMER, "tags": ["a"]}).json()["extensions"]["cost"]]
    assert [(c["requestedQueryCost"], c["actualQueryCost"]) for c in costs] == [(1, 1), (10, 10)]
    first, second = (c["throttleStatus"] for c in costs)
    assert first["maximumAvailable"] == 1000 and first["restoreRate"] == 100
    assert first["currentlyAvailable"] == 999
    assert 989 <= second["currentlyAvailable"] <= 999  # minus 10, plus at most a few ms of refill
    assert [c.cost for c in fake.calls] == [1, 10]


# -- faults ----------------------------------------------------------------------------------

def test_fail_next_answers_html_and_does_nothing(fake, gql):
    fake.fail_next(2, status=503)
    for _ in range(2):
        response = gql(TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]})
        assert response.status_code == 503
        assert response.headers["Content-Type"].startswith("text/html")
    assert fake.customer_tags == {}
    cost = gql(TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]}).json()["extensions"]["cost"]
    assert cost["throttleStatus"]["currentlyAvailable"] == 990  # failures cost nothing
    assert [c.status for c in fake.calls_to("tagsAdd")] == [503, 503, 200]


def test_delay_after_times_out_the_client_after_the_code_exists(fake, gql):
    fake.delay_after(2)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        gql(CREATE_BASIC, {"input": discount("SLOW-1")}, timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert "SLOW-1" in fake.discounts
    retried = result(gql(CREATE_BASIC, {"input": discount("SLOW-1")}), "discountCodeBasicCreate")
    assert retried["userErrors"][0]["code"] == "TAKEN"  # one delay only; the retry sees TAKEN
    assert fake.calls[0].status == 200 and fake.calls[0].cost == 10  # the slow call was paid


def test_throttle_next_answers_throttled_with_a_full_bucket(fake, gql):
    fake.throttle_next(1)
    body = gql(TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]}).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1000
    assert fake.customer_tags == {}
    assert "errors" not in gql(TAGS_ADD, {"id": CUSTOMER, "tags": ["gold"]}).json()


def test_revoke_token_gives_401_until_a_new_install(fake, gql, http):
    assert gql(BY_CODE, {"code": "X"}).status_code == 200
    fake.revoke_token()
    assert gql(BY_CODE, {"code": "X"}).status_code == 401
    token = http.post(f"{fake.url}/admin/oauth/access_token", data={
        "client_id": fake.client_id, "client_secret": fake.client_secret,
        "code": fake.issue_code()}).json()["access_token"]
    assert gql(BY_CODE, {"code": "X"}, token=token).status_code == 200


# -- OAuth -----------------------------------------------------------------------------------

def test_authorization_code_is_single_use_and_its_token_works(fake, gql, http):
    code = fake.issue_code()
    params = {"client_id": fake.client_id, "client_secret": fake.client_secret, "code": code}
    granted = http.post(f"{fake.url}/admin/oauth/access_token", json=params)
    assert granted.status_code == 200
    assert granted.json()["scope"] == "read_orders,read_customers,write_customers,write_discounts"
    assert granted.json()["access_token"].startswith("shpat_")
    again = http.post(f"{fake.url}/admin/oauth/access_token", data=params)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_request", "error_description":
                            "The authorization code was not found or was already used"}
    assert gql(BY_CODE, {"code": "X"}, token=granted.json()["access_token"]).status_code == 200
    assert "client_secret" not in fake.calls_to("oauth/access_token")[0].variables


def test_wrong_client_secret_keeps_the_code(fake, http):
    params = {"client_id": fake.client_id, "client_secret": "nope", "code": fake.issue_code()}
    url = f"{fake.url}/admin/oauth/access_token"
    assert http.post(url, data=params).json()["error"] == "invalid_client"
    assert http.post(url, data={**params, "client_secret": fake.client_secret}).status_code == 200
