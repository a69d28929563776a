"""A Shopify order body as one cumulative OrderEvent, and a refunds/create body as OrderRefunded.

Order bodies are what the order looks like at send time (status, lines after discounts, every
refund so far); money is always the shop's currency, never the buyer's presentment currency.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from adapters.shopify.payload import (
    Payload,
    flag,
    ident_or_none,
    in_range,
    shop_money,
    shop_money_or_zero,
)
from rules.events import LineItem, OrderEvent, OrderRefunded, OrderStatus, normalise_email
from rules.identity import BuyerDigests, address_text, digest

PLATFORM = "shopify"

# Note attributes (cart attributes set by a storefront snippet) that carry a referrer's code.
REFERRAL_ATTRIBUTES = ("ref", "referral_code", "loyalty_ref")

# financial_status values that mean the buyer's money was taken at some point.
MONEY_TAKEN = frozenset({"paid", "partially_refunded", "refunded"})


def order_event(payload: Any, shop_ref: str) -> OrderEvent:
    order = Payload.root(payload, "order")
    updated_at = order.moment("updated_at")
    created_at = order.moment_or_none("created_at") or updated_at
    financial = order.text_or_none("financial_status")
    status = _status(order, financial)
    lines = order.records("line_items", required=True)
    taxes_included = flag(order, "taxes_included")
    # Gift cards are a means of payment sold as a line: they never earn.
    gift_cards = [line for line in lines if flag(line, "gift_card")]
    items = tuple(_line_item(line, taxes_included) for line in lines
                  if not flag(line, "gift_card"))
    merchandise = in_range("line_items (sum after discounts)",
                           sum((item.total for item in items), Decimal(0)))
    gift_card_ids = frozenset(filter(None, (ident_or_none(line, "id") for line in gift_cards)))
    refunded = sum((_refunded(refund, gift_card_ids) for refund in order.records("refunds")),
                   Decimal(0))
    customer = order.record_or_none("customer")
    return OrderEvent(
        platform=PLATFORM,
        shop_ref=shop_ref,
        order_id=order.ident("id"),
        # null for a guest; without protected customer data access the id may be null too
        customer_ref=ident_or_none(customer, "id") if customer else None,
        email=normalise_email(
            order.text_or_none("email")
            or order.text_or_none("contact_email")
            or (customer.text_or_none("email") if customer else None)
        ),
        currency=order.text("currency"),
        status=status,
        created_at=created_at,
        updated_at=updated_at,
        paid_at=_paid_at(order, status, financial, created_at),
        line_items=items,
        shipping=_sum(order, "shipping_lines", "price"),
        tax=shop_money_or_zero(order, "total_tax"),
        discounts=shop_money_or_zero(order, "total_discounts"),
        discount_codes=_discount_codes(order),
        referral_code=_referral_code(order),
        refunded=in_range("refunds (sum)", min(refunded, merchandise)),
        channel="pos" if order.text_or_none("source_name") == "pos" else "online",
        test=flag(order, "test"),
        **_identities(order),
    )


def _identities(order: Payload) -> BuyerDigests:
    """The buyer's IP, address and card fingerprint, hashed, for the referral fraud rules."""
    client = order.record_or_none("client_details")
    ip = order.text_or_none("browser_ip") or (client.text_or_none("browser_ip") if client
                                               else None)
    place = order.record_or_none("shipping_address") or order.record_or_none("billing_address")
    address = address_text(*(place.text_or_none(key) for key in
                             ("address1", "address2", "zip", "country_code"))) if place else None
    # Legacy card details (bin, masked number, brand) where the payload still carries them.
    card = order.record_or_none("payment_details")
    card_text = address_text(*(card.text_or_none(key) for key in
                               ("credit_card_bin", "credit_card_number", "credit_card_company"))
                             ) if card else None
    return {"ip_digest": digest("ip", ip), "address_digest": digest("address", address),
            "payment_digest": digest("payment_fingerprint", card_text)}


def refund_event(payload: Any, shop_ref: str) -> OrderRefunded:
    refund = Payload.root(payload, "refund")
    return OrderRefunded(
        platform=PLATFORM,
        shop_ref=shop_ref,
        order_id=refund.ident("order_id"),
        refund_id=refund.ident("id"),
        # order_adjustments (shipping refunds, refund discrepancies) are not merchandise.
        merchandise=_refunded(refund),
        occurred_at=refund.moment("created_at"),
    )


def _status(order: Payload, financial: str | None) -> OrderStatus:
    if order.moment_or_none("cancelled_at") is not None:
        return OrderStatus.CANCELLED
    if financial in ("paid", "partially_refunded"):
        if order.text_or_none("fulfillment_status") == "fulfilled":
            return OrderStatus.FULFILLED
        return OrderStatus.PAID
    if financial == "refunded":
        return OrderStatus.REFUNDED
    if financial == "voided":
        return OrderStatus.CANCELLED
    return OrderStatus.PENDING  # pending, authorized, partially_paid, expired, unknown


def _paid_at(order: Payload, status: OrderStatus, financial: str | None,
             created_at: datetime) -> datetime | None:
    undone = status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
    if status.is_paid or (undone and financial in MONEY_TAKEN):
        return order.moment_or_none("processed_at") or created_at
    return None


def _line_item(line: Payload, taxes_included: bool) -> LineItem:
    quantity = line.whole("quantity")
    # `price` is the unit price before discounts; allocations hold line and order discounts.
    discounts = _sum(line, "discount_allocations", "amount")
    total = shop_money(line, "price") * quantity - discounts
    if taxes_included:
        total -= _sum(line, "tax_lines", "price")
    in_range(f"{line.path} (price x quantity - discounts)", total)
    product_id = line.whole_or_none("product_id")
    return LineItem(
        sku=line.text_or_none("sku") or None,
        product_id=str(product_id) if product_id else None,  # null once the product is deleted
        quantity=quantity,
        total=total,
        name=line.text_or_none("name") or "",
    )


def _refunded(refund: Payload, gift_card_ids: frozenset[str] = frozenset()) -> Decimal:
    """What one refund returned of the line items, after discounts, before tax; gift cards,
    which never earned, are left out."""
    total = Decimal(0)
    for line in refund.records("refund_line_items"):
        refunded_line = line.record_or_none("line_item")
        if ident_or_none(line, "line_item_id") in gift_card_ids or (
            refunded_line is not None and flag(refunded_line, "gift_card")
        ):
            continue
        # Shopify sends `subtotal` here as a JSON number; only subtotal_set is a decimal string.
        total += shop_money(line, "subtotal")
    return in_range(refund.name("refund_line_items") + " (sum)", total)


def _sum(record: Payload, list_key: str, key: str) -> Decimal:
    total = sum((shop_money(item, key) for item in record.records(list_key)), Decimal(0))
    return in_range(f"{record.name(list_key)} (sum of {key})", total)


def _discount_codes(order: Payload) -> tuple[str, ...]:
    codes = (code.text("code").strip().lower() for code in order.records("discount_codes"))
    return tuple(code for code in codes if code)


def _referral_code(order: Payload) -> str | None:
    attributes = order.get("note_attributes")
    if attributes is not None and not isinstance(attributes, list):
        raise order.wrong("note_attributes", "a list", attributes)
    for attribute in attributes or ():  # apps write here too: skip what is not {name, value}
        if not isinstance(attribute, dict) or attribute.get("name") not in REFERRAL_ATTRIBUTES:
            continue
        value = attribute.get("value")
        if isinstance(value, str) and value.strip():
            return value.strip()
    landing_site = order.text_or_none("landing_site") or ""
    # A path with its query ("/?ref=ABC&utm_source=x"), sometimes a whole URL.
    query = landing_site.partition("?")[2].partition("#")[0]
    for value in parse_qs(query).get("ref", ()):
        if value.strip():
            return value.strip()
    return None
