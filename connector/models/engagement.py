"""Referral and share links, the visits through them, referral decisions, and member notices."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.models.base import Base, IdMixin
from connector.types import BigId, UTCDateTime

REFERRAL_STATUSES = ("refused", "awaiting", "released", "cancelled")


class ReferralLink(IdMixin, Base):
    """A customer's own referral code, one per customer per program; `/r/<code>` sends a friend
    to `shop_id`'s storefront."""

    __tablename__ = "referral_links"
    __table_args__ = (UniqueConstraint("program_id", "code"),
                      UniqueConstraint("program_id", "customer_id"))
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("programs.id"))
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    code: Mapped[str] = mapped_column(String(32))


class ShareLink(IdMixin, Base):
    """A customer's link to one page of the store, to share; `/s/<code>` redirects to it."""

    __tablename__ = "share_links"
    __table_args__ = (UniqueConstraint("program_id", "code"),
                      UniqueConstraint("customer_id", "target_hash"))
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("programs.id"))
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    target_url: Mapped[str] = mapped_column(Text)
    target_hash: Mapped[str] = mapped_column(String(64))
    creator_visitor: Mapped[str | None] = mapped_column(String(64))  # the sharer's fingerprint


class LinkVisit(IdMixin, Base):
    """One visit through a referral or share link: who (hashed), when, and whether it counted."""

    __tablename__ = "link_visits"
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("programs.id"))
    kind: Mapped[str] = mapped_column(String(10))  # referral | share
    code: Mapped[str] = mapped_column(String(32), index=True)
    network: Mapped[str | None] = mapped_column(String(20))
    visitor: Mapped[str] = mapped_column(String(64))  # keyed hash of IP and user agent
    ip_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    points: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Referral(IdMixin, Base):
    """The decision on one friend's order attributed to a referrer, with every fraud rule's
    inputs and outcome (`decision`, JSON from rules.referral), and what became of it."""

    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("shop_id", "order_id"),)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    order_id: Mapped[str] = mapped_column(String(100))
    program_version_id: Mapped[int | None] = mapped_column(BigId,
                                                           ForeignKey("program_versions.id"))
    referrer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    friend_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    code: Mapped[str] = mapped_column(String(32))
    attributed_by: Mapped[str] = mapped_column(String(20))  # landing | coupon
    status: Mapped[str] = mapped_column(String(10))  # REFERRAL_STATUSES
    refused_by: Mapped[str | None] = mapped_column(String(50))
    decision: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    friend_redemption_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("redemptions.id"))
    note: Mapped[str | None] = mapped_column(Text)


NOTICE_STATUSES = ("due", "sending", "sent", "failed", "skipped")


class Notice(IdMixin, Base):
    """An e-mail the program owes a member (birthday, points about to expire), recorded once
    under `key` when due and sent by the mailer."""

    __tablename__ = "notices"
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(30))  # birthday | expiry-reminder
    key: Mapped[str] = mapped_column(String(300), unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="due", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
