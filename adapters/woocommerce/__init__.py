"""WooCommerce webhooks: check the signature, recognise the ping, turn bodies into events.

Pure functions over headers, raw bytes and decoded JSON; no HTTP, no database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from adapters.base import BadSignature, Credentials, DeliveryMeta, header
from adapters.woocommerce import push
from adapters.woocommerce.customers import CHANGES as CUSTOMER_TOPICS
from adapters.woocommerce.customers import customer_event
from adapters.woocommerce.orders import order_event
from rules.events import Event, IgnoredDelivery

TOPIC_HEADER = "X-WC-Webhook-Topic"
SIGNATURE_HEADER = "X-WC-Webhook-Signature"

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})

# Sent once when a webhook is created or its URL changes: form-encoded, no X-WC headers, unsigned.
_PING_BODY = re.compile(rb"webhook_id=[0-9]+")

_IGNORED = {
    "ping": "ping: WooCommerce checking the delivery URL, nothing to record",
    "": f"no {TOPIC_HEADER} header: nothing to parse",
    "order.deleted": "order.deleted: not handled yet (a trashed order arrives as its id only)",
    "customer.deleted": "customer.deleted: not handled yet",
}


def signature(raw: bytes, secret: str) -> str:
    """What WooCommerce puts in X-WC-Webhook-Signature for this body and secret."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def ignored_reason(topic: str) -> str:
    if topic in _IGNORED:
        return _IGNORED[topic]
    resource = topic.partition(".")[0]
    if resource == "coupon":
        return f"{topic}: coupons do not earn (our own codes echo back)"
    if resource == "action":
        return f"{topic}: action hooks are not handled"
    return f"{topic}: topic not handled"


class WooCommerceAdapter:
    name = "woocommerce"

    def delivery_meta(self, headers: Mapping[str, str], raw: bytes) -> DeliveryMeta:
        topic = (header(headers, TOPIC_HEADER) or "").strip()
        is_ping = not topic and _PING_BODY.fullmatch(raw) is not None
        # X-WC-Webhook-Delivery-ID repeats within one second, so it cannot dedupe. Identical
        # bodies are the same cumulative fact, so the order.created/order.updated twins of one
        # save collapse into one inbox row too.
        return DeliveryMeta(
            topic="ping" if is_ping else topic,
            dedupe_key="sha256:" + hashlib.sha256(raw).hexdigest(),
            is_ping=is_ping,
        )

    def verify(self, headers: Mapping[str, str], raw: bytes, secret: str) -> None:
        given = header(headers, SIGNATURE_HEADER)
        if not given:
            raise BadSignature(f"missing {SIGNATURE_HEADER} header")
        expected = signature(raw, secret).encode("ascii")
        # Bytes, because compare_digest refuses str with non-ASCII characters.
        if not hmac.compare_digest(expected, given.strip().encode("utf-8", "replace")):
            raise BadSignature(
                "signature does not match the body (check the webhook secret, and that nothing "
                "between WooCommerce and us re-encodes the body)"
            )

    def parse(self, topic: str, payload: Any, shop_ref: str) -> list[Event]:
        if topic in ORDER_TOPICS:
            return [order_event(payload, shop_ref)]
        if topic in CUSTOMER_TOPICS:
            return [customer_event(topic, payload, shop_ref)]
        return [IgnoredDelivery(ignored_reason(topic))]

    def push_tier(self, credentials: Credentials, customer_ref: str, tag: str | None,
                  previous_tag: str | None) -> None:
        push.push_tier(credentials, customer_ref, tag)


ADAPTER = WooCommerceAdapter()
