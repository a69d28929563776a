"""One-time states for install flows (WooCommerce wc-auth, Shopify OAuth): only the state's
SHA-256 is stored, it lives an hour, and it is claimed at most once (a conditional UPDATE)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connector.models import ConnectToken

LIFETIME = timedelta(hours=1)


class StateRefused(Exception):
    """`reason` is "unknown", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def new_state(session: Session, platform: str, store_url: str, now: datetime,
              program_id: int | None = None) -> str:
    state = secrets.token_urlsafe(32)
    session.add(ConnectToken(token_hash=digest(state), platform=platform, store_url=store_url,
                             program_id=program_id, expires_at=now + LIFETIME))
    return state


def find_state(session: Session, platform: str, state: str) -> ConnectToken | None:
    return session.scalar(select(ConnectToken).where(ConnectToken.token_hash == digest(state),
                                                     ConnectToken.platform == platform))


def claim_state(session: Session, platform: str, state: str, now: datetime) -> ConnectToken:
    token = find_state(session, platform, state)
    if token is None:
        raise StateRefused("unknown")
    if token.expires_at <= now:
        raise StateRefused("expired")
    claimed = session.execute(update(ConnectToken).where(
        ConnectToken.id == token.id, ConnectToken.used_at.is_(None)).values(used_at=now))
    if claimed.rowcount != 1:
        raise StateRefused("used")
    return token
