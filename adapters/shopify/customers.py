"""Shopify customer bodies, the mandatory privacy requests, and the uninstall, as events.

Our own `tagsAdd` comes back as customers/update; the event carries no points, so the echo is
harmless.
"""

from __future__ import annotations

from typing import Any

from adapters.base import BadPayload
from adapters.shopify.payload import Payload, ident_or_none, ids, required_record
from rules.events import (
    CustomerChange,
    CustomerEvent,
    PrivacyEvent,
    PrivacyRequest,
    ShopUninstalled,
    normalise_email,
)

PLATFORM = "shopify"

CHANGES = {
    "customers/create": CustomerChange.CREATED,
    "customers/update": CustomerChange.UPDATED,
}

PRIVACY_REQUESTS = {
    "customers/data_request": PrivacyRequest.DATA_REQUEST,
    "customers/redact": PrivacyRequest.CUSTOMER_REDACT,
    "shop/redact": PrivacyRequest.SHOP_REDACT,
}


def customer_event(topic: str, payload: Any, shop_ref: str) -> CustomerEvent:
    customer = Payload.root(payload, "customer")
    occurred_at = customer.moment_or_none("updated_at") or customer.moment_or_none("created_at")
    if occurred_at is None:
        raise BadPayload("updated_at: missing (and no created_at either)")
    return CustomerEvent(
        platform=PLATFORM,
        shop_ref=shop_ref,
        customer_ref=customer.ident("id"),
        change=CHANGES[topic],
        occurred_at=occurred_at,
        email=normalise_email(customer.text_or_none("email")),
        first_name=customer.text_or_none("first_name") or None,
        last_name=customer.text_or_none("last_name") or None,
        accepts_marketing=_accepts_marketing(customer),
        tags=_tags(customer),
    )


def privacy_event(topic: str, payload: Any, shop_ref: str) -> PrivacyEvent:
    request = PRIVACY_REQUESTS[topic]
    body = Payload.root(payload, "privacy request")
    if request is PrivacyRequest.SHOP_REDACT:
        return PrivacyEvent(platform=PLATFORM, shop_ref=shop_ref, request=request)
    customer = required_record(body, "customer")
    data_request = body.record_or_none("data_request")
    return PrivacyEvent(
        platform=PLATFORM,
        shop_ref=shop_ref,
        request=request,
        customer_ref=customer.ident("id"),
        email=normalise_email(customer.text_or_none("email")),
        order_ids=ids(body, "orders_requested" if request is PrivacyRequest.DATA_REQUEST
                      else "orders_to_redact"),
        request_id=ident_or_none(data_request, "id") if data_request else None,
    )


def uninstalled_event(shop_ref: str) -> ShopUninstalled:
    # The body is the shop resource; the access token is already revoked when it arrives.
    return ShopUninstalled(platform=PLATFORM, shop_ref=shop_ref)


def _accepts_marketing(customer: Payload) -> bool | None:
    # Absent from customer objects nested in other webhooks since API 2025-01.
    consent = customer.record_or_none("email_marketing_consent")
    state = consent.text_or_none("state") if consent else None
    return None if state is None else state == "subscribed"


def _tags(customer: Payload) -> tuple[str, ...]:
    tags = customer.text_or_none("tags") or ""  # "loyalty-gold, vip"
    return tuple(tag.strip() for tag in tags.split(",") if tag.strip())
