"""People who sign in to the merchant admin at /admin (passwords kept as argon2 hashes)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from connector.models.base import Base, IdMixin
from connector.types import UTCDateTime


class AdminUser(IdMixin, Base):
    __tablename__ = "admin_users"
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, never the password itself
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
