"""The fixed order of checks for one webhook delivery, before anything is recorded.

find the shop (404) -> ping? (200, nothing recorded) -> verify the HMAC over the raw bytes
(401) -> parse JSON (400) -> record in the inbox (200, or 200 "duplicate"). Never parse before
verifying; never do rules work or an outbound call here.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from adapters import REGISTRY, BadSignature
from connector.intake import StorageUnavailable, record_delivery
from connector.services import Services
from connector.types import utcnow


@dataclass(frozen=True)
class Receipt:
    status: int
    event: str  # stable log event name
    body: dict = field(default_factory=dict)


def _error(status: int, event: str, message: str) -> Receipt:
    return Receipt(status, event, {"error": message, "code": event.split(".", 1)[1]})


def _json_object(raw: bytes) -> dict | None:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past Python's stack
        return None
    return payload if isinstance(payload, dict) else None


def _unsigned(adapter, headers: Mapping[str, str], raw: bytes,
              secrets: tuple[str, ...]) -> str | None:
    """None when one of the shop's secrets signed the body, else why not."""
    if not secrets:
        return "the shop has no webhook secret yet: finish connecting it"
    reason = ""
    for secret in secrets:
        try:
            adapter.verify(headers, raw, secret)
            return None
        except BadSignature as exc:
            reason = str(exc)
    return reason


def _shop(services: Services, adapter, shop_id: int | None, headers: Mapping[str, str]):
    if shop_id is not None:
        return services.shops.by_id(shop_id), None
    # Shopify names the shop in a header (its permanent domain), not in our URL.
    shop_ref = adapter.shop_domain(headers) if hasattr(adapter, "shop_domain") else None
    return (services.shops.by_ref(adapter.name, shop_ref) if shop_ref else None), shop_ref


def receive(services: Services, platform: str, shop_id: int | None,
            headers: Mapping[str, str], raw: bytes) -> Receipt:
    """The shop comes from `shop_id` (our URL, WooCommerce) or the platform's header."""
    adapter = REGISTRY.get(platform)
    if adapter is None:
        return _error(404, "webhook.unknown-shop", f"no platform {platform}")
    try:
        shop, shop_ref = _shop(services, adapter, shop_id, headers)
    except DBAPIError:
        return _error(503, "webhook.database-unavailable", "storage unavailable, retry later")
    if adapter is None or shop is None or shop.platform != platform:
        named = f"id {shop_id}" if shop_id is not None else f"domain {shop_ref or '(none)'}"
        return _error(404, "webhook.unknown-shop", f"no {platform} shop with {named}")
    meta = adapter.delivery_meta(headers, raw)
    if meta.is_ping:
        return Receipt(200, "webhook.ping", {"status": "ok", "ping": True})
    refusal = _unsigned(adapter, headers, raw, shop.webhook_secrets)
    if refusal is not None:  # perhaps signed with a secret registered since we cached the shop
        shop = services.shops.by_id(shop.id, fresh=True) or shop
        refusal = _unsigned(adapter, headers, raw, shop.webhook_secrets)
    if refusal is not None:
        return _error(401, "webhook.bad-signature", refusal)
    if _json_object(raw) is None:
        return _error(400, "webhook.malformed", "body is not a JSON object")
    try:
        inbox_id = record_delivery(services.db, platform=platform, shop_id=shop.id,
                                   dedupe_key=meta.dedupe_key, topic=meta.topic, body=raw,
                                   received_at=utcnow())
    except StorageUnavailable:  # connector.intake turns every storage failure into this
        return _error(503, "webhook.database-unavailable", "storage unavailable, retry later")
    if inbox_id is None:
        return Receipt(200, "webhook.duplicate", {"status": "duplicate"})
    services.dispatch.deliveries_recorded([inbox_id])  # committed: a worker may take it now
    return Receipt(200, "webhook.accepted", {"status": "accepted"})
