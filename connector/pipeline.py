"""Turning inbox rows into ledger entries.

A delivery's events are applied and its row is marked done in the same transaction, so a crash
anywhere repeats the whole step and the unique keys make the repeat write nothing new. The
worker takes deliveries in batches, several to a transaction (one BEGIN, claim and COMMIT for
all of them); if any of them fails, the batch rolls back and its deliveries run again one to a
transaction, so a bad delivery costs its batch the speed, never a point.
"""
from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from adapters import REGISTRY, BadPayload
from connector import profiles, telemetry
from connector.applying import apply_event
from connector.db import Database, run_prepared
from connector.models import InboxDelivery, Shop
from connector.types import utcnow

log = logging.getLogger("loyalty.pipeline")
MAX_ATTEMPTS = 5
CONFLICT_RETRIES = 5  # runs again at once, uncounted, after losing a race to another worker
CONFLICT_STATES = ("40001", "40P01")  # serialization failure, deadlock detected
BATCH_SIZE = 100  # deliveries in one transaction at most
BATCH_SECONDS = 0.2  # and for about this long at most (SQLite webhooks wait this long)
CLAIM_CHUNK = 10  # claimed (locked) at a time, so other workers can take the rest
_INBOX = InboxDelivery.__table__
_MARK_PROCESSED = update(_INBOX).where(_INBOX.c.id == bindparam("row_id")).values(
    status=bindparam("status"), note=bindparam("note"), processed_at=bindparam("at"),
    attempts=_INBOX.c.attempts + 1)


def _claim_batch(session: Session, size: int,
                 row_id: int | None = None) -> list[InboxDelivery]:
    """The `size` oldest waiting deliveries (or the one with `row_id`, if it still waits),
    locked so that no other worker takes them at the same time."""
    query = select(InboxDelivery).where(InboxDelivery.status == "new",
                                        InboxDelivery.attempts < MAX_ATTEMPTS)
    if row_id is not None:
        query = query.where(InboxDelivery.id == row_id)
    return list(session.scalars(query.order_by(InboxDelivery.attempts, InboxDelivery.id)
                                .limit(size).with_for_update(skip_locked=True)))


def _claim(session: Session, row_id: int | None = None) -> InboxDelivery | None:
    claimed = _claim_batch(session, 1, row_id)
    return claimed[0] if claimed else None


def _fault_pause(point: str) -> None:
    """Test hook for crash tests: pause at a named point until killed (never set in production)."""
    marker = os.environ.get("LOYALTY_FAULT_PAUSE_FILE")
    if marker and os.environ.get("LOYALTY_FAULT_PAUSE_AT") == point:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(3600)


def events_of(platform: str, topic: str, body: bytes, shop_ref: str) -> list:
    """The common events in a stored delivery (raises BadPayload or ValueError if unreadable)."""
    return REGISTRY[platform].parse(topic, json.loads(body), shop_ref)


def _shop_of(session: Session, row: InboxDelivery) -> Shop:
    """The delivery's shop, read once per transaction (a batch has many deliveries of one
    shop, and the session's identity map holds a loaded object only while it is referenced)."""
    shops = session.info.setdefault("shops", {})
    if row.shop_id not in shops:
        shops[row.shop_id] = session.get(Shop, row.shop_id)
    return shops[row.shop_id]


def process_delivery(session: Session, row: InboxDelivery, now: datetime) -> None:
    shop = _shop_of(session, row)
    if shop.status == "removed":  # accepted from a cache that had not yet heard of it
        outcomes = [("ignored", f"shop {shop.id} was removed")]
    else:
        events = events_of(row.platform, row.topic, row.body, shop.ref)
        outcomes = [apply_event(session, shop, event, now) for event in events]
    status = "done" if any(outcome == "done" for outcome, _ in outcomes) else "ignored"
    note = "; ".join(note for _, note in outcomes)[:2000] or None
    session.flush()
    # one prebuilt UPDATE, not the unit of work's; the loaded row shows the same (a rollback
    # expires it, and it is read again)
    run_prepared(session, _MARK_PROCESSED, flush=False, row_id=row.id, status=status,
                 note=note, at=now)
    for name, value in (("status", status), ("note", note), ("processed_at", now),
                        ("attempts", row.attempts + 1)):
        set_committed_value(row, name, value)
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
                profiles.queue_noted(session)
                finished = _outcome(row)
        except Exception as exc:  # the row must not block the queue; record why and move on
            if row_id is None:
                raise
            if _is_conflict(exc) and conflicts < CONFLICT_RETRIES:
                log.info("delivery.conflict", extra={"inbox_id": row_id, "error": str(exc)[:300]})
                wanted = row_id  # rolled back: run the same delivery again, now
                continue
            _record_failure(db, row_id, exc)
            return True
        _report(*finished)
        return True
    raise AssertionError("unreachable")


def _outcome(row: InboxDelivery) -> tuple:
    return row.id, row.status, row.note, row.received_at, row.processed_at


def _report(row_id: int, status: str, note: str | None, received_at: datetime,
            processed_at: datetime) -> None:
    """Once its transaction has committed: a processed delivery's log line and metrics."""
    log.info("delivery.processed", extra={"inbox_id": row_id, "status": status, "note": note})
    telemetry.delivery_processed(status, received_at, processed_at)


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


def _process_in_savepoint(session: Session, row: InboxDelivery) -> None:
    """One delivery of a batch on a database where workers race. A lost race with another
    worker (the same new customer, a deadlock) rolls back to the savepoint and runs the
    delivery again, which then sees the other worker's committed row; any other error rolls
    back the batch."""
    for conflicts in range(CONFLICT_RETRIES + 1):
        try:
            with session.begin_nested():
                process_delivery(session, row, utcnow())
            return
        except Exception as exc:
            if not (_is_conflict(exc) and conflicts < CONFLICT_RETRIES):
                raise
            log.info("delivery.conflict", extra={"inbox_id": row.id, "error": str(exc)[:300]})


def process_batch(db: Database, size: int = BATCH_SIZE) -> int:
    """Process up to `size` waiting deliveries in one transaction, stopping early once it has
    run for BATCH_SECONDS (on SQLite the transaction holds the write lock that webhooks wait
    for). Returns how many deliveries it took; 0 when none was waiting. After a rollback,
    another worker may finish some of them first: they count as taken all the same."""
    claimed: list[int] = []
    finished: list[tuple] = []
    try:
        with db.transaction() as session:
            deadline = time.monotonic() + BATCH_SECONDS
            while len(claimed) < size:
                rows = _claim_batch(session, min(CLAIM_CHUNK, size - len(claimed)))
                for row in rows:
                    claimed.append(row.id)
                    if db.is_sqlite:  # the write lock is held from BEGIN to COMMIT: no race
                        process_delivery(session, row, utcnow())
                    else:
                        _process_in_savepoint(session, row)
                    finished.append(_outcome(row))
                    if time.monotonic() >= deadline:
                        break
                if len(rows) < CLAIM_CHUNK or time.monotonic() >= deadline:
                    break
            profiles.queue_noted(session)  # once per customer, with the totals it ends with
    except Exception as exc:  # rolled back: each delivery again, on its own
        if not claimed:
            raise
        log.info("batch.rolled-back", extra={"inbox_ids": claimed, "error": str(exc)[:300]})
        for row_id in claimed:
            process_one(db, row_id)
        return len(claimed)
    for outcome in finished:
        _report(*outcome)
    return len(finished)


def drain(db: Database, limit: int | None = None) -> int:
    """Process deliveries until none are waiting (or `limit` were processed)."""
    done = 0
    while limit is None or done < limit:
        processed = process_batch(db, BATCH_SIZE if limit is None
                                  else min(BATCH_SIZE, limit - done))
        if not processed:
            break
        done += processed
    return done
