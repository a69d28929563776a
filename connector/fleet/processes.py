"""The two long-running processes of the scale-out mode besides gunicorn.

`loyalty worker`: a Dramatiq worker (threads taking messages from both queues) plus a heartbeat
for /healthz. `loyalty scheduler`: the sweep and the periodic chores. Both stop cleanly when
`stop` is set (SIGTERM): the worker finishes the messages it holds, unacked ones go back.
"""
from __future__ import annotations

import logging
import threading

from connector.fleet.dispatch import BrokerDispatch
from connector.fleet.sweeper import Sweep
from connector.fleet.tasks import declare
from connector.services import Services
from connector.types import utcnow
from connector.worker import Chores, beat, referral_jobs, worker_name

log = logging.getLogger("loyalty.fleet")
STOP_TIMEOUT_MS = 15_000


def _dispatch(services: Services) -> BrokerDispatch:
    dispatch = services.dispatch
    assert isinstance(dispatch, BrokerDispatch), "LOYALTY_BROKER_URL is not set"
    return dispatch


def run_worker(services: Services, stop: threading.Event) -> None:
    import dramatiq

    fleet = services.config.fleet
    assert fleet is not None
    broker = _dispatch(services).broker
    declare(broker, services)
    worker = dramatiq.Worker(broker, worker_threads=fleet.worker_threads, worker_timeout=200)
    name = worker_name()
    worker.start()
    log.info("worker.started", extra={"worker": name, "broker": fleet.kind,
                                      "threads": fleet.worker_threads})
    try:
        while not stop.is_set():
            try:
                beat(services.db, name)
            except Exception:  # the database is down: the actors wait and retry too
                log.exception("worker.error")
            stop.wait(services.config.worker_poll_seconds * 5)
    finally:
        worker.stop(timeout=STOP_TIMEOUT_MS)
        broker.close()
        log.info("worker.stopped", extra={"worker": name})


def run_scheduler(services: Services, stop: threading.Event) -> None:
    fleet = services.config.fleet
    assert fleet is not None
    sweep = Sweep(_dispatch(services), fleet, fleet.sweep_seconds)
    chores = Chores(services)
    log.info("scheduler.started", extra={"sweep_seconds": fleet.sweep_seconds})
    while not stop.is_set():
        try:
            sent = sweep.run(services.db, utcnow())
            if sent:
                log.info("fleet.swept", extra={"resent": sent})
            referral_jobs(services)
            chores.run_due()
        except Exception:  # a database or broker outage must not end the scheduler
            log.exception("scheduler.error")
        stop.wait(fleet.sweep_seconds)
    log.info("scheduler.stopped", extra={"resent": sweep.resent})
