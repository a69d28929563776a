"""Push jobs: written in the ledger's transaction, run after it, retried until done or dead.

A job is claimed by moving its due time past a lease, so a worker that dies mid-call leaves it
to be retried when the lease ends. Transient failures back off exponentially with jitter;
permanent ones (and the last allowed attempt) mark the job dead, shown with its error.
Every attempt is recorded. This module is the queue; connector.pushing runs the jobs.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from connector.db import Database, run_prepared
from connector.models import OutboxJob
from connector.types import utcnow

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=120)
BASE_DELAY_SECONDS, MAX_DELAY_SECONDS = 2.0, 3600.0
_JOBS = OutboxJob.__table__
_JOB_BY_KEY = select(_JOBS.c.id).where(_JOBS.c.idempotency_key == bindparam("key")).limit(1)


def enqueue(session: Session, shop_id: int, kind: str, key: str, payload: dict) -> bool:
    if any(isinstance(job, OutboxJob) and job.idempotency_key == key for job in session.new):
        return False  # queued earlier in this transaction and not yet flushed
    if run_prepared(session, _JOB_BY_KEY, flush=False, key=key).first() is not None:
        return False
    session.add(OutboxJob(shop_id=shop_id, kind=kind, idempotency_key=key, status="pending",
                          payload=json.dumps(payload, sort_keys=True), attempts=0,
                          due_at=utcnow()))
    return True


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Equal jitter: a random delay between half and all of base * 2^(attempts-1), capped."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def claim(db: Database, now: datetime, wanted: int | None = None) -> int | None:
    """Lease the next due job (or job `wanted`, if it is due): its id, or None."""
    query = select(OutboxJob).where(OutboxJob.status == "pending", OutboxJob.due_at <= now)
    if wanted is not None:
        query = query.where(OutboxJob.id == wanted)
    with db.transaction() as session:
        job = session.scalar(query.order_by(OutboxJob.due_at, OutboxJob.id).limit(1)
                             .with_for_update(skip_locked=True))
        if job is None:
            return None
        job.due_at, job.attempts = now + LEASE, job.attempts + 1
        return job.id


def resume_shop(session: Session, shop_id: int) -> None:
    """After a reconnect: the shop's deferred jobs are due now."""
    session.execute(update(OutboxJob).where(OutboxJob.shop_id == shop_id,
                                            OutboxJob.status == "pending")
                    .values(due_at=utcnow()))
