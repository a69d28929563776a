"""A WooCommerce order body (order.created, order.updated, order.restored) as one OrderEvent.

The body is built at send time and deliveries coalesce, so it is read as what the order looks like
now: status, line totals after discounts, and every refund so far.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.base import BadPayload
from adapters.woocommerce.payload import Payload, in_range
from rules.events import LineItem, OrderEvent, OrderStatus, normalise_email
from rules.identity import BuyerDigests, address_text, digest

PLATFORM = "woocommerce"

# Anything else (pending, on-hold, checkout-draft, plugin statuses like "shipped") is PENDING:
# unknown never earns.
STATUSES = {
    "processing": OrderStatus.PAID,
    "completed": OrderStatus.FULFILLED,
    "refunded": OrderStatus.REFUNDED,
    "cancelled": OrderStatus.CANCELLED,
    "failed": OrderStatus.CANCELLED,
    "trash": OrderStatus.CANCELLED,
}

# Order meta keys where storefront snippets and referral plugins leave the referrer's code.
REFERRAL_META_KEYS = ("referral_code", "_referral_code", "loyalty_ref")
# Order meta keys where payment plugins leave a card fingerprint (none does by default).
PAYMENT_FINGERPRINT_META_KEYS = ("_loyalty_payment_fingerprint", "_stripe_card_fingerprint")


def order_event(payload: Any, shop_ref: str) -> OrderEvent:
    order = Payload.root(payload, "order")
    status = STATUSES.get(order.text("status"), OrderStatus.PENDING)
    updated_at = order.moment("date_modified_gmt")
    created_at = order.moment_or_none("date_created_gmt") or updated_at
    customer_id = order.whole_or_none("customer_id")
    billing = order.record_or_none("billing")
    lines = tuple(_line_item(line) for line in order.records("line_items", required=True))
    in_range("line_items (sum of totals)", sum((line.total for line in lines), Decimal(0)))
    refunded = sum((-refund.money("total") for refund in order.records("refunds")), Decimal(0))
    return OrderEvent(
        platform=PLATFORM,
        shop_ref=shop_ref,
        order_id=order.ident("id"),
        customer_ref=str(customer_id) if customer_id else None,  # 0 is a guest
        email=normalise_email(billing.text_or_none("email") if billing else None),
        currency=order.text("currency"),
        status=status,
        created_at=created_at,
        updated_at=updated_at,
        paid_at=_paid_at(order, status, created_at),
        line_items=lines,
        shipping=order.money_or_zero("shipping_total"),
        tax=order.money_or_zero("total_tax"),
        discounts=order.money_or_zero("discount_total"),
        discount_codes=_discount_codes(order),
        referral_code=_referral_code(order),
        refunded=in_range("refunds (sum of totals)", refunded),
        channel="pos" if "pos" in (order.text_or_none("created_via") or "").lower() else "online",
        **_identities(order, billing),
    )


def _identities(order: Payload, billing: Payload | None) -> BuyerDigests:
    """The buyer's IP, address and payment fingerprint, hashed, for the referral fraud rules.
    WooCommerce keeps no card fingerprint; a payment plugin may leave one in order meta."""
    place = order.record_or_none("shipping")
    if place is None or not place.text_or_none("address_1"):
        place = billing
    address = address_text(*(place.text_or_none(key) for key in
                             ("address_1", "address_2", "postcode", "country"))) if place else None
    return {"ip_digest": digest("ip", order.text_or_none("customer_ip_address")),
            "address_digest": digest("address", address),
            "payment_digest": digest("payment_fingerprint",
                                     _meta_text(order, PAYMENT_FINGERPRINT_META_KEYS))}


def _paid_at(order: Payload, status: OrderStatus, created_at: datetime) -> datetime | None:
    paid_at = order.moment_or_none("date_paid_gmt")
    if paid_at is None and status.is_paid:
        # Cash on delivery (and REST orders created straight in `processing`) leave date_paid
        # null although WooCommerce counts the order as paid.
        paid_at = order.moment_or_none("date_completed_gmt") or created_at
    return paid_at


def _line_item(line: Payload) -> LineItem:
    # `total` is after coupons and excludes tax whatever prices_include_tax says; `price` is a
    # JSON float and is never read.
    product_id = line.whole_or_none("product_id")
    return LineItem(
        sku=line.text_or_none("sku") or None,
        product_id=str(product_id) if product_id else None,  # 0 once the product is deleted
        quantity=line.whole("quantity"),
        total=line.money("total"),
        name=line.text_or_none("name") or "",
    )


def _discount_codes(order: Payload) -> tuple[str, ...]:
    # Read only `code`: 8.7+ adds discount_type, nominal_amount, free_shipping and coupon_info.
    codes = (coupon.text("code").strip().lower() for coupon in order.records("coupon_lines"))
    return tuple(code for code in codes if code)


def _referral_code(order: Payload) -> str | None:
    return _meta_text(order, REFERRAL_META_KEYS)


def _meta_text(order: Payload, keys: tuple[str, ...]) -> str | None:
    """The first non-empty text (or number) under one of `keys` in the order's meta_data."""
    meta = order.get("meta_data")
    if meta is None:
        return None
    if not isinstance(meta, list):
        raise BadPayload(f"meta_data: expected a list, got {type(meta).__name__}")
    values: dict[str, Any] = {}
    for entry in meta:  # plugins write all sorts here: skip what is not {key, value}
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            values.setdefault(entry["key"], entry.get("value"))
    for key in keys:
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        text = str(value).strip()
        if text:
            return text
    return None
