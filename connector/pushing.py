"""Running due outbox jobs against the platforms, recording every attempt.

Transient failures back off (connector.outbox.backoff); permanent ones, and the last allowed
attempt, mark the job dead and settle what waited on it. Keys the store refuses (401/403)
disconnect the shop: its jobs then wait, uncounted, until it is reconnected.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from adapters import TransportError
from connector import push_jobs, telemetry
from connector.db import Database
from connector.models import OutboxAttempt, OutboxJob, Shop
from connector.outbox import MAX_ATTEMPTS, backoff, claim
from connector.services import Services
from connector.types import utcnow

log = logging.getLogger("loyalty.outbox")
DISCONNECTED_RETRY = timedelta(minutes=15)


def _defer(db: Database, job_id: int, note: str) -> None:
    """Leave the job pending for a later try without counting it: the shop must reconnect."""
    with db.transaction() as session:
        job = session.get(OutboxJob, job_id)
        job.attempts -= 1
        job.due_at, job.last_error = utcnow() + DISCONNECTED_RETRY, note
        session.add(OutboxAttempt(job_id=job_id, outcome="deferred", duration_ms=0, detail=note))


def run_one(services: Services, wanted: int | None = None) -> bool:
    """Run the next due job (or job `wanted`, if it is due). False when none is due."""
    db = services.db
    job_id = claim(db, utcnow(), wanted)
    if job_id is None:
        return False
    with db.reading() as session:
        job = session.get(OutboxJob, job_id)
        shop = session.get(Shop, job.shop_id)
    if shop.status == "disconnected":
        _defer(db, job_id, f"shop {shop.id} is disconnected: {shop.status_note or 'reconnect it'}")
        return True
    started = time.monotonic()
    revoked = False
    try:
        if shop.status != "active":
            raise TransportError(f"shop {shop.id} is {shop.status}: not pushing", permanent=True)
        push_jobs.run(services, job, shop)
        outcome, error = "ok", None
    except TransportError as exc:
        outcome, error = ("permanent" if exc.permanent else "transient"), str(exc)
        revoked = exc.revoked
    elapsed = time.monotonic() - started
    telemetry.push_attempted(job.kind, outcome, elapsed)
    duration_ms = int(elapsed * 1000)
    if revoked:
        _disconnect(db, shop.id, error or "")
        _defer(db, job_id, error or "")
    else:
        _finish(db, job_id, outcome, error, duration_ms)
    return True


def _disconnect(db: Database, shop_id: int, reason: str) -> None:
    with db.transaction() as session:
        shop = session.get(Shop, shop_id)
        shop.status, shop.status_note = "disconnected", reason[:2000]
    log.warning("shop.disconnected", extra={"shop_id": shop_id, "error": reason})


def _finish(db: Database, job_id: int, outcome: str, error: str | None, duration_ms: int) -> None:
    dead_kind = None
    with db.transaction() as session:
        job = session.get(OutboxJob, job_id)
        session.add(OutboxAttempt(job_id=job_id, outcome=outcome, duration_ms=duration_ms,
                                  detail=error))
        if outcome == "ok":
            job.status, job.done_at, job.last_error = "done", utcnow(), None
            push_jobs.settle(session, job, True, None, utcnow())
        elif outcome == "permanent" or job.attempts >= MAX_ATTEMPTS:
            job.status, job.last_error = "dead", error
            push_jobs.settle(session, job, False, error, utcnow())
            dead_kind = job.kind
        else:
            job.due_at, job.last_error = utcnow() + backoff(job.attempts), error
    if dead_kind is not None:
        telemetry.push_job_dead(dead_kind)
    log.log(logging.INFO if outcome == "ok" else logging.WARNING, f"push.{outcome}",
            extra={"job_id": job_id, "error": error, "duration_ms": duration_ms})


def drain(services: Services, limit: int | None = None) -> int:
    done = 0
    while (limit is None or done < limit) and run_one(services):
        done += 1
    return done
