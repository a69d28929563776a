"""The Shopify adapter over the generated deliveries in tests/fixtures/shopify."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import BadPayload, BadSignature, Credentials, TransportError
from adapters.base import PlatformAdapter
from adapters.shopify import ADAPTER, signature
from rules.events import (
    CustomerChange,
    CustomerEvent,
    IgnoredDelivery,
    OrderEvent,
    OrderRefunded,
    OrderStatus,
    PrivacyEvent,
    PrivacyRequest,
    ShopUninstalled,
)
from rules.redemption import CodeSpec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify"
SECRET = "shopify-test-secret"
SHOP = "loyalty-test.myshopify.com"
ALL = sorted(path.name[:2] for path in FIXTURES.glob("[0-9][0-9]-*.json"))


@functools.cache
def _fixture(name: str) -> dict[str, Any]:
    (path,) = FIXTURES.glob(f"{name}-*.json")
    fixture: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return fixture


def delivery(name: str) -> tuple[dict[str, str], bytes]:
    fixture = _fixture(name)
    return dict(fixture["headers"]), fixture["body"].encode("utf-8")


def body_json(name: str = "03") -> Any:
    """The decoded body of a fixture, a fresh copy each call so tests can edit it."""
    return json.loads(_fixture(name)["body"])


def topic_of(name: str) -> str:
    return ADAPTER.delivery_meta(*delivery(name)).topic


def parse_one(topic: str, payload: Any) -> Any:
    events = ADAPTER.parse(topic, payload, SHOP)
    assert len(events) == 1
    return events[0]


def order(name: str = "03", **changes: Any) -> OrderEvent:
    body = body_json(name)
    body.update(changes)
    event = parse_one("orders/updated", body)
    assert isinstance(event, OrderEvent)
    return event


def test_adapter_offers_the_platform_interface() -> None:
    assert ADAPTER.name == "shopify"
    assert isinstance(ADAPTER, PlatformAdapter)


# --- signature --------------------------------------------------------------------------------


def test_signature_matches_the_documented_check_vector() -> None:
    vector = "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY="
    assert signature(b'{"id":1}', "hush") == vector
    ADAPTER.verify({"X-Shopify-Hmac-Sha256": vector}, b'{"id":1}', "hush")


@pytest.mark.parametrize("name", ALL)
def test_every_fixture_verifies_with_the_client_secret(name: str) -> None:
    ADAPTER.verify(*delivery(name), SECRET)


@pytest.mark.parametrize("name", ALL)
def test_one_changed_byte_is_a_bad_signature(name: str) -> None:
    headers, raw = delivery(name)
    tampered = raw[:-2] + bytes([raw[-2] ^ 1]) + raw[-1:]
    with pytest.raises(BadSignature, match="does not match the body"):
        ADAPTER.verify(headers, tampered, SECRET)


def test_wrong_secret_is_a_bad_signature() -> None:
    with pytest.raises(BadSignature, match="does not match the body"):
        ADAPTER.verify(*delivery("03"), "another-secret")


def test_missing_signature_header_says_so() -> None:
    headers, raw = delivery("03")
    del headers["X-Shopify-Hmac-Sha256"]
    with pytest.raises(BadSignature, match="missing X-Shopify-Hmac-Sha256 header"):
        ADAPTER.verify(headers, raw, SECRET)


def test_lower_case_header_names_still_verify() -> None:
    headers, raw = delivery("03")
    ADAPTER.verify({k.lower(): v for k, v in headers.items()}, raw, SECRET)


def test_non_ascii_signature_header_is_a_bad_signature_not_a_crash() -> None:
    headers, raw = delivery("03")
    headers["X-Shopify-Hmac-Sha256"] = "é" * 44
    with pytest.raises(BadSignature):
        ADAPTER.verify(headers, raw, SECRET)


def test_a_re_serialised_body_no_longer_verifies() -> None:
    headers, raw = delivery("03")
    assert b"\\/" in raw  # Shopify escapes slashes; json.dumps does not
    with pytest.raises(BadSignature):
        ADAPTER.verify(headers, json.dumps(json.loads(raw)).encode(), SECRET)


# --- delivery meta and shop -------------------------------------------------------------------


def test_topic_comes_from_the_header_in_lower_case() -> None:
    headers, raw = delivery("03")
    headers["X-Shopify-Topic"] = " Orders/Paid "
    meta = ADAPTER.delivery_meta(headers, raw)
    assert meta.topic == "orders/paid"
    assert not meta.is_ping


def test_a_second_subscriptions_copy_shares_the_dedupe_key() -> None:
    first, second = ADAPTER.delivery_meta(*delivery("03")), ADAPTER.delivery_meta(*delivery("04"))
    assert delivery("03")[0]["X-Shopify-Webhook-Id"] != delivery("04")[0]["X-Shopify-Webhook-Id"]
    assert first.dedupe_key == second.dedupe_key
    assert first.dedupe_key.startswith("event:orders/paid:")


def test_distinct_events_have_distinct_dedupe_keys() -> None:
    keys = {ADAPTER.delivery_meta(*delivery(name)).dedupe_key for name in ALL if name != "04"}
    assert len(keys) == len(ALL) - 1


def test_dedupe_key_falls_back_to_the_webhook_id() -> None:
    headers, raw = delivery("03")
    del headers["X-Shopify-Event-Id"]
    key = ADAPTER.delivery_meta(headers, raw).dedupe_key
    assert key == "webhook:" + headers["X-Shopify-Webhook-Id"]


def test_dedupe_key_falls_back_to_the_body_hash() -> None:
    headers, raw = delivery("03")
    del headers["X-Shopify-Event-Id"], headers["X-Shopify-Webhook-Id"]
    key = ADAPTER.delivery_meta(headers, raw).dedupe_key
    assert key.startswith("sha256:") and len(key) == 7 + 64
    assert ADAPTER.delivery_meta(headers, raw + b" ").dedupe_key != key


def test_oversized_headers_cannot_overflow_the_inbox_columns() -> None:
    headers, raw = delivery("03")
    headers.update({"X-Shopify-Topic": "t" * 500, "X-Shopify-Event-Id": "e" * 500})
    meta = ADAPTER.delivery_meta(headers, raw)
    assert len(meta.topic) <= 100 and len(meta.dedupe_key) <= 200


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("loyalty-test.myshopify.com", "loyalty-test.myshopify.com"),
        (" Loyalty-Test.MyShopify.com ", "loyalty-test.myshopify.com"),
        ("7shop.myshopify.com", "7shop.myshopify.com"),
        ("loyalty-test.myshopify.com.evil.example", None),
        ("evil.example", None),
        ("-shop.myshopify.com", None),
        ("shop_1.myshopify.com", None),
        ("a.b.myshopify.com", None),
        ("shop.myshopify.com/admin", None),
        ("", None),
    ],
)
def test_shop_domain_accepts_only_a_myshopify_domain(value: str, domain: str | None) -> None:
    assert ADAPTER.shop_domain({"x-shopify-shop-domain": value}) == domain


def test_shop_domain_is_none_without_the_header() -> None:
    assert ADAPTER.shop_domain({}) is None


# --- orders -----------------------------------------------------------------------------------


def test_paid_order_earns_on_shop_money_after_discounts() -> None:
    event = parse_one(topic_of("03"), body_json("03"))
    assert isinstance(event, OrderEvent)
    assert (event.platform, event.shop_ref, event.order_id) == ("shopify", SHOP, "5001")
    assert event.currency == "EUR"
    assert event.merchandise == Decimal("56.25")
    beans, mug = event.line_items
    assert (beans.sku, beans.product_id, beans.quantity, beans.total, beans.name) == (
        "BEANS-1KG", "8001", 2, Decimal("45.00"), "Coffee Beans – Ethiopia 1kg")
    assert (mug.sku, mug.quantity, mug.total) == ("MUG-01", 1, Decimal("11.25"))
    assert (event.shipping, event.tax, event.discounts) == (
        Decimal("5.00"), Decimal("0.00"), Decimal("6.25"))
    assert event.discount_codes == ("welcome10",)
    assert (event.customer_ref, event.email) == ("7001", "alice@example.com")
    assert (event.status, event.refunded, event.test, event.channel) == (
        OrderStatus.PAID, 0, False, "online")


def test_times_with_offsets_become_utc() -> None:
    event = order("03")
    assert event.created_at == datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC)
    assert event.updated_at == datetime(2026, 11, 24, 8, 2, 11, tzinfo=UTC)
    assert event.paid_at == datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC)  # processed_at


def test_presentment_money_never_reaches_the_ledger() -> None:
    body = body_json("03")
    for line in body["line_items"]:
        line["price_set"]["presentment_money"]["amount"] = "999.99"
    assert parse_one("orders/paid", body).merchandise == Decimal("56.25")


def test_money_bag_wins_over_the_plain_amount() -> None:
    body = body_json("03")
    body["line_items"][0]["price"] = "1.00"
    assert parse_one("orders/paid", body).merchandise == Decimal("56.25")


def test_plain_amounts_are_read_when_there_is_no_money_bag() -> None:
    def strip_bags(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip_bags(v) for k, v in value.items() if not k.endswith("_set")}
        if isinstance(value, list):
            return [strip_bags(v) for v in value]
        return value

    event = parse_one("orders/paid", strip_bags(body_json("03")))
    assert (event.merchandise, event.shipping) == (Decimal("56.25"), Decimal("5.00"))


def test_pending_order_is_not_paid() -> None:
    event = order("02")
    assert event.status is OrderStatus.PENDING
    assert event.paid_at is None
    assert event.merchandise == Decimal("56.25")


@pytest.mark.parametrize(
    ("financial", "fulfillment", "status"),
    [
        ("paid", None, OrderStatus.PAID),
        ("paid", "partial", OrderStatus.PAID),
        ("paid", "fulfilled", OrderStatus.FULFILLED),
        ("partially_refunded", None, OrderStatus.PAID),
        ("partially_refunded", "fulfilled", OrderStatus.FULFILLED),
        ("refunded", "fulfilled", OrderStatus.REFUNDED),
        ("voided", None, OrderStatus.CANCELLED),
        ("pending", None, OrderStatus.PENDING),
        ("authorized", "fulfilled", OrderStatus.PENDING),
        ("partially_paid", None, OrderStatus.PENDING),
        ("expired", None, OrderStatus.PENDING),
        ("something_new", None, OrderStatus.PENDING),
        (None, None, OrderStatus.PENDING),
    ],
)
def test_financial_status_maps_to_common_statuses(financial: str | None, fulfillment: str | None,
                                                  status: OrderStatus) -> None:
    event = order("03", financial_status=financial, fulfillment_status=fulfillment)
    assert event.status is status
    assert (event.paid_at is not None) == (financial in ("paid", "partially_refunded",
                                                         "refunded"))


def test_refund_in_the_order_body_is_reported_cumulatively() -> None:
    event = order("06")
    assert event.status is OrderStatus.PAID
    assert event.refunded == Decimal("11.25")
    assert event.merchandise == Decimal("56.25")


def test_cancelled_order_is_cancelled_and_was_paid() -> None:
    event = parse_one(topic_of("07"), body_json("07"))
    assert event.status is OrderStatus.CANCELLED
    assert event.refunded == Decimal("56.25")
    assert event.paid_at == datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC)
    assert event.was_paid


def test_cancelled_before_payment_was_never_paid() -> None:
    event = order("02", cancelled_at="2026-11-23T11:00:00+01:00", financial_status="voided")
    assert event.status is OrderStatus.CANCELLED
    assert event.paid_at is None
    assert not event.was_paid


def test_refunded_never_exceeds_merchandise() -> None:
    body = body_json("07")
    body["refunds"].append(body["refunds"][1])  # a straggler copy of the same refund
    assert parse_one("orders/updated", body).refunded == Decimal("56.25")


def test_refund_create_reports_line_merchandise_without_shipping() -> None:
    event = parse_one(topic_of("05"), body_json("05"))
    assert event == OrderRefunded(platform="shopify", shop_ref=SHOP, order_id="5001",
                                  refund_id="8801", merchandise=Decimal("11.25"),
                                  occurred_at=datetime(2026, 11, 26, 13, 30, tzinfo=UTC))


def test_shipping_refunded_through_refund_shipping_lines_is_not_merchandise() -> None:
    refund = body_json("05")
    refund["order_adjustments"] = []
    refund["refund_shipping_lines"] = [{"id": 1, "subtotal_amount_set": {
        "shop_money": {"amount": "5.00", "currency_code": "EUR"}}}]
    assert parse_one("refunds/create", refund).merchandise == Decimal("11.25")


def test_restock_only_refund_has_no_merchandise_when_nothing_is_refunded() -> None:
    refund = body_json("05")
    refund.update(refund_line_items=[], transactions=[])
    assert parse_one("refunds/create", refund).merchandise == 0


def test_guest_order_has_no_customer_ref_and_a_normalised_email() -> None:
    event = parse_one(topic_of("08"), body_json("08"))
    assert event.customer_ref is None
    assert event.email == "guest@example.com"
    assert event.referral_code == "REF-ALICE-1"
    assert event.merchandise == Decimal("30.00")


def test_customer_without_an_id_is_treated_as_a_guest() -> None:
    # An app without protected customer data access gets the object with its fields null.
    body = body_json("03")
    body["customer"] = {key: None for key in body["customer"]}
    body.update(email=None, contact_email=None)
    event = parse_one("orders/paid", body)
    assert (event.customer_ref, event.email) == (None, None)


def test_email_falls_back_to_contact_email_then_the_customer() -> None:
    assert order("03", email="", contact_email=" Bob@Example.com").email == "bob@example.com"
    assert order("03", email=None, contact_email=None).email == "alice@example.com"


def test_referral_code_comes_from_landing_site_without_note_attributes() -> None:
    body = body_json("08")
    body["note_attributes"] = []
    assert parse_one("orders/paid", body).referral_code == "REF-ALICE-1"


@pytest.mark.parametrize("name", ["ref", "referral_code", "loyalty_ref"])
def test_referral_code_is_read_from_any_known_note_attribute(name: str) -> None:
    event = order("03", note_attributes=[{"name": "gift_note", "value": "hi"}, "junk",
                                         {"name": name, "value": " REF-X "}])
    assert event.referral_code == "REF-X"


def test_order_without_referral_has_no_referral_code() -> None:
    assert order("03").referral_code is None
    assert order("03", landing_site="/products/beans?ref=&utm=x#top").referral_code is None


def test_test_order_is_marked() -> None:
    assert order("09").test is True


def test_point_of_sale_order_is_marked() -> None:
    assert order("03", source_name="pos").channel == "pos"


def test_gift_card_line_is_left_out_and_included_tax_taken_out() -> None:
    event = parse_one(topic_of("10"), body_json("10"))
    (beans,) = event.line_items
    assert (beans.sku, beans.total) == ("BEANS-1KG", Decimal("20.00"))
    assert event.merchandise == Decimal("20.00")
    assert (event.tax, event.shipping) == (Decimal("4.58"), Decimal("4.90"))


def test_refunding_a_gift_card_claws_nothing_back() -> None:
    body = body_json("10")
    gift_card = body["line_items"][0]
    body["refunds"] = [{"id": 8803, "refund_line_items": [{
        "line_item_id": gift_card["id"], "quantity": 1, "subtotal": 25.0,
        "subtotal_set": {"shop_money": {"amount": "25.00", "currency_code": "EUR"}}}]}]
    assert parse_one("orders/updated", body).refunded == 0


# --- customers, uninstall, privacy ------------------------------------------------------------


def test_customer_created_becomes_a_customer_event() -> None:
    assert parse_one(topic_of("01"), body_json("01")) == CustomerEvent(
        platform="shopify",
        shop_ref=SHOP,
        customer_ref="7001",
        change=CustomerChange.CREATED,
        occurred_at=datetime(2026, 11, 20, 17, 42, 11, tzinfo=UTC),
        email="alice@example.com",
        first_name="Alice",
        last_name="Martin",
        accepts_marketing=True,
        tags=("newsletter", "coffee"),
    )


def test_customer_update_without_consent_or_tags_leaves_them_unknown() -> None:
    customer = body_json("01")
    customer.update(email=" Alice@Example.com", email_marketing_consent=None, tags=None)
    event = parse_one("customers/update", customer)
    assert event.change is CustomerChange.UPDATED
    assert (event.email, event.accepts_marketing, event.tags) == ("alice@example.com", None, ())


def test_unsubscribed_customer_does_not_accept_marketing() -> None:
    customer = body_json("01")
    customer["email_marketing_consent"]["state"] = "unsubscribed"
    assert parse_one("customers/update", customer).accepts_marketing is False


def test_customer_without_any_date_is_a_bad_payload() -> None:
    customer = body_json("01")
    customer.update(updated_at=None, created_at=None)
    with pytest.raises(BadPayload, match="^updated_at: missing"):
        ADAPTER.parse("customers/update", customer, SHOP)


def test_uninstall_becomes_shop_uninstalled() -> None:
    assert parse_one(topic_of("11"), body_json("11")) == ShopUninstalled("shopify", SHOP)


def test_data_request_names_the_customer_orders_and_request() -> None:
    assert parse_one(topic_of("12"), body_json("12")) == PrivacyEvent(
        platform="shopify", shop_ref=SHOP, request=PrivacyRequest.DATA_REQUEST,
        customer_ref="7001", email="alice@example.com", order_ids=("5001", "5003"),
        request_id="9999")


def test_customer_redact_names_the_customer_and_orders() -> None:
    assert parse_one(topic_of("13"), body_json("13")) == PrivacyEvent(
        platform="shopify", shop_ref=SHOP, request=PrivacyRequest.CUSTOMER_REDACT,
        customer_ref="7001", email="alice@example.com", order_ids=("5001", "5003"))


def test_shop_redact_carries_only_the_shop() -> None:
    assert parse_one(topic_of("14"), body_json("14")) == PrivacyEvent(
        platform="shopify", shop_ref=SHOP, request=PrivacyRequest.SHOP_REDACT)


@pytest.mark.parametrize(
    ("name", "edit", "field"),
    [
        ("12", {"orders_requested": [5001, "five"]}, "orders_requested[1]"),
        ("12", {"orders_requested": "5001"}, "orders_requested"),
        ("13", {"customer": None}, "customer"),
        ("13", {"customer": {"id": -1}}, "customer.id"),
    ],
)
def test_malformed_privacy_requests_are_bad_payloads_naming_the_field(
        name: str, edit: dict[str, Any], field: str) -> None:
    body = body_json(name)
    body.update(edit)
    with pytest.raises(BadPayload) as caught:
        ADAPTER.parse(topic_of(name), body, SHOP)
    assert str(caught.value).startswith(field + ":")


# --- bad shapes and other topics --------------------------------------------------------------


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def edit(body: Any) -> None:
        for step in path[:-1]:
            body = body[step]
        body[path[-1]] = value

    return edit


def _drop(*path: Any) -> Any:
    def edit(body: Any) -> None:
        for step in path[:-1]:
            body = body[step]
        del body[path[-1]]

    return edit


@pytest.mark.parametrize(
    ("name", "edit", "field"),
    [
        ("03", _set(("line_items", 0, "price_set", "shop_money", "amount"), 12.5),
         "line_items[0].price_set.shop_money.amount"),
        ("03", lambda body: [_drop("line_items", 0, "price_set")(body),
                             _set(("line_items", 0, "price"), 12.5)(body)], "line_items[0].price"),
        ("03", _drop("line_items", 0, "price_set", "shop_money"),
         "line_items[0].price_set.shop_money"),
        ("03", _set(("line_items", 1, "discount_allocations", 0, "amount_set"), "1.25"),
         "line_items[1].discount_allocations[0].amount_set"),
        ("03", _drop("updated_at"), "updated_at"),
        ("03", _set(("updated_at",), "yesterday"), "updated_at"),
        ("03", _set(("line_items",), {"0": {}}), "line_items"),
        ("03", _drop("line_items"), "line_items"),
        ("03", _set(("line_items", 1), "mug"), "line_items[1]"),
        ("03", _set(("line_items", 0, "quantity"), "2"), "line_items[0].quantity"),
        ("03", _set(("line_items", 0, "gift_card"), "false"), "line_items[0].gift_card"),
        ("03", _set(("id",), 2**63), "id"),
        ("03", _set(("id",), 5001.0), "id"),
        ("03", _drop("currency"), "currency"),
        ("03", _set(("customer",), "alice"), "customer"),
        ("03", _set(("test",), "yes"), "test"),
        ("03", _set(("cancelled_at",), 17), "cancelled_at"),
        ("03", _set(("total_tax_set", "shop_money", "amount"), "1e3"),
         "total_tax_set.shop_money.amount"),
        ("03", _set(("discount_codes", 0, "code"), None), "discount_codes[0].code"),
        ("03", _set(("note_attributes",), {"ref": "x"}), "note_attributes"),
        ("06", _drop("refunds", 0, "refund_line_items", 0, "subtotal_set"),
         "refunds[0].refund_line_items[0].subtotal"),
        ("05", _set(("refund_line_items", 0, "subtotal_set", "shop_money", "amount"), 11.25),
         "refund_line_items[0].subtotal_set.shop_money.amount"),
        ("05", _drop("order_id"), "order_id"),
        ("05", _drop("created_at"), "created_at"),
    ],
)
def test_malformed_bodies_are_bad_payloads_naming_the_field(name: str, edit: Any,
                                                            field: str) -> None:
    body = body_json(name)
    edit(body)
    with pytest.raises(BadPayload) as caught:
        ADAPTER.parse(topic_of(name), body, SHOP)
    assert str(caught.value).startswith(field + ":")


@pytest.mark.parametrize("payload", [["an order"], "5001", None, 5001])
def test_an_order_payload_that_is_not_an_object_is_a_bad_payload(payload: Any) -> None:
    with pytest.raises(BadPayload, match="^payload: expected the order as a JSON object"):
        ADAPTER.parse("orders/paid", payload, SHOP)


@pytest.mark.parametrize(
    "topic", ["orders/delete", "orders/edited", "products/update", "carts/update", "bulk/x"])
def test_other_topics_are_ignored_with_a_reason(topic: str) -> None:
    assert parse_one(topic, {"id": 5001}) == IgnoredDelivery(f"{topic}: topic not handled")


def test_a_delivery_without_a_topic_is_ignored() -> None:
    (event,) = ADAPTER.parse("", {}, SHOP)
    assert isinstance(event, IgnoredDelivery)
    assert event.reason.startswith("no X-Shopify-Topic header")


def test_push_back_is_not_available_yet_and_retrying_cannot_help() -> None:
    credentials = Credentials(shop_ref=SHOP, api_base=None, key=None, secret="token")
    with pytest.raises(TransportError) as caught:
        ADAPTER.push_tier(credentials, "7001", "loyalty-gold", ())
    assert caught.value.permanent
    with pytest.raises(TransportError) as caught:
        ADAPTER.push_code(credentials, CODE, "7001")
    assert caught.value.permanent


CODE = CodeSpec(code="LOYAL-X", reward_id="5-off", type="fixed_amount", value=Decimal(5),
                min_order=None, expires_at=None, sku=None, email="alice@example.com")


# --- robustness -------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63, max_value=2**70)
    | st.floats() | st.text(max_size=12)
    | st.sampled_from(["12.50", "2026-11-23T04:55:08-05:00", "1e999999", "NaN", "٣", "\u0000"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, prefix + (index,))
    return found


@pytest.mark.parametrize("name", ["03", "07", "08", "10", "05", "01", "12"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_bodies_parse_or_raise_bad_payload(name: str, data: Any) -> None:
    body = body_json(name)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        paths = _paths(body)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans(), label="delete"):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON_VALUES, label="value")
    try:
        events = ADAPTER.parse(topic_of(name), body, SHOP)
    except BadPayload:
        return
    assert len(events) == 1
    assert not isinstance(events[0], IgnoredDelivery)
