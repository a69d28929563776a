"""The WooCommerce adapter over the captured deliveries in shared/fixtures/woocommerce."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import REGISTRY, BadPayload, BadSignature
from adapters.base import PlatformAdapter, header
from adapters.woocommerce import ADAPTER, signature
from rules.events import (
    CustomerChange,
    CustomerEvent,
    IgnoredDelivery,
    OrderDeleted,
    OrderEvent,
    OrderStatus,
)
from tests.support import WOO_SECRET, load_woo_fixture, woo_signature

SIGNED = ["01", "03", "04", "06", "07"]
SHOP = "http://127.0.0.1:8000/"


def delivery(name: str) -> tuple[dict[str, str], bytes]:
    fixture = load_woo_fixture(name)
    return dict(fixture["headers"]), fixture["body"].encode()


@functools.cache
def _body(name: str) -> str:
    return load_woo_fixture(name)["body"]


def body_json(name: str = "04") -> dict[str, Any]:
    """The decoded body of a fixture, a fresh copy each call so tests can edit it."""
    return json.loads(_body(name))


def parse_one(topic: str, payload: Any) -> Any:
    events = ADAPTER.parse(topic, payload, SHOP)
    assert len(events) == 1
    return events[0]


# --- registry and headers ---------------------------------------------------------------------


def test_registry_offers_the_woocommerce_adapter() -> None:
    assert REGISTRY["woocommerce"] is ADAPTER
    assert ADAPTER.name == "woocommerce"
    assert isinstance(ADAPTER, PlatformAdapter)


def test_header_lookup_ignores_case() -> None:
    headers = {"x-wc-webhook-topic": "order.created"}
    assert header(headers, "X-WC-Webhook-Topic") == "order.created"
    assert header(headers, "X-WC-Webhook-Signature") is None


# --- signature --------------------------------------------------------------------------------


def test_signature_matches_the_documented_check_vector() -> None:
    assert signature(b"secret", "") == "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs="
    headers = {"X-WC-Webhook-Signature": "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs="}
    ADAPTER.verify(headers, b"secret", "")


@pytest.mark.parametrize("name", SIGNED)
def test_every_captured_delivery_verifies_with_the_test_secret(name: str) -> None:
    headers, raw = delivery(name)
    ADAPTER.verify(headers, raw, WOO_SECRET)
    assert woo_signature(raw) == header(headers, "X-WC-Webhook-Signature")


def test_lower_case_header_names_still_verify() -> None:
    headers, raw = delivery("04")
    ADAPTER.verify({k.lower(): v for k, v in headers.items()}, raw, WOO_SECRET)


def test_one_changed_byte_is_a_bad_signature() -> None:
    headers, raw = delivery("04")
    tampered = raw.replace(b'"total":"61.25"', b'"total":"91.25"')
    assert tampered != raw
    with pytest.raises(BadSignature, match="does not match the body"):
        ADAPTER.verify(headers, tampered, WOO_SECRET)


def test_wrong_secret_is_a_bad_signature() -> None:
    headers, raw = delivery("04")
    with pytest.raises(BadSignature, match="does not match the body"):
        ADAPTER.verify(headers, raw, "another-secret")


def test_missing_signature_header_says_so() -> None:
    headers, raw = delivery("04")
    del headers["X-WC-Webhook-Signature"]
    with pytest.raises(BadSignature, match="missing X-WC-Webhook-Signature header"):
        ADAPTER.verify(headers, raw, WOO_SECRET)


def test_non_ascii_signature_header_is_a_bad_signature_not_a_crash() -> None:
    headers, raw = delivery("04")
    headers["X-WC-Webhook-Signature"] = "é" * 44
    with pytest.raises(BadSignature):
        ADAPTER.verify(headers, raw, WOO_SECRET)


def test_the_unsigned_ping_fails_verification() -> None:
    headers, raw = delivery("00")
    with pytest.raises(BadSignature, match="missing"):
        ADAPTER.verify(headers, raw, WOO_SECRET)


# --- delivery meta ----------------------------------------------------------------------------


def test_ping_is_recognised() -> None:
    meta = ADAPTER.delivery_meta(*delivery("00"))
    assert meta.is_ping
    assert meta.topic == "ping"
    (event,) = ADAPTER.parse(meta.topic, None, SHOP)
    assert isinstance(event, IgnoredDelivery)
    assert event.reason.startswith("ping:")


@pytest.mark.parametrize("name", SIGNED)
def test_real_deliveries_are_not_pings(name: str) -> None:
    meta = ADAPTER.delivery_meta(*delivery(name))
    assert not meta.is_ping
    assert meta.topic == load_woo_fixture(name)["path"].rsplit("/", 1)[-1]


def test_form_body_with_a_topic_header_is_not_a_ping() -> None:
    meta = ADAPTER.delivery_meta({"X-WC-Webhook-Topic": "order.created"}, b"webhook_id=1")
    assert not meta.is_ping
    assert meta.topic == "order.created"


def test_created_and_updated_twins_with_one_body_share_a_dedupe_key() -> None:
    headers, raw = delivery("04")
    twin = dict(
        headers, **{"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": "0" * 32}
    )
    assert (
        ADAPTER.delivery_meta(headers, raw).dedupe_key
        == ADAPTER.delivery_meta(twin, raw).dedupe_key
    )


def test_each_state_of_an_order_has_its_own_dedupe_key() -> None:
    keys = {ADAPTER.delivery_meta(*delivery(name)).dedupe_key for name in ("04", "06", "07")}
    assert len(keys) == 3
    assert all(key.startswith("sha256:") and len(key) == 7 + 64 for key in keys)


# --- orders -----------------------------------------------------------------------------------


def test_paid_order_with_coupon_and_referral() -> None:
    event = parse_one("order.created", body_json("04"))
    assert isinstance(event, OrderEvent)
    assert event.platform == "woocommerce"
    assert event.shop_ref == SHOP
    assert event.order_id == "13"
    assert event.status is OrderStatus.PAID
    assert event.merchandise == Decimal("56.25")
    assert event.shipping == Decimal("5.00")
    assert event.tax == Decimal("0.00")
    assert event.discounts == Decimal("6.25")
    assert event.refunded == 0
    assert event.customer_ref == "2"
    assert event.email == "alice@example.com"
    assert event.currency == "USD"
    assert event.referral_code == "REF-BOB-42"
    assert event.discount_codes == ("welcome10",)
    assert event.channel == "online"
    assert event.paid_at == datetime(2026, 11, 23, 3, 55, 8, tzinfo=UTC)
    assert event.created_at == event.updated_at == event.paid_at


def test_line_items_carry_totals_after_discount_not_the_float_price() -> None:
    event = parse_one("order.created", body_json("04"))
    beans, mug = event.line_items
    assert (beans.sku, beans.product_id, beans.quantity, beans.total, beans.name) == (
        "BEANS-1KG",
        "10",
        2,
        Decimal("45.00"),
        "Coffee Beans 1kg",
    )
    assert beans.unit_price == Decimal("22.50")
    assert (mug.sku, mug.product_id, mug.quantity, mug.total) == (
        "MUG-01",
        "11",
        1,
        Decimal("11.25"),
    )


def test_completed_order_is_fulfilled_with_the_same_merchandise() -> None:
    event = parse_one("order.updated", body_json("06"))
    assert event.status is OrderStatus.FULFILLED
    assert event.merchandise == Decimal("56.25")
    assert event.paid_at == datetime(2026, 11, 23, 3, 55, 8, tzinfo=UTC)
    assert event.updated_at == datetime(2026, 11, 23, 3, 56, 28, tzinfo=UTC)


def test_partial_refund_is_reported_cumulatively() -> None:
    event = parse_one("order.updated", body_json("07"))
    assert event.status is OrderStatus.FULFILLED
    assert event.refunded == Decimal("10.00")
    assert event.merchandise == Decimal("56.25")


def test_refunds_add_up() -> None:
    order = body_json("07")
    order["refunds"].insert(0, {"id": 15, "reason": "", "total": "-5"})
    assert parse_one("order.updated", order).refunded == Decimal("15.00")


def test_guest_order_has_no_customer_ref_but_keeps_the_email() -> None:
    order = body_json("04")
    order["customer_id"] = 0
    order["billing"]["email"] = "  Guest@Example.COM "
    event = parse_one("order.created", order)
    assert event.customer_ref is None
    assert event.email == "guest@example.com"


def test_cash_on_delivery_without_date_paid_counts_as_paid_at_creation() -> None:
    order = body_json("04")
    order.update(payment_method="cod", date_paid=None, date_paid_gmt=None)
    event = parse_one("order.created", order)
    assert event.status is OrderStatus.PAID
    assert event.paid_at == datetime(2026, 11, 23, 3, 55, 8, tzinfo=UTC)


def test_completed_cash_on_delivery_is_paid_at_completion() -> None:
    order = body_json("06")
    order.update(date_paid_gmt=None, date_completed_gmt="2026-11-24T10:00:00")
    assert parse_one("order.updated", order).paid_at == datetime(2026, 11, 24, 10, tzinfo=UTC)


def test_unpaid_order_has_no_paid_at() -> None:
    order = body_json("04")
    order.update(status="on-hold", date_paid_gmt=None)
    assert parse_one("order.created", order).paid_at is None


@pytest.mark.parametrize(
    ("woo_status", "status"),
    [
        ("processing", OrderStatus.PAID),
        ("completed", OrderStatus.FULFILLED),
        ("refunded", OrderStatus.REFUNDED),
        ("cancelled", OrderStatus.CANCELLED),
        ("failed", OrderStatus.CANCELLED),
        ("trash", OrderStatus.CANCELLED),
        ("pending", OrderStatus.PENDING),
        ("on-hold", OrderStatus.PENDING),
        ("checkout-draft", OrderStatus.PENDING),
        ("shipped", OrderStatus.PENDING),  # a plugin's status: unknown never earns
    ],
)
def test_woocommerce_statuses_map_to_common_statuses(woo_status: str, status: OrderStatus) -> None:
    order = body_json("04")
    order["status"] = woo_status
    assert parse_one("order.updated", order).status is status


def test_restored_order_is_parsed_like_an_update() -> None:
    assert parse_one("order.restored", body_json("06")).status is OrderStatus.FULFILLED


def test_point_of_sale_orders_are_marked() -> None:
    order = body_json("04")
    order["created_via"] = "woocommerce-pos"
    assert parse_one("order.created", order).channel == "pos"


@pytest.mark.parametrize("key", ["referral_code", "_referral_code", "loyalty_ref"])
def test_referral_code_is_read_from_any_known_meta_key(key: str) -> None:
    order = body_json("04")
    order["meta_data"] = [
        {"id": 1, "key": "other", "value": {"x": 1}},
        {"id": 2, "key": key, "value": "REF-X"},
    ]
    assert parse_one("order.created", order).referral_code == "REF-X"


def test_order_without_referral_meta_has_no_referral_code() -> None:
    order = body_json("04")
    order["meta_data"] = []
    assert parse_one("order.created", order).referral_code is None


def test_coupon_line_from_woocommerce_8_7_parses() -> None:
    order = body_json("04")
    order["coupon_lines"] = [
        {
            "id": 4,
            "code": "WELCOME10",
            "discount": "6.25",
            "discount_tax": "0",
            "discount_type": "percent",
            "nominal_amount": 10,
            "free_shipping": False,
            "meta_data": [
                {"id": 26, "key": "coupon_info", "value": '[12,"welcome10","percent",10]'}
            ],
        }
    ]
    order["some_future_key"] = {"anything": [1, 2]}
    event = parse_one("order.created", order)
    assert event.discount_codes == ("welcome10",)
    assert event.merchandise == Decimal("56.25")


def test_unpadded_php_decimals_are_accepted() -> None:
    order = body_json("04")
    order.update(discount_total="5", shipping_total="6.25")
    order["line_items"][0]["total"] = "45"
    event = parse_one("order.created", order)
    assert (event.discounts, event.shipping) == (Decimal(5), Decimal("6.25"))
    assert event.merchandise == Decimal("56.25")


def _without(key: str) -> Any:
    return lambda order: order.pop(key)


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def edit(order: dict[str, Any]) -> None:
        target: Any = order
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (_without("id"), "id"),
        (_without("status"), "status"),
        (_without("line_items"), "line_items"),
        (_without("date_modified_gmt"), "date_modified_gmt"),
        (_set(("line_items",), {"0": {}}), "line_items"),
        (_set(("line_items", 1), "mug"), "line_items[1]"),
        (_set(("line_items", 0, "total"), "abc"), "line_items[0].total"),
        (_set(("line_items", 0, "total"), "NaN"), "line_items[0].total"),
        (_set(("line_items", 0, "total"), "Infinity"), "line_items[0].total"),
        (_set(("line_items", 0, "total"), "sNaN"), "line_items[0].total"),
        (_set(("line_items", 0, "total"), "1e999999"), "line_items[0].total"),
        (_set(("line_items", 0, "total"), "1" * 40), "line_items[0].total"),
        (_set(("line_items", 0, "total"), 45.0), "line_items[0].total"),
        (_set(("line_items", 0, "quantity"), "x"), "line_items[0].quantity"),
        (_set(("line_items", 0, "quantity"), True), "line_items[0].quantity"),
        (_set(("shipping_total",), "5,00"), "shipping_total"),
        (_set(("refunds",), [{"id": 14, "total": None}]), "refunds[0].total"),
        (_set(("customer_id",), "two"), "customer_id"),
        (_set(("date_modified_gmt",), "yesterday"), "date_modified_gmt"),
        (_set(("coupon_lines", 0, "code"), 7), "coupon_lines[0].code"),
        (_set(("billing",), "alice@example.com"), "billing"),
    ],
)
def test_malformed_orders_are_bad_payloads_naming_the_field(edit: Any, field: str) -> None:
    order = body_json("04")
    edit(order)
    with pytest.raises(BadPayload) as caught:
        ADAPTER.parse("order.updated", order, SHOP)
    assert str(caught.value).startswith(field + ":")


@pytest.mark.parametrize("payload", [[body_json("04")], "13", None, 13])
def test_an_order_payload_that_is_not_an_object_is_a_bad_payload(payload: Any) -> None:
    with pytest.raises(BadPayload, match="payload: expected the order as a JSON object"):
        ADAPTER.parse("order.created", payload, SHOP)


# --- customers and ignored topics -------------------------------------------------------------


def test_customer_created_becomes_a_customer_event() -> None:
    event = parse_one("customer.created", body_json("01"))
    assert event == CustomerEvent(
        platform="woocommerce",
        shop_ref=SHOP,
        customer_ref="2",
        change=CustomerChange.CREATED,
        occurred_at=datetime(2026, 11, 23, 3, 55, 8, tzinfo=UTC),
        email="alice@example.com",
        first_name="Alice",
        last_name="Smith",
    )


def test_customer_updated_is_an_update() -> None:
    customer = body_json("01")
    customer["email"] = " Alice@Example.com"
    event = parse_one("customer.updated", customer)
    assert event.change is CustomerChange.UPDATED
    assert event.email == "alice@example.com"


def test_customer_without_any_date_is_a_bad_payload() -> None:
    customer = body_json("01")
    customer.update(date_modified_gmt=None, date_created_gmt=None)
    with pytest.raises(BadPayload, match="date_modified_gmt"):
        ADAPTER.parse("customer.updated", customer, SHOP)


def test_our_own_coupon_echo_is_ignored() -> None:
    event = parse_one("coupon.created", body_json("03"))
    assert event == IgnoredDelivery("coupon.created: our own reward code "
                                    "welcome10 echoed back")


def test_a_coupon_the_merchant_made_is_ignored_as_not_earning() -> None:
    coupon = body_json("03")
    coupon["meta_data"] = []
    assert parse_one("coupon.created", coupon) == IgnoredDelivery(
        "coupon.created: coupons do not earn")


def test_order_deleted_becomes_an_order_deleted_event() -> None:
    assert parse_one("order.deleted", {"id": 13}) == OrderDeleted("woocommerce", SHOP, "13")


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("customer.deleted", "customer.deleted: not handled yet"),
        ("coupon.deleted", "coupon.deleted: coupons do not earn"),
        ("action.woocommerce_add_to_cart", "action.woocommerce_add_to_cart: action hooks"),
        ("product.updated", "product.updated: topic not handled"),
        ("", "no X-WC-Webhook-Topic header"),
    ],
)
def test_other_topics_are_ignored_with_a_reason(topic: str, reason: str) -> None:
    event = parse_one(topic, {"id": 13})
    assert isinstance(event, IgnoredDelivery)
    assert event.reason.startswith(reason)


# --- robustness -------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
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


def _mutate(payload: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> None:
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    elif type(replacement) is not type(parent[path[-1]]):
        parent[path[-1]] = replacement


@pytest.mark.parametrize(
    ("name", "topic"),
    [("04", "order.created"), ("07", "order.updated"), ("01", "customer.updated")],
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_payloads_parse_or_raise_bad_payload(name: str, topic: str, data: Any) -> None:
    payload = body_json(name)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        paths = _paths(payload)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        _mutate(payload, path, data.draw(JSON_VALUES, label="value"), data.draw(st.booleans()))
    try:
        events = ADAPTER.parse(topic, payload, SHOP)
    except BadPayload:
        return
    assert len(events) == 1
    assert isinstance(events[0], OrderEvent | CustomerEvent)
