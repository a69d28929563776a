"""The inbox of received deliveries and the outbox of push jobs: the source of truth for work."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.models.base import Base, IdMixin
from connector.types import BigId, UTCDateTime, utcnow

INBOX_STATUSES = ("new", "done", "ignored", "failed")


class InboxDelivery(Base):
    """A verified webhook delivery, recorded before it is acknowledged.

    Inserted by the lean acknowledgement path with plain SQL (connector.intake), so its columns
    have server-independent defaults given there, not ORM defaults.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "shop_id", "dedupe_key"),
        Index("ix_inbox_status_id", "status", "id"),
        Index("ix_inbox_status_attempts_id", "status", "attempts", "id"),  # the worker's claim
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="new")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)  # why ignored, or the last error


class OutboxJob(IdMixin, Base):
    """A call to make to a platform (create a code, set a tier), retried until done or dead."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(50))
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|done|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxAttempt(IdMixin, Base):
    __tablename__ = "outbox_attempts"
    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("outbox.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # ok|transient|permanent
    duration_ms: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
