"""Who owns what: merchants own programs; shops run one program; programs have versions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, false
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


SHOP_STATUSES = ("active", "disconnected", "uninstalled", "removed")


class Shop(IdMixin, Base):
    """A Shopify store or a WooCommerce site. Secrets are stored encrypted (connector.secrets)."""

    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("platform", "ref"),)
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id"), index=True)
    program_id: Mapped[int] = mapped_column(BigId, ForeignKey("programs.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(300))  # store URL or myshopify domain
    status: Mapped[str] = mapped_column(String(20), default="active")  # SHOP_STATUSES
    status_note: Mapped[str | None] = mapped_column(Text)  # why disconnected, for the merchant
    api_base: Mapped[str | None] = mapped_column(String(300))
    webhook_secret_enc: Mapped[str | None] = mapped_column(Text)  # Shopify: the client secret
    earn_test_orders: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_key_enc: Mapped[str | None] = mapped_column(Text)
    api_secret_enc: Mapped[str | None] = mapped_column(Text)
    # Shopify expiring offline tokens: the access token (api_key_enc) lives an hour and is
    # renewed with this refresh token (connector.shopify_tokens)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    api_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # WooCommerce: signs storefront calls made by the merchant's snippet (connector.storefront)
    storefront_secret_enc: Mapped[str | None] = mapped_column(Text)


class ShopWebhook(IdMixin, Base):
    """A webhook we registered on the store, with its own secret (one per topic)."""

    __tablename__ = "shop_webhooks"
    __table_args__ = (UniqueConstraint("shop_id", "topic"),)
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"))
    topic: Mapped[str] = mapped_column(String(100))
    platform_webhook_id: Mapped[str | None] = mapped_column(String(100))  # None until created
    delivery_url: Mapped[str] = mapped_column(String(500))
    secret_enc: Mapped[str] = mapped_column(Text)


class ConnectToken(IdMixin, Base):
    """A one-time state for an install flow: only its SHA-256 is stored, used at most once."""

    __tablename__ = "connect_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    store_url: Mapped[str] = mapped_column(String(300))
    program_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("programs.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shop_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("shops.id"))


class PrivacyRequest(IdMixin, Base):
    """A compliance request received from a platform, and what we did about it: for a data
    request, `export` holds what we hold on the customer (JSON) for the merchant to send."""

    __tablename__ = "privacy_requests"
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # data_request | customer_redact | shop_redact
    customer_ref: Mapped[str | None] = mapped_column(String(100))
    request_ref: Mapped[str | None] = mapped_column(String(100))
    export: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
