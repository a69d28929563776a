"""Shopify's app proxy: requests from the storefront (https://<shop>/apps/loyalty/...) reach us
with `shop`, `logged_in_customer_id`, `path_prefix`, `timestamp` and `signature` added.

`signature` is the hex HMAC-SHA256 (client secret) of every other parameter as `key=value`,
a repeated key's values joined with ",", sorted, and concatenated with no separator (unlike
the OAuth hmac, which joins with "&"). Shopify does not bound the timestamp: we do.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

MAX_AGE_SECONDS = 600


class ProxyRefused(ValueError):
    pass


def proxy_signature(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        if key != "signature":
            values.setdefault(key, []).append(value)
    message = "".join(sorted(f"{key}={','.join(vals)}" for key, vals in values.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_proxy(pairs: list[tuple[str, str]], secret: str, now: float) -> str | None:
    """The logged-in customer's id (None for a guest) of a genuine, fresh proxy request."""
    given = dict(pairs).get("signature", "")
    if not given:
        raise ProxyRefused("signature: missing (requests must come through the app proxy)")
    expected = proxy_signature(pairs, secret)
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise ProxyRefused("signature: does not match the app's client secret")
    timestamp = dict(pairs).get("timestamp", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise ProxyRefused("timestamp: missing or more than ten minutes away from now")
    return dict(pairs).get("logged_in_customer_id") or None
