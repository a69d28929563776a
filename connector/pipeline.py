"""Turning inbox rows into ledger entries, one delivery per transaction.

The delivery's events are applied and the row is marked done in the same transaction, so a crash
anywhere repeats the whole step and the unique keys make the repeat write nothing new.
"""
from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters import REGISTRY, BadPayload
from connector import telemetry
from connector.customers import apply_customer_event
from connector.db import Database
from connector.deletions import apply_order_deleted
from connector.models import InboxDelivery, Shop
from connector.orders import Applied, apply_order
from connector.privacy import apply_privacy, apply_uninstalled
from connector.profiles import queue_profile_push
from connector.refunds import apply_refund
from connector.types import utcnow
from rules.events import (
    CustomerEvent,
    IgnoredDelivery,
    OrderDeleted,
    OrderEvent,
    OrderRefunded,
    PrivacyEvent,
    ShopUninstalled,
)

log = logging.getLogger("loyalty.pipeline")
MAX_ATTEMPTS = 5
CONFLICT_RETRIES = 5  # runs again at once, uncounted, after losing a race to another worker
CONFLICT_STATES = ("40001", "40P01")  # serialization failure, deadlock detected


def _claim(session: Session, row_id: int | None = None) -> InboxDelivery | None:
    """The oldest waiting delivery (or the one with `row_id`, if it still waits), locked so
    that no other worker takes it at the same time."""
    query = select(InboxDelivery).where(InboxDelivery.status == "new",
                                        InboxDelivery.attempts < MAX_ATTEMPTS)
    if row_id is not None:
        query = query.where(InboxDelivery.id == row_id)
    return session.scalar(query.order_by(InboxDelivery.attempts, InboxDelivery.id).limit(1)
                          .with_for_update(skip_locked=True))


def _applied(session: Session, applied: Applied) -> tuple[str, str]:
    if applied.customer is not None:
        queue_profile_push(session, applied.customer)
    return "done", applied.note


def _apply(session: Session, shop: Shop, event, now: datetime) -> tuple[str, str]:
    if isinstance(event, OrderEvent):
        return _applied(session, apply_order(session, shop, event, now))
    if isinstance(event, OrderDeleted):
        return _applied(session, apply_order_deleted(session, shop, event, now))
    if isinstance(event, OrderRefunded):
        return _applied(session, apply_refund(session, shop, event, now))
    if isinstance(event, ShopUninstalled):
        return "done", apply_uninstalled(session, shop, event, now)
    if isinstance(event, PrivacyEvent):
        return "done", apply_privacy(session, shop, event, now)
    if isinstance(event, CustomerEvent):
        return "done", apply_customer_event(session, shop, event)
    if isinstance(event, IgnoredDelivery):
        return "ignored", event.reason
    return "ignored", f"no handler for {type(event).__name__}"


def _fault_pause(point: str) -> None:
    """Test hook for crash tests: pause at a named point until killed (never set in production)."""
    marker = os.environ.get("LOYALTY_FAULT_PAUSE_FILE")
    if marker and os.environ.get("LOYALTY_FAULT_PAUSE_AT") == point:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(3600)


def events_of(platform: str, topic: str, body: bytes, shop_ref: str) -> list:
    """The common events in a stored delivery (raises BadPayload or ValueError if unreadable)."""
    return REGISTRY[platform].parse(topic, json.loads(body), shop_ref)


def process_delivery(session: Session, row: InboxDelivery, now: datetime) -> None:
    shop = session.get(Shop, row.shop_id)
    if shop.status == "removed":  # accepted from a cache that had not yet heard of it
        outcomes = [("ignored", f"shop {shop.id} was removed")]
    else:
        events = events_of(row.platform, row.topic, row.body, shop.ref)
        outcomes = [_apply(session, shop, event, now) for event in events]
    row.status = "done" if any(status == "done" for status, _ in outcomes) else "ignored"
    row.note = "; ".join(note for _, note in outcomes)[:2000] or None
    row.processed_at = now
    row.attempts += 1
    session.flush()
    _fault_pause("before_commit")


def _is_conflict(exc: Exception) -> bool:
    """Another worker wrote the same new order or customer first (a unique key), or the two
    transactions deadlocked: running the delivery again sees their row and goes on."""
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, IntegrityError) or state in CONFLICT_STATES


def process_one(db: Database, wanted: int | None = None) -> bool:
    """Process the oldest waiting delivery, or delivery `wanted` if it still waits. False when
    there was nothing to do (done already, or being processed by another worker)."""
    for conflicts in range(CONFLICT_RETRIES + 1):
        row_id = None
        try:
            with db.transaction() as session:
                row = _claim(session, wanted)
                if row is None:
                    return False
                row_id = row.id
                process_delivery(session, row, utcnow())
                log.info("delivery.processed", extra={"inbox_id": row.id, "status": row.status,
                                                       "note": row.note})
                finished = row.status, row.received_at, row.processed_at
        except Exception as exc:  # the row must not block the queue; record why and move on
            if row_id is None:
                raise
            if _is_conflict(exc) and conflicts < CONFLICT_RETRIES:
                log.info("delivery.conflict", extra={"inbox_id": row_id, "error": str(exc)[:300]})
                wanted = row_id  # rolled back: run the same delivery again, now
                continue
            _record_failure(db, row_id, exc)
            return True
        telemetry.delivery_processed(*finished)
        return True
    raise AssertionError("unreachable")


def _record_failure(db: Database, row_id: int, exc: Exception) -> None:
    permanent = isinstance(exc, (BadPayload, ValueError, KeyError))
    with db.transaction() as session:
        row = session.get(InboxDelivery, row_id)
        row.attempts += 1
        row.note = f"{type(exc).__name__}: {exc}"[:2000]
        gave_up = permanent or row.attempts >= MAX_ATTEMPTS
        if gave_up:
            row.status = "failed"
    log.warning("delivery.failed", extra={"inbox_id": row_id, "error": str(exc),
                                           "permanent": permanent})
    if gave_up:
        telemetry.delivery_processed("failed")


def drain(db: Database, limit: int | None = None) -> int:
    """Process deliveries until none are waiting (or `limit` were processed)."""
    done = 0
    while (limit is None or done < limit) and process_one(db):
        done += 1
    return done
