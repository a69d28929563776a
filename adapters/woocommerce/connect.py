"""The WooCommerce application-authorization flow (wc-auth), as pure functions.

The merchant is sent to the store's authorize page with our one-time state as `user_id`; on
approval the store POSTs the new keys to our callback, unsigned and naming no store, so the
state is the only thing that ties the keys to the store the merchant typed (PLATFORMS.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from adapters.base import BadPayload

SCOPE = "read_write"


def store_home(raw: str) -> str:
    """The store's home URL as WooCommerce writes it (scheme, host, path, trailing slash)."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected the store's address such as https://shop.example.com, "
                         f"got {raw!r}")
    if parts.username or parts.password:
        raise ValueError("the store address must not contain a user name or password")
    path = parts.path.rstrip("/") + "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def authorize_url(store_url: str, app_name: str, state: str, return_url: str,
                  callback_url: str) -> str:
    query = urlencode({"app_name": app_name, "scope": SCOPE, "user_id": state,
                       "return_url": return_url, "callback_url": callback_url})
    return f"{store_home(store_url)}wc-auth/v1/authorize?{query}"


@dataclass(frozen=True)
class KeyGrant:
    """What the store's callback carries: the new REST keys and our state echoed back."""

    key_id: int
    state: str
    consumer_key: str
    consumer_secret: str
    permissions: str


def _text(payload: dict, name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadPayload(f"{name}: expected a non-empty string")
    return value.strip()


def key_grant(payload: Any) -> KeyGrant:
    if not isinstance(payload, dict):
        raise BadPayload("expected a JSON object with key_id, user_id, consumer_key, "
                         "consumer_secret and key_permissions")
    key_id = payload.get("key_id")
    if isinstance(key_id, bool) or not isinstance(key_id, int | str) or not str(key_id).isdigit():
        raise BadPayload("key_id: expected a whole number")
    grant = KeyGrant(int(key_id), _text(payload, "user_id"), _text(payload, "consumer_key"),
                     _text(payload, "consumer_secret"), _text(payload, "key_permissions"))
    if not grant.consumer_key.startswith("ck_") or not grant.consumer_secret.startswith("cs_"):
        raise BadPayload("consumer_key/consumer_secret: expected WooCommerce keys (ck_…, cs_…)")
    if grant.permissions != SCOPE:
        raise BadPayload(f"key_permissions: expected {SCOPE!r} (coupons and customer meta are "
                         f"written), got {grant.permissions!r}")
    return grant
