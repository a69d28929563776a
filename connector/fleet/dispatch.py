"""Telling the workers that rows are ready, after the transaction that wrote them commits.

Embedded, nobody is told: the in-process worker polls the tables. In the scale-out mode each
new inbox row and outbox job becomes one broker message. A message that cannot be sent (the
broker is down) is only logged: the row is committed, and the scheduler's sweep re-sends it.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from connector.fleet import broker as brokers
from connector.fleet_config import Fleet
from connector.models import OutboxJob

log = logging.getLogger("loyalty.fleet")
QUIET_SECONDS = 2.0  # after a failed send, skip sending this long: the ack path stays fast
NEW_JOBS = "loyalty_new_outbox_jobs"


class InProcess:
    """The embedded default: the worker in the web process polls the tables."""

    def deliveries_recorded(self, ids: Sequence[int]) -> None:
        pass

    def jobs_created(self, ids: Sequence[int]) -> None:
        pass


class BrokerDispatch:
    """Sends one message per ready row, best effort (the sweep makes up for a lost one)."""

    def __init__(self, fleet: Fleet, broker=None):
        self._fleet = fleet
        self._broker = broker
        self._lock = threading.Lock()
        self._quiet_until = 0.0
        self._errors = brokers.send_errors(fleet)
        self.failures = 0

    @property
    def broker(self):
        with self._lock:
            if self._broker is None:
                self._broker = brokers.make_broker(self._fleet)
            return self._broker

    def deliveries_recorded(self, ids: Sequence[int]) -> None:
        self._send(self._fleet.inbox_queue, brokers.PROCESS_DELIVERY, ids)

    def jobs_created(self, ids: Sequence[int]) -> None:
        self._send(self._fleet.outbox_queue, brokers.RUN_PUSH_JOB, ids)

    def send(self, queue: str, actor: str, row_id: int, delay_ms: int | None = None) -> bool:
        """Send one message now (or after `delay_ms`); False if the broker refused it."""
        from dramatiq import Message

        message = Message(queue_name=queue, actor_name=actor, args=(row_id,), kwargs={},
                          options={})
        try:
            self.broker.enqueue(message, delay=delay_ms)
        except self._errors as exc:  # the row is committed: the sweep will send it again
            self.failures += 1
            self._quiet_until = time.monotonic() + QUIET_SECONDS
            log.warning("fleet.send-failed", extra={"queue": queue, "row_id": row_id,
                                                    "error": f"{type(exc).__name__}: {exc}"})
            return False
        return True

    def _send(self, queue: str, actor: str, ids: Sequence[int]) -> None:
        for row_id in ids:
            if time.monotonic() < self._quiet_until or not self.send(queue, actor, row_id):
                return


def announce_new_jobs(sessions: sessionmaker, dispatch: InProcess | BrokerDispatch) -> None:
    """Have every session of `sessions` announce the outbox jobs it inserted, once committed."""

    @event.listens_for(sessions, "after_flush")
    def _collect(session: Session, _context) -> None:
        ids = [row.id for row in session.new if isinstance(row, OutboxJob)]
        if ids:
            session.info.setdefault(NEW_JOBS, []).extend(ids)

    @event.listens_for(sessions, "after_commit")
    def _announce(session: Session) -> None:
        ids = session.info.pop(NEW_JOBS, None)
        if ids:
            dispatch.jobs_created(ids)

    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(NEW_JOBS, None)


def dispatcher(fleet: Fleet | None) -> InProcess | BrokerDispatch:
    return InProcess() if fleet is None else BrokerDispatch(fleet)
