"""Shopify webhooks: check the signature, find the shop, turn bodies into events.

Pure functions over headers, raw bytes and decoded JSON; no HTTP, no database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.base import Credentials, DeliveryMeta, check_body_hmac, header
from adapters.shopify import push
from adapters.shopify.customers import CHANGES as CUSTOMER_TOPICS
from adapters.shopify.customers import PRIVACY_REQUESTS as PRIVACY_TOPICS
from adapters.shopify.customers import customer_event, privacy_event, uninstalled_event
from adapters.shopify.orders import order_event, refund_event
from rules.events import Event, IgnoredDelivery
from rules.redemption import CodeSpec

TOPIC_HEADER = "X-Shopify-Topic"
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
SHOP_HEADER = "X-Shopify-Shop-Domain"
EVENT_HEADER = "X-Shopify-Event-Id"
WEBHOOK_HEADER = "X-Shopify-Webhook-Id"

# Topics whose body is the whole order (orders/edited and orders/delete send something else).
ORDER_TOPICS = frozenset({
    "orders/create", "orders/paid", "orders/updated", "orders/cancelled", "orders/fulfilled",
    "orders/partially_fulfilled",
})

_SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")


def signature(raw: bytes, secret: str) -> str:
    """What Shopify puts in X-Shopify-Hmac-Sha256 for this body and client secret."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _header_text(headers: Mapping[str, str], name: str, limit: int) -> str:
    # Headers are not signed: cap what goes into inbox columns (topic 100, dedupe key 200).
    return (header(headers, name) or "").strip()[:limit]


class ShopifyAdapter:
    name = "shopify"
    refunds_apart = True  # refunds/create

    def delivery_meta(self, headers: Mapping[str, str], raw: bytes) -> DeliveryMeta:
        topic = _header_text(headers, TOPIC_HEADER, 100).lower()
        # Each subscription to a topic gets its own webhook id for one event; the event id is
        # shared, so two subscriptions' copies collapse into one inbox row.
        event_id = _header_text(headers, EVENT_HEADER, 64)
        webhook_id = _header_text(headers, WEBHOOK_HEADER, 64)
        if event_id:
            key = f"event:{topic}:{event_id}"
        elif webhook_id:
            key = f"webhook:{webhook_id}"
        else:
            key = "sha256:" + hashlib.sha256(raw).hexdigest()
        return DeliveryMeta(topic=topic, dedupe_key=key, is_ping=False)

    def verify(self, headers: Mapping[str, str], raw: bytes, secret: str) -> None:
        check_body_hmac(headers, raw, secret, SIGNATURE_HEADER, "check the app's client secret")

    def shop_domain(self, headers: Mapping[str, str]) -> str | None:
        """The shop's permanent myshopify.com domain, or None when the header is not one."""
        domain = (header(headers, SHOP_HEADER) or "").strip().lower()
        return domain if _SHOP_DOMAIN.fullmatch(domain) else None

    def parse(self, topic: str, payload: Any, shop_ref: str) -> list[Event]:
        if topic in ORDER_TOPICS:
            return [order_event(payload, shop_ref)]
        if topic == "refunds/create":
            return [refund_event(payload, shop_ref)]
        if topic in CUSTOMER_TOPICS:
            return [customer_event(topic, payload, shop_ref)]
        if topic in PRIVACY_TOPICS:
            return [privacy_event(topic, payload, shop_ref)]
        if topic == "app/uninstalled":
            return [uninstalled_event(shop_ref)]
        if not topic:
            return [IgnoredDelivery(f"no {TOPIC_HEADER} header: nothing to parse")]
        return [IgnoredDelivery(f"{topic}: topic not handled")]

    def push_tier(self, credentials: Credentials, customer_ref: str, tag: str | None,
                  stale_tags: Sequence[str]) -> None:
        push.push_tier(credentials, customer_ref, tag, stale_tags)

    def push_profile(self, credentials: Credentials, customer_ref: str, points: int,
                     tier: str | None) -> None:
        push.push_profile(credentials, customer_ref, points, tier)

    def push_code(self, credentials: Credentials, spec: CodeSpec, customer_ref: str | None) -> str:
        return push.create_code(credentials, spec, customer_ref)

    def revoke_code(self, credentials: Credentials, code: str) -> bool:
        return push.revoke_code(credentials, code)


ADAPTER = ShopifyAdapter()
