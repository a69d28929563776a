"""Keys for the JSON API: each is good for one shop, shown once, and kept only as a hash.

A key reads `lk_<prefix>_<secret>`: the prefix finds the row (and tells keys apart in lists),
the secret is 256 random bits, compared as a SHA-256 digest in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from connector.db import run_prepared
from connector.models import ApiKey, Shop

TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


class ApiKeyRefused(ValueError):
    """The key cannot be made or changed; the message says why."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, shop_id: int, name: str, created_by: str) -> tuple[ApiKey, str]:
    """A new key for `shop_id`: the stored row and the key itself, which is never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiKeyRefused("name the key (1 to 100 characters), e.g. after the app that uses it")
    if session.get(Shop, shop_id) is None:
        raise ApiKeyRefused(f"no shop with id {shop_id}")
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    key = ApiKey(shop_id=shop_id, name=name, prefix=prefix, key_hash=_digest(secret),
                 created_by=created_by[:200])
    session.add(key)
    session.flush()
    return key, f"lk_{prefix}_{secret}"


@dataclass(frozen=True)
class LiveKey:
    """A key that checked out: what a request needs of it (the row stays unloaded)."""
    id: int
    name: str
    shop_id: int
    last_used_at: datetime | None


_KEYS = ApiKey.__table__
# What a key check reads of the key's row, labelled so that a statement may join more to it
KEY_COLUMNS = tuple(column.label(f"key_{column.name}") for column in (
    _KEYS.c.id, _KEYS.c.name, _KEYS.c.shop_id, _KEYS.c.key_hash, _KEYS.c.revoked_at,
    _KEYS.c.last_used_at))
# Every API call runs this, so it is built once: a third of the Python of an ORM query per call
_BY_PREFIX = select(*KEY_COLUMNS).where(_KEYS.c.prefix == bindparam("prefix"))


def authenticate(session: Session, presented: str, now: datetime) -> LiveKey | None:
    """The live key `presented` is, or None (unknown, malformed, wrong secret or revoked)."""
    return authenticate_with(session, presented, _BY_PREFIX)[0]


def authenticate_with(session: Session, presented: str, statement, **params
                      ) -> tuple[LiveKey | None, Row | None]:
    """authenticate(), through `statement`: KEY_COLUMNS and whatever else the caller joins to
    them, for the key whose prefix is `bindparam("prefix")`. The live key and the whole row,
    or (None, None): nothing else of the row is given out when the key does not check out."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "lk" or not parts[1] or not parts[2]:
        return None, None
    row = run_prepared(session, statement, flush=False, prefix=parts[1][:16], **params).first()
    if row is None or not hmac.compare_digest(row.key_key_hash, _digest(parts[2])):
        return None, None
    if row.key_revoked_at is not None:
        return None, None
    return LiveKey(row.key_id, row.key_name, row.key_shop_id, row.key_last_used_at), row


def needs_touch(key: LiveKey, now: datetime) -> bool:
    """Whether to record this use: at most once every TOUCH_EVERY, so most calls only read."""
    return key.last_used_at is None or key.last_used_at < now - TOUCH_EVERY


def touch(session: Session, key_id: int, now: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


def keys_of(session: Session, shop_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.shop_id == shop_id)
                                .order_by(ApiKey.id)))


def revoke(session: Session, key: ApiKey, now: datetime) -> None:
    if key.revoked_at is None:
        key.revoked_at = now
