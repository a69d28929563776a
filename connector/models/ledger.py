"""The append-only points ledger and the redemptions that spend from it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.models.base import Base, IdMixin
from connector.types import BigId, UTCDateTime

ENTRY_KINDS = ("earn", "pending", "release", "bonus", "redeem", "clawback", "expire", "adjust")


class LedgerEntry(IdMixin, Base):
    """One signed movement of points. Never updated, never deleted.

    `lot` names the earning lot a movement belongs to (the source key of the entry that opened
    it); `available_at` is when the lot leaves its pending period, `expires_at` when it expires.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("shop_id", "source_key"),
        Index("ix_ledger_entries_customer_available", "customer_id", "available_at"),
    )
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[int] = mapped_column(BigInteger)
    lot: Mapped[str | None] = mapped_column(String(200), index=True)
    program_version_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("program_versions.id"))
    source_key: Mapped[str] = mapped_column(String(300))
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(200), default="system")


class Redemption(IdMixin, Base):
    """A reward bought with points; `code` is deterministic (DESIGN.md "Pushing back")."""

    __tablename__ = "redemptions"
    __table_args__ = (UniqueConstraint("shop_id", "request_id"),)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(100))
    reward_id: Mapped[str] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|issued|failed|cancelled
    detail: Mapped[str | None] = mapped_column(Text)  # why the store refused the code
