"""Secrets at rest: tokens and webhook secrets are stored encrypted with LOYALTY_SECRET_KEY.

The key is a comma-separated list of Fernet keys, newest first; older keys still decrypt, so a
key can be rotated without re-encrypting everything at once. With no key configured, the first
start writes one to `<instance>/secret_key` (mode 600) so the embedded default needs nothing.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from connector.config import Config, ConfigError


class SecretBox:
    def __init__(self, keys: tuple[str, ...]):
        self._primary = keys[0].encode() if keys else b""
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError):
            raise ConfigError("LOYALTY_SECRET_KEY: expected comma-separated Fernet keys "
                              "(32 url-safe base64-encoded bytes each; make one with "
                              "`loyalty secret-key`)") from None

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ConfigError("LOYALTY_SECRET_KEY: a stored secret cannot be decrypted with the "
                              "configured keys; keep the old key in the list after rotating") from None

    def derive(self, purpose: str) -> bytes:
        """A stable secret for one purpose (discount codes, connect states) from the newest key.

        Values already made with it (codes, stored tokens) keep working after a rotation,
        because they are stored, never recomputed."""
        key = base64.urlsafe_b64decode(self._primary)
        return hmac.new(key, purpose.encode(), hashlib.sha256).digest()

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()


def instance_key(instance: Path) -> str:
    """Read `<instance>/secret_key`, creating it (mode 600) on first start."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    return path.read_text().strip()


def secret_box(config: Config) -> SecretBox:
    keys = config.secret_keys or (instance_key(config.instance_path),)
    return SecretBox(keys)
