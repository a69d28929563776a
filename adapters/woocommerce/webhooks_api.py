"""Registering our webhooks on a store through REST v3, idempotently.

Ours are found by delivery URL and topic. The API never returns a webhook's secret, so a
webhook we did not create with the secret we hold is given that secret; a missing one is
created; duplicates are removed; a paused or disabled one is re-activated.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.base import Credentials
from adapters.woocommerce.rest import call, client

TOPICS = ("order.created", "order.updated", "order.deleted", "customer.created",
          "customer.updated")
APP_NAME = "Loyalty"


@dataclass(frozen=True)
class Wanted:
    """One webhook we want: its secret, and its id on the store if we created it before."""

    secret: str
    known_id: str | None


@dataclass(frozen=True)
class Registered:
    webhook_id: str
    action: str  # kept | reactivated | updated | created


def list_webhooks(credentials: Credentials) -> list[dict]:
    api, page = client(credentials), 1
    hooks: list[dict] = []
    while True:
        batch = call(api, "get", "webhooks", params={"per_page": 100, "page": page}) or []
        hooks.extend(batch)
        if len(batch) < 100:
            return hooks
        page += 1


def ensure_webhooks(credentials: Credentials, delivery_url: str,
                    wanted: Mapping[str, Wanted]) -> dict[str, Registered]:
    """Make the store hold exactly one active webhook per wanted topic pointing at us."""
    api = client(credentials)
    ours: dict[str, list[dict]] = {}
    for hook in list_webhooks(credentials):
        if hook.get("delivery_url") == delivery_url:
            ours.setdefault(hook.get("topic", ""), []).append(hook)
    result: dict[str, Registered] = {}
    for topic, want in wanted.items():
        found = sorted(ours.get(topic, []), key=lambda h: str(h["id"]) != want.known_id)
        for extra in found[1:]:
            call(api, "delete", f"webhooks/{extra['id']}", params={"force": "true"})
        result[topic] = _settle(api, topic, delivery_url, want, found[0] if found else None)
    return result


def _settle(api, topic: str, delivery_url: str, want: Wanted, hook: dict | None) -> Registered:
    if hook is None:
        created = call(api, "post", "webhooks", {
            "name": f"{APP_NAME} {topic}", "topic": topic, "delivery_url": delivery_url,
            "secret": want.secret, "status": "active"})
        return Registered(str(created["id"]), "created")
    hook_id = str(hook["id"])
    if hook_id != want.known_id:
        call(api, "put", f"webhooks/{hook_id}", {"secret": want.secret, "status": "active"})
        return Registered(hook_id, "updated")
    if hook.get("status") != "active":
        call(api, "put", f"webhooks/{hook_id}", {"status": "active"})
        return Registered(hook_id, "reactivated")
    return Registered(hook_id, "kept")
