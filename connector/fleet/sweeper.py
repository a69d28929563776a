"""The sweep: re-send the rows that are ready but that no worker has taken.

A message can be lost (the broker restarted and kept nothing, a web process died between its
commit and its send, the broker was down at the time). Every `sweep_seconds` the scheduler
looks for deliveries still new and push jobs due for longer than one sweep, and sends each
again; it remembers what it sent, so a long backlog is re-sent once every few sweeps, not on
every one. A re-sent row that a worker is about to take makes the second message a no-op.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from connector.db import Database
from connector.fleet import broker as brokers
from connector.fleet.dispatch import BrokerDispatch
from connector.fleet_config import Fleet
from connector.models import InboxDelivery, OutboxJob
from connector.pipeline import MAX_ATTEMPTS

BATCH = 2000  # rows of each table per sweep
RESEND_AFTER_SWEEPS = 6


@dataclass
class Sweep:
    dispatch: BrokerDispatch
    fleet: Fleet
    every: float  # seconds between sweeps: also how long a row may wait untaken
    sent_at: dict[tuple[str, int], float] = field(default_factory=dict)
    resent: int = 0  # messages re-sent since start

    def _waiting(self, db: Database, now: datetime) -> list[tuple[str, int]]:
        before = now - timedelta(seconds=self.every)
        with db.reading() as session:
            deliveries = session.scalars(
                select(InboxDelivery.id).where(InboxDelivery.status == "new",
                                               InboxDelivery.attempts < MAX_ATTEMPTS,
                                               InboxDelivery.received_at <= before)
                .order_by(InboxDelivery.id).limit(BATCH))
            jobs = session.scalars(
                select(OutboxJob.id).where(OutboxJob.status == "pending",
                                           OutboxJob.due_at <= before)
                .order_by(OutboxJob.due_at).limit(BATCH))
            return ([(brokers.PROCESS_DELIVERY, row) for row in deliveries]
                    + [(brokers.RUN_PUSH_JOB, row) for row in jobs])

    def run(self, db: Database, now: datetime) -> int:
        """Re-send what waits; the number of messages sent."""
        clock = time.monotonic()
        memory = self.every * RESEND_AFTER_SWEEPS
        self.sent_at = {key: at for key, at in self.sent_at.items() if clock - at < memory}
        sent = 0
        queues = {brokers.PROCESS_DELIVERY: self.fleet.inbox_queue,
                   brokers.RUN_PUSH_JOB: self.fleet.outbox_queue}
        for actor, row_id in self._waiting(db, now):
            if (actor, row_id) in self.sent_at:
                continue
            if not self.dispatch.send(queues[actor], actor, row_id):
                break  # the broker is down: try again next sweep
            self.sent_at[(actor, row_id)] = clock
            sent += 1
        self.resent += sent
        return sent
