"""Is a store still talking to us? Reads over the inbox, the webhooks we registered and the
push jobs that failed for good, for the admin's shop pages. Reads only: nothing here writes."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.models import InboxDelivery, OutboxJob, ShopWebhook

RECENT = timedelta(days=7)  # the window of the counts shown beside each shop
FAILURES_SHOWN = 10


@dataclass(frozen=True)
class TopicHealth:
    """The last delivery received on one topic, and what became of it."""

    topic: str
    received_at: datetime
    status: str  # INBOX_STATUSES
    note: str | None


@dataclass(frozen=True)
class FailedDelivery:
    delivery_id: int
    topic: str
    received_at: datetime
    note: str | None


@dataclass(frozen=True)
class ShopHealth:
    """One line of the shops list: the last delivery, failures lately, dead push jobs."""

    last_delivery_at: datetime | None
    failures: int  # deliveries that failed in the RECENT window
    dead_jobs: int


def last_per_topic(session: Session, shop_id: int) -> list[TopicHealth]:
    """The latest delivery of each topic the shop has sent, by topic."""
    latest = (select(func.max(InboxDelivery.id).label("id"))
              .where(InboxDelivery.shop_id == shop_id).group_by(InboxDelivery.topic)
              .subquery())
    rows = session.execute(
        select(InboxDelivery.topic, InboxDelivery.received_at, InboxDelivery.status,
               InboxDelivery.note)
        .join(latest, latest.c.id == InboxDelivery.id).order_by(InboxDelivery.topic))
    return [TopicHealth(*row) for row in rows]


def counts_by_status(session: Session, shop_id: int, since: datetime) -> dict[str, int]:
    """How many deliveries the shop sent since `since`, per status (new, done, ...)."""
    rows = session.execute(
        select(InboxDelivery.status, func.count())
        .where(InboxDelivery.shop_id == shop_id, InboxDelivery.received_at >= since)
        .group_by(InboxDelivery.status))
    return {status: count for status, count in rows}


def latest_failures(session: Session, shop_id: int, limit: int = FAILURES_SHOWN
                    ) -> list[FailedDelivery]:
    """The shop's most recent deliveries that could not be processed, with why."""
    rows = session.execute(
        select(InboxDelivery.id, InboxDelivery.topic, InboxDelivery.received_at,
               InboxDelivery.note)
        .where(InboxDelivery.shop_id == shop_id, InboxDelivery.status == "failed")
        .order_by(InboxDelivery.id.desc()).limit(limit))
    return [FailedDelivery(*row) for row in rows]


def registered_webhooks(session: Session, shop_id: int) -> list[ShopWebhook]:
    return list(session.scalars(select(ShopWebhook).where(ShopWebhook.shop_id == shop_id)
                                .order_by(ShopWebhook.topic)))


def shop_health(session: Session, shop_ids: Iterable[int], since: datetime
                ) -> dict[int, ShopHealth]:
    """Per shop of `shop_ids`: last delivery time, failed deliveries since `since`, dead jobs."""
    wanted = list(shop_ids)
    last = dict(session.execute(
        select(InboxDelivery.shop_id, func.max(InboxDelivery.received_at))
        .where(InboxDelivery.shop_id.in_(wanted)).group_by(InboxDelivery.shop_id)).all())
    failures = dict(session.execute(
        select(InboxDelivery.shop_id, func.count())
        .where(InboxDelivery.shop_id.in_(wanted), InboxDelivery.status == "failed",
               InboxDelivery.received_at >= since)
        .group_by(InboxDelivery.shop_id)).all())
    dead = dict(session.execute(
        select(OutboxJob.shop_id, func.count())
        .where(OutboxJob.shop_id.in_(wanted), OutboxJob.status == "dead")
        .group_by(OutboxJob.shop_id)).all())
    return {shop_id: ShopHealth(last.get(shop_id), failures.get(shop_id, 0),
                                dead.get(shop_id, 0)) for shop_id in wanted}
