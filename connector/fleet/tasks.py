"""The Dramatiq actors of a worker process. Each takes a row id, claims the row with a lock
and does what the embedded worker would do with it; a row that is done already, or taken by
another worker, makes the message a no-op. Calls to one store share a budget across every
worker (a keyed window rate limiter in Redis): over it, the message comes back a little later.
"""
from __future__ import annotations

import logging
import random

from sqlalchemy import select

from connector import pipeline, pushing
from connector.fleet import broker as brokers
from connector.models import OutboxJob
from connector.services import Services

log = logging.getLogger("loyalty.fleet")
TIME_LIMIT_MS = 120_000  # a push waits on a store at most LOYALTY_PUSH_TIMEOUT_SECONDS a try
WINDOW_SECONDS = 1  # Dramatiq's windows are in seconds


def declare(broker, services: Services) -> dict:
    """Declare the actors on `broker`, bound to `services`; returns them by name."""
    import dramatiq
    from dramatiq.rate_limits import WindowRateLimiter

    fleet = services.config.fleet
    assert fleet is not None, "the actors run in the scale-out mode only"
    budgets = brokers.rate_limit_backend(fleet)

    def process_delivery(inbox_id: int) -> None:
        if pipeline.process_one(services.db, inbox_id):
            log.debug("fleet.delivery-processed", extra={"inbox_id": inbox_id})

    def run_push_job(job_id: int) -> None:
        with services.db.reading() as session:
            shop_id = session.scalar(select(OutboxJob.shop_id).where(OutboxJob.id == job_id))
        if shop_id is None:
            return
        budget = WindowRateLimiter(budgets, f"{fleet.prefix}:shop-calls:{shop_id}",
                                   limit=fleet.shop_calls_per_second, window=WINDOW_SECONDS)
        with budget.acquire(raise_on_failure=False) as acquired:
            if acquired:
                pushing.run_one(services, job_id)
                return
        delay = int(1000 * WINDOW_SECONDS * random.uniform(0.5, 1.5))  # the store's budget is spent
        services.dispatch.send(fleet.outbox_queue, brokers.RUN_PUSH_JOB, job_id, delay)

    return {
        brokers.PROCESS_DELIVERY: dramatiq.actor(
            process_delivery, broker=broker, actor_name=brokers.PROCESS_DELIVERY,
            queue_name=fleet.inbox_queue, time_limit=TIME_LIMIT_MS),
        brokers.RUN_PUSH_JOB: dramatiq.actor(
            run_push_job, broker=broker, actor_name=brokers.RUN_PUSH_JOB,
            queue_name=fleet.outbox_queue, time_limit=TIME_LIMIT_MS),
    }
