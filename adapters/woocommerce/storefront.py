"""Storefront calls from a WooCommerce store: the merchant's snippet (or the WordPress plugin)
signs the logged-in customer's id with a timestamp, using the shop's storefront secret, so the
browser can ask for that customer's points and nobody can ask for anyone else's.

    signature = hex HMAC-SHA256(secret, f"{customer_id}:{timestamp}")

`customer_id` is WordPress's user id ("0" for a visitor who is not logged in), `timestamp` Unix
seconds. A signature older than five minutes, or from the future by as much, is refused.
"""
from __future__ import annotations

import hashlib
import hmac

MAX_AGE_SECONDS = 300


class StorefrontRefused(ValueError):
    pass


def storefront_signature(customer_id: str, timestamp: str, secret: str) -> str:
    message = f"{customer_id}:{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_storefront(customer_id: str, timestamp: str, signature: str, secret: str,
                      now: float) -> str | None:
    """The customer id of a genuine, fresh call (None for a visitor who is not logged in)."""
    if not signature:
        raise StorefrontRefused("sig: missing (sign calls as the README's storefront snippet "
                                "shows)")
    if not customer_id.isdigit() or len(customer_id) > 20:
        raise StorefrontRefused("customer: expected the WordPress user id (0 for a visitor)")
    expected = storefront_signature(customer_id, timestamp, secret)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise StorefrontRefused("sig: does not match the shop's storefront secret")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise StorefrontRefused("ts: missing, or more than five minutes away from now")
    return None if customer_id == "0" else customer_id
