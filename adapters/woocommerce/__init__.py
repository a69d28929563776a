"""WooCommerce webhooks: check the signature, recognise the ping, turn bodies into events.

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
from adapters.woocommerce import push
from adapters.woocommerce.customers import CHANGES as CUSTOMER_TOPICS
from adapters.woocommerce.customers import customer_event
from adapters.woocommerce.orders import order_event
from adapters.woocommerce.payload import Payload
from rules.events import Event, IgnoredDelivery, OrderDeleted
from rules.redemption import CodeSpec

TOPIC_HEADER = "X-WC-Webhook-Topic"
SIGNATURE_HEADER = "X-WC-Webhook-Signature"
DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})

# Sent once when a webhook is created or its URL changes: form-encoded, no X-WC headers, unsigned.
_PING_BODY = re.compile(rb"webhook_id=[0-9]+")

_IGNORED = {
    "ping": "ping: WooCommerce checking the delivery URL, nothing to record",
    "": f"no {TOPIC_HEADER} header: nothing to parse",
    "customer.deleted": "customer.deleted: not handled yet",
}


def signature(raw: bytes, secret: str) -> str:
    """What WooCommerce puts in X-WC-Webhook-Signature for this body and secret."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def ignored_reason(topic: str, payload: Any) -> str:
    if topic in _IGNORED:
        return _IGNORED[topic]
    resource = topic.partition(".")[0]
    if resource == "coupon":
        if isinstance(payload, dict) and push.is_ours(payload):
            code = payload.get("code")
            shown = code if isinstance(code, str) else "?"  # never a huge or deeply nested value
            return f"{topic}: our own reward code {shown} echoed back"
        return f"{topic}: coupons do not earn"
    if resource == "action":
        return f"{topic}: action hooks are not handled"
    return f"{topic}: topic not handled"


class WooCommerceAdapter:
    name = "woocommerce"
    refunds_apart = False  # a refund arrives only as the order's own updated fact

    def delivery_meta(self, headers: Mapping[str, str], raw: bytes) -> DeliveryMeta:
        topic = (header(headers, TOPIC_HEADER) or "").strip()
        is_ping = not topic and _PING_BODY.fullmatch(raw) is not None
        # X-WC-Webhook-Delivery-ID repeats within one second, so it cannot dedupe. Identical
        # bodies are the same cumulative fact, so the order.created/order.updated twins of one
        # save collapse into one inbox row too. A deletion body is only the id, the same for a
        # second trashing after a restore, so its key also takes the delivery id.
        key = "sha256:" + hashlib.sha256(raw).hexdigest()
        if topic.endswith(".deleted"):
            key += ":" + (header(headers, DELIVERY_HEADER) or "").strip()[:64]
        return DeliveryMeta(topic="ping" if is_ping else topic, dedupe_key=key, is_ping=is_ping)

    def verify(self, headers: Mapping[str, str], raw: bytes, secret: str) -> None:
        check_body_hmac(headers, raw, secret, SIGNATURE_HEADER, "check the webhook secret")

    def parse(self, topic: str, payload: Any, shop_ref: str) -> list[Event]:
        if topic in ORDER_TOPICS:
            return [order_event(payload, shop_ref)]
        if topic in CUSTOMER_TOPICS:
            return [customer_event(topic, payload, shop_ref)]
        if topic == "order.deleted":
            order_id = Payload.root(payload, "order").ident("id")
            return [OrderDeleted(platform=self.name, shop_ref=shop_ref, order_id=order_id)]
        return [IgnoredDelivery(ignored_reason(topic, payload))]

    def push_tier(self, credentials: Credentials, customer_ref: str, tag: str | None,
                  stale_tags: Sequence[str]) -> None:
        push.push_tier(credentials, customer_ref, tag)  # one meta value: nothing to take off

    def push_profile(self, credentials: Credentials, customer_ref: str, points: int,
                     tier: str | None) -> None:
        push.push_profile(credentials, customer_ref, points, tier)

    def push_code(self, credentials: Credentials, spec: CodeSpec, customer_ref: str | None) -> str:
        return push.create_code(credentials, spec)

    def revoke_code(self, credentials: Credentials, code: str) -> bool:
        return push.revoke_code(credentials, code)


ADAPTER = WooCommerceAdapter()
