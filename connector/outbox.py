"""Push jobs: written in the ledger's transaction, run after it, retried until done or dead.

A job is claimed by moving its due time past a lease, so a worker that dies mid-call leaves it
to be retried when the lease ends. Transient failures back off exponentially with jitter;
permanent ones (and the last allowed attempt) mark the job dead, shown with its error.
Every attempt is recorded.
"""
from __future__ import annotations

import json
import logging
import random
import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import REGISTRY, Credentials, TransportError
from connector.db import Database
from connector.models import OutboxAttempt, OutboxJob, Shop
from connector.secrets import SecretBox
from connector.types import utcnow

log = logging.getLogger("loyalty.outbox")
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=120)
BASE_DELAY_SECONDS, MAX_DELAY_SECONDS = 2.0, 3600.0


def enqueue(session: Session, shop_id: int, kind: str, key: str, payload: dict) -> bool:
    if session.scalar(select(OutboxJob.id).where(OutboxJob.idempotency_key == key)) is not None:
        return False
    session.add(OutboxJob(shop_id=shop_id, kind=kind, idempotency_key=key, status="pending",
                          payload=json.dumps(payload, sort_keys=True), attempts=0,
                          due_at=utcnow()))
    return True


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Equal jitter: a random delay between half and all of base * 2^(attempts-1), capped."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def _claim(db: Database, now: datetime) -> int | None:
    with db.transaction() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.status == "pending",
                                                     OutboxJob.due_at <= now)
                             .order_by(OutboxJob.due_at, OutboxJob.id).limit(1)
                             .with_for_update(skip_locked=True))
        if job is None:
            return None
        job.due_at, job.attempts = now + LEASE, job.attempts + 1
        return job.id


def _credentials(shop: Shop, box: SecretBox) -> Credentials:
    def plain(value: str | None) -> str | None:
        return box.decrypt(value) if value else None
    return Credentials(shop.ref, shop.api_base, plain(shop.api_key_enc), plain(shop.api_secret_enc))


def _call(job: OutboxJob, shop: Shop, box: SecretBox) -> None:
    payload = json.loads(job.payload)
    adapter = REGISTRY[shop.platform]
    if shop.status != "active":
        raise TransportError(f"shop {shop.id} is {shop.status}: not pushing", permanent=True)
    if job.kind == "customer.tier":
        adapter.push_tier(_credentials(shop, box), payload["customer_ref"], payload["tag"],
                          payload["previous_tag"])
        return
    raise TransportError(f"unknown job kind {job.kind!r}", permanent=True)


def run_one(db: Database, box: SecretBox) -> bool:
    """Run the next due job. False when none is due."""
    job_id = _claim(db, utcnow())
    if job_id is None:
        return False
    with db.reading() as session:
        job = session.get(OutboxJob, job_id)
        shop = session.get(Shop, job.shop_id)
    started = time.monotonic()
    try:
        _call(job, shop, box)
        outcome, error = "ok", None
    except TransportError as exc:
        outcome, error = ("permanent" if exc.permanent else "transient"), str(exc)
    _finish(db, job_id, outcome, error, int((time.monotonic() - started) * 1000))
    return True


def _finish(db: Database, job_id: int, outcome: str, error: str | None, duration_ms: int) -> None:
    with db.transaction() as session:
        job = session.get(OutboxJob, job_id)
        session.add(OutboxAttempt(job_id=job_id, outcome=outcome, duration_ms=duration_ms,
                                  detail=error))
        if outcome == "ok":
            job.status, job.done_at, job.last_error = "done", utcnow(), None
        elif outcome == "permanent" or job.attempts >= MAX_ATTEMPTS:
            job.status, job.last_error = "dead", error
        else:
            job.due_at, job.last_error = utcnow() + backoff(job.attempts), error
    log.log(logging.INFO if outcome == "ok" else logging.WARNING, f"push.{outcome}",
            extra={"job_id": job_id, "error": error, "duration_ms": duration_ms})


def drain(db: Database, box: SecretBox, limit: int | None = None) -> int:
    done = 0
    while (limit is None or done < limit) and run_one(db, box):
        done += 1
    return done
