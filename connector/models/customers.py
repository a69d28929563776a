"""Customers are one per program, by normalised e-mail, with each shop's platform id beside."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.models.base import Base, IdMixin
from connector.types import BigId, Money, UTCDateTime


class Customer(IdMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("program_id", "email"),)
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("programs.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))  # None once redacted
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[date | None] = mapped_column(Date)
    accepts_marketing: Mapped[bool | None] = mapped_column(Boolean)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a member since (None: not)
    # Caches of sums over ledger_entries; `loyalty ledger verify` recomputes them.
    points_total: Mapped[int] = mapped_column(BigInteger, default=0)  # available + pending
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    tier: Mapped[str | None] = mapped_column(String(100))
    tier_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier_grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # pending downgrade


class CustomerAccount(IdMixin, Base):
    """A customer's id on one shop's platform (guests have none)."""

    __tablename__ = "customer_accounts"
    __table_args__ = (UniqueConstraint("shop_id", "platform_customer_id"),)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    platform_customer_id: Mapped[str] = mapped_column(String(100))


class OrderState(IdMixin, Base):
    """The latest cumulative fact we applied for one platform order, and what it earned with."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "order_id"),)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    order_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    program_version_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("program_versions.id"))
    multiplier: Mapped[Decimal] = mapped_column(Money, default=Decimal(1))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    merchandise: Mapped[Decimal] = mapped_column(Money)
    refunded: Mapped[Decimal] = mapped_column(Money)
    net_spend: Mapped[Decimal] = mapped_column(Money)  # qualifying spend for tiers
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    platform_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    credited: Mapped[int] = mapped_column(BigInteger, default=0)
    fact: Mapped[str | None] = mapped_column(Text)  # the last applied OrderEvent (JSON)


class OrderRefund(IdMixin, Base):
    """A refund reported on its own (Shopify refunds/create); an order's refunded merchandise
    is the larger of what its latest body says and the sum of these, by refund id."""

    __tablename__ = "order_refunds"
    __table_args__ = (UniqueConstraint("shop_id", "order_id", "refund_id"),)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    order_id: Mapped[str] = mapped_column(String(100))
    refund_id: Mapped[str] = mapped_column(String(100))
    merchandise: Mapped[Decimal] = mapped_column(Money)


class TierChange(IdMixin, Base):
    """A customer's move between tiers, for the admin's tier history (None: no tier)."""

    __tablename__ = "tier_changes"
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    from_tier: Mapped[str | None] = mapped_column(String(100))
    to_tier: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(300), default="")
