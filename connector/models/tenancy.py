"""Who owns what: merchants own programs; shops run one program; programs have versions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.models.base import Base, IdMixin
from connector.types import BigId, UTCDateTime


class Merchant(IdMixin, Base):
    __tablename__ = "merchants"
    name: Mapped[str] = mapped_column(String(200))


class Program(IdMixin, Base):
    __tablename__ = "programs"
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class ProgramVersion(IdMixin, Base):
    """An immutable published program document; ledger entries name the version they used."""

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("program_id", "version"),)
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("programs.id"), index=True)
    version: Mapped[int]
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200), default="cli")


class Shop(IdMixin, Base):
    """A Shopify store or a WooCommerce site. Secrets are stored encrypted (connector.secrets)."""

    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("platform", "ref"),)
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"), index=True)
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("programs.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(300))  # store URL or myshopify domain
    status: Mapped[str] = mapped_column(String(20), default="active")
    api_base: Mapped[str | None] = mapped_column(String(300))
    webhook_secret_enc: Mapped[str | None] = mapped_column(Text)
    api_key_enc: Mapped[str | None] = mapped_column(Text)
    api_secret_enc: Mapped[str | None] = mapped_column(Text)
