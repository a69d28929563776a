"""What each kind of outbox job does, and what its final outcome changes in our tables.

Kinds: `customer.tier` (mark the tier on the store), `customer.profile` (balance and tier for
themes), `discount.create` (a redemption's code), `discount.revoke` (delete a withdrawn code if unused), `shop.register_webhooks` (after a store
connects). The queue mechanics live in connector.outbox.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import REGISTRY, TransportError
from connector import redemptions, shopify_install, woo_connect
from connector.models import OutboxJob, Shop
from connector.placement import tier_tag_now
from connector.profiles import current_profile
from connector.services import Services
from connector.shops import credentials


def _tier(services: Services, shop: Shop, payload: dict) -> None:
    """Mark the tier held now; take off the marks this job was queued to swap, unless they
    are the one held now (a late retry of an older change must not undo a newer one)."""
    tag = payload["tag"]
    if "customer_id" in payload:  # jobs queued before tier pushes read the tier held now
        with services.db.reading() as session:
            tag = tier_tag_now(session, shop, payload["customer_id"])
    stale = {payload["tag"], payload["previous_tag"]} - {tag, None}
    REGISTRY[shop.platform].push_tier(credentials(shop, services), payload["customer_ref"],
                                      tag, tuple(sorted(stale)))


def _code(services: Services, shop: Shop, payload: dict) -> None:
    with services.db.reading() as session:
        status = redemptions.status_of(session, payload["redemption_id"])
    if status == "cancelled":  # withdrawn before it was created: never create it
        return
    REGISTRY[shop.platform].push_code(credentials(shop, services),
                                      redemptions.spec_from_json(payload["spec"]),
                                      payload.get("customer_ref"))


def _revoke(services: Services, shop: Shop, payload: dict) -> None:
    REGISTRY[shop.platform].revoke_code(credentials(shop, services), payload["code"])


def _profile(services: Services, shop: Shop, payload: dict) -> None:
    with services.db.reading() as session:
        points, tier = current_profile(session, payload["customer_id"])
    REGISTRY[shop.platform].push_profile(credentials(shop, services), payload["customer_ref"],
                                         points, tier)


def _register(services: Services, shop: Shop, payload: dict) -> None:
    # Each platform's install flow owns its registration.
    register = {"shopify": shopify_install.register_webhooks,
                "woocommerce": woo_connect.register_webhooks}[shop.platform]
    register(services, shop.id)


RUNNERS: dict[str, Callable[[Services, Shop, dict], None]] = {
    "customer.tier": _tier,
    "discount.create": _code,
    "discount.revoke": _revoke,
    "customer.profile": _profile,
    "shop.register_webhooks": _register,
}


def run(services: Services, job: OutboxJob, shop: Shop) -> None:
    runner = RUNNERS.get(job.kind)
    if runner is None:
        raise TransportError(f"unknown job kind {job.kind!r}", permanent=True)
    runner(services, shop, json.loads(job.payload))


def settle(session: Session, job: OutboxJob, done: bool, error: str | None,
           now: datetime) -> None:
    """The job is finished (done, or dead): update what waits on it."""
    if job.kind == "discount.create":
        redemptions.settle(session, json.loads(job.payload)["redemption_id"], done, error, now)
