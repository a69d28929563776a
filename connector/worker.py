"""The worker loop: drain the inbox, run push jobs, expire lots, re-place tiers, settle
referrals, send birthday and expiry e-mails, reconcile recent orders (WooCommerce never re-sends
a failed delivery), beat a heartbeat for /healthz."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time

from sqlalchemy import select

from connector import notices, pipeline, pushing, referrals, telemetry
from connector.backfill import reconcile_recent
from connector.db import Database
from connector.ledger import expire_due_lots
from connector.models import WorkerHeartbeat
from connector.placement import replace_due
from connector.redemptions import CODE_PURPOSE
from connector.services import Services
from connector.types import utcnow

log = logging.getLogger("loyalty.worker")
HOUSEKEEPING_SECONDS = 60.0
TIER_REVIEW_SECONDS = 3600.0
NOTICE_SECONDS = 3600.0  # birthdays and expiry reminders: recorded once, so re-runs send nothing


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(db: Database, name: str) -> None:
    with db.transaction() as session:
        row = session.get(WorkerHeartbeat, name)
        if row is None:
            session.add(WorkerHeartbeat(name=name, beat_at=utcnow()))
        else:
            row.beat_at = utcnow()
    telemetry.worker_beat(time.time())


def latest_beat_age(db: Database) -> float | None:
    with db.reading() as session:
        latest = session.scalar(select(WorkerHeartbeat.beat_at)
                                .order_by(WorkerHeartbeat.beat_at.desc()).limit(1))
    return None if latest is None else (utcnow() - latest).total_seconds()


def housekeeping(db: Database) -> None:
    with db.transaction() as session:
        expired = expire_due_lots(session, utcnow())
    if expired:
        log.info("ledger.lots-expired", extra={"lots": expired})


def referral_jobs(services: Services) -> int:
    """Issue approved referrals' friend codes, and credit referrers whose wait is over."""
    with services.db.transaction() as session:
        issued = referrals.issue_friend_codes(session, utcnow(),
                                              services.box.derive(CODE_PURPOSE))
        released = referrals.release_due(session, utcnow())
    if issued or released:
        log.info("referrals.settled", extra={"friend_codes": issued, "released": released})
    return issued + released


def review_tiers(db: Database) -> None:
    with db.transaction() as session:
        changed = replace_due(session, utcnow())
    if changed:
        log.info("tiers.replaced", extra={"customers": changed})


class Chores:
    """The periodic work beside the queues: expire lots and settle referrals every minute,
    birthdays and reminders and tier reviews hourly (each idempotent), reconcile recent orders
    every LOYALTY_RECONCILE_MINUTES. The embedded worker and the scheduler both run these."""

    def __init__(self, services: Services):
        self.services = services
        self.last_housekeeping = self.last_tier_review = self.last_notices = 0.0
        self.reconcile_every = services.config.reconcile_minutes * 60
        self.last_reconcile = time.monotonic()

    def run_due(self) -> None:
        services, now = self.services, time.monotonic()
        if now - self.last_housekeeping > HOUSEKEEPING_SECONDS:
            housekeeping(services.db)
            referral_jobs(services)
            self.last_housekeeping = time.monotonic()
        if now - self.last_notices > NOTICE_SECONDS:
            self.last_notices = now  # idempotent, so hourly is safe
            notices.run_daily(services, utcnow())
        if now - self.last_tier_review > TIER_REVIEW_SECONDS:
            review_tiers(services.db)
            self.last_tier_review = time.monotonic()
        if self.reconcile_every and now - self.last_reconcile > self.reconcile_every:
            self.last_reconcile = now  # before, so a failing store is not hammered
            reconcile_recent(services, utcnow())


def run(services: Services, stop: threading.Event) -> None:
    """Work until `stop` is set. Safe to run beside other workers: rows are claimed one by one."""
    db, poll_seconds = services.db, services.config.worker_poll_seconds
    name = worker_name()
    log.info("worker.started", extra={"worker": name})
    chores = Chores(services)
    while not stop.is_set():
        try:
            beat(db, name)
            chores.run_due()
            processed = pipeline.drain(db, limit=500)
            if processed:
                referral_jobs(services)
            processed += pushing.drain(services, limit=100)
        except Exception:  # a database outage must not kill the worker: wait and retry
            log.exception("worker.error")
            processed = 0
        if not processed:
            stop.wait(poll_seconds)
    log.info("worker.stopped", extra={"worker": name})


def start_thread(services: Services) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(services, stop), name="loyalty-worker",
                              daemon=True)
    thread.start()
    return thread, stop
