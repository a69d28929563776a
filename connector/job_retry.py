"""Retrying push jobs that failed for good (dead), by hand from the admin or `loyalty jobs`.

A retried job gets a fresh run of attempts, due now; its earlier attempts stay on record. A
discount code whose job died gave the customer's points back, so retrying it spends them again
first-in-first-out (refused, with the reason, when the customer no longer has them).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.ledger import write_entry
from connector.models import Customer, LedgerEntry, OutboxJob, Redemption
from connector.redemptions import customer_lots
from rules import redemption as lots_rules


class RetryRefused(ValueError):
    """The job cannot be retried; the message says why."""


def dead_jobs(session: Session, shop_ids: Iterable[int] | None = None) -> list[OutboxJob]:
    """Jobs that failed for good, newest first; only these shops' when `shop_ids` is given."""
    query = select(OutboxJob).where(OutboxJob.status == "dead")
    if shop_ids is not None:
        query = query.where(OutboxJob.shop_id.in_(list(shop_ids)))
    return list(session.scalars(query.order_by(OutboxJob.id.desc())))


def retry(session: Session, job: OutboxJob, now: datetime) -> None:
    """Make a dead job due again (raises RetryRefused for one that is not dead)."""
    if job.status != "dead":
        raise RetryRefused(f"job {job.id} is {job.status}, not failed: only failed jobs are "
                           "retried")
    if job.kind == "discount.create":
        _spend_again(session, json.loads(job.payload)["redemption_id"], now)
    job.status, job.attempts, job.due_at = "pending", 0, now


def retry_all(session: Session, shop_ids: Iterable[int] | None, now: datetime
              ) -> tuple[int, list[str]]:
    """Retry every dead job (of these shops): (jobs retried, why each refused one was)."""
    retried, refused = 0, []
    for job in dead_jobs(session, shop_ids):
        try:
            with session.begin_nested():
                retry(session, job, now)
            retried += 1
        except RetryRefused as exc:
            refused.append(f"job {job.id}: {exc}")
    return retried, refused


def _spend_again(session: Session, redemption_id: int, now: datetime) -> None:
    record = session.get(Redemption, redemption_id)
    if record is None or record.status != "failed":
        return  # cancelled meanwhile, or never settled as failed: nothing was given back
    customer = session.get(Customer, record.customer_id)
    session.refresh(customer, with_for_update=True)
    if record.points:
        try:
            taken = lots_rules.allocate(customer_lots(session, customer), record.points, now)
        except lots_rules.InsufficientPoints as exc:
            raise RetryRefused(f"the customer no longer has the {record.points} points for "
                               f"code {record.code} ({exc.available} available)") from None
        round_ = _retries_so_far(session, record) + 1
        for lot_id, amount in taken:
            shop_id, lot = lot_id.split("|", 1)
            write_entry(session, customer, LedgerEntry(
                shop_id=int(shop_id), kind="redeem", points=-amount, lot=lot,
                source_key=f"redeem:{record.id}:retry{round_}:{lot}", available_at=now,
                reason=f"reward {record.reward_id} ({record.code}), retried", created_at=now))
    record.status, record.detail = "pending", None


def _retries_so_far(session: Session, record: Redemption) -> int:
    keys = session.scalars(select(LedgerEntry.source_key).where(
        LedgerEntry.customer_id == record.customer_id,
        LedgerEntry.source_key.like(f"redeem:{record.id}:retry%"), LedgerEntry.points < 0))
    return len({key.split(":")[2] for key in keys})
