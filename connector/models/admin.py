"""People and programs that use the service from outside: admin users (argon2 password hashes,
optionally limited to one merchant) and the JSON API's keys (one shop each, hashed at rest)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from connector.models.base import Base, IdMixin
from connector.types import BigId, UTCDateTime


class AdminUser(IdMixin, Base):
    __tablename__ = "admin_users"
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, never the password itself
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # None: an operator who sees every merchant; else the only merchant this user sees
    merchant_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("merchants.id"), index=True)


class ApiKey(IdMixin, Base):
    """A key for /api/v1, good for one shop's data. Only a SHA-256 of the secret is kept: the
    key is 256 random bits, so a fast hash is enough (a password hash would slow every call)."""

    __tablename__ = "api_keys"
    shop_id: Mapped[int] = mapped_column(BigId, ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # shown, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200), default="cli")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
