"""What every platform adapter offers the webhook receiver and the worker, and the two errors.

The receiver asks `delivery_meta` (topic, dedupe key, ping?) and `verify` over the raw bytes before
anything is parsed; the worker later hands the decoded JSON to `parse`, which returns common events
from `rules.events`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from rules.events import Event
from rules.redemption import CodeSpec


class BadSignature(Exception):
    """The delivery is not signed with the shop's secret; the message says what was wrong."""


class BadPayload(Exception):
    """A verified body that cannot become an event; the message starts with the field's path."""


@dataclass(frozen=True)
class DeliveryMeta:
    topic: str
    dedupe_key: str  # unique per (platform, shop): the inbox refuses a second row with it
    is_ping: bool  # the platform checking the URL: answer 200, record nothing


@runtime_checkable
class PlatformAdapter(Protocol):
    name: str
    refunds_apart: bool  # refunds also arrive as deliveries of their own (OrderRefunded)

    def delivery_meta(self, headers: Mapping[str, str], raw: bytes) -> DeliveryMeta: ...

    def verify(self, headers: Mapping[str, str], raw: bytes, secret: str) -> None:
        """Raise BadSignature unless `raw` is signed with `secret`."""
        ...

    def parse(self, topic: str, payload: Any, shop_ref: str) -> list[Event]:
        """Turn a verified, decoded payload into events; raise BadPayload on a wrong shape."""
        ...

    def push_tier(self, credentials: Credentials, customer_ref: str, tag: str | None,
                  stale_tags: Sequence[str]) -> None:
        """Mark the customer's tier on the store (and take off `stale_tags`, other tiers'
        marks); raise TransportError on failure."""
        ...

    def push_profile(self, credentials: Credentials, customer_ref: str, points: int,
                     tier: str | None) -> None:
        """Show the customer's available points and tier on the store (metafields, meta)."""
        ...

    def push_code(self, credentials: Credentials, spec: CodeSpec,
                  customer_ref: str | None) -> str:
        """Create the single-use discount code; an existing code of ours is success.
        Returns the code's id on the store; raises TransportError on failure."""
        ...

    def revoke_code(self, credentials: Credentials, code: str) -> bool:
        """Delete the discount code `code` if this service created it and it has not been used;
        True if it was deleted or is already gone, False if it was already used (nothing to
        do). Raises TransportError (permanent) when the code exists but was not created by this
        service."""
        ...


def check_body_hmac(headers: Mapping[str, str], raw: bytes, secret: str, header_name: str,
                    hint: str) -> None:
    """Raise BadSignature unless `header_name` holds base64(HMAC-SHA256(secret, raw)), the
    scheme both platforms sign webhook bodies with. `hint` says what to check on a mismatch."""
    given = header(headers, header_name)
    if not given:
        raise BadSignature(f"missing {header_name} header")
    expected = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest())
    # Bytes, because compare_digest refuses str with non-ASCII characters.
    if not hmac.compare_digest(expected, given.strip().encode("utf-8", "replace")):
        raise BadSignature(f"signature does not match the body ({hint}, and that nothing "
                           "between the store and us re-encodes the body)")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header `name`, whatever its casing in `headers` (a plain dict is not)."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


class TransportError(Exception):
    """A call to the platform failed. `permanent` means a retry cannot fix it (bad keys, 4xx);
    `revoked` that the store refused our credentials, so the shop needs reconnecting."""

    def __init__(self, message: str, permanent: bool = False, revoked: bool = False):
        super().__init__(message)
        self.permanent = permanent or revoked
        self.revoked = revoked


@dataclass(frozen=True)
class Credentials:
    """What a push client needs to call one shop's API (secrets already decrypted)."""

    shop_ref: str  # store URL or myshopify domain
    api_base: str | None  # override of the API address (a fake platform server in tests)
    key: str | None
    secret: str | None
    timeout: float = 30.0  # seconds per HTTP call


@dataclass(frozen=True)
class OrderPage:
    """One page of orders read back from a store, each in the shape its webhooks carry, so
    the adapter's own parser turns them into events (import and reconcile)."""

    orders: list[dict]
    total: int  # orders matching the query, 0 when the platform does not say
    next_page: int | str | None  # a page number or a cursor; None on the last page
