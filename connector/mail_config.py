"""The SMTP server member e-mails go through, from LOYALTY_SMTP_* and LOYALTY_MAIL_FROM.

No LOYALTY_SMTP_HOST means no mail: notices are recorded and wait until a server is set.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr

SECURITY = ("none", "starttls", "ssl")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Mail:
    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)  # never in a log line or a traceback
    starttls: bool
    ssl: bool
    sender: str  # the From header: an address, or "Name <address>"


def _fail(message: str) -> Exception:
    from connector.config import ConfigError  # config imports this module: import on use

    return ConfigError(message)


def _security(env: Mapping[str, str]) -> str:
    raw = env.get("LOYALTY_SMTP_SECURITY", "").strip().lower() or "starttls"
    if raw not in SECURITY:
        raise _fail(f"LOYALTY_SMTP_SECURITY: expected one of {', '.join(SECURITY)}, "
                    f"got {env.get('LOYALTY_SMTP_SECURITY')!r}")
    return raw


def _port(env: Mapping[str, str], security: str) -> int:
    raw = env.get("LOYALTY_SMTP_PORT", "").strip()
    if not raw:
        return _DEFAULT_PORTS[security]
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise _fail(f"LOYALTY_SMTP_PORT: expected a port number from 1 to 65535, got {raw!r}")
    return int(raw)


def _sender(env: Mapping[str, str]) -> str:
    raw = env.get("LOYALTY_MAIL_FROM", "").strip()
    if not raw:
        raise _fail("LOYALTY_MAIL_FROM: expected the address member e-mails come from "
                    "(it is required when LOYALTY_SMTP_HOST is set)")
    if not _ADDRESS.match(parseaddr(raw)[1]):
        raise _fail(f"LOYALTY_MAIL_FROM: expected an e-mail address such as "
                    f"'Rewards <rewards@example.com>', got {raw!r}")
    return raw


def _login(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    username = env.get("LOYALTY_SMTP_USERNAME", "").strip() or None
    password = env.get("LOYALTY_SMTP_PASSWORD", "") or None
    if username and not password:
        raise _fail("LOYALTY_SMTP_PASSWORD: expected it with LOYALTY_SMTP_USERNAME")
    if password and not username:
        raise _fail("LOYALTY_SMTP_USERNAME: expected it with LOYALTY_SMTP_PASSWORD")
    return username, password


def mail_settings(env: Mapping[str, str]) -> Mail | None:
    host = env.get("LOYALTY_SMTP_HOST", "").strip()
    if not host:
        return None
    security = _security(env)
    username, password = _login(env)
    return Mail(host=host, port=_port(env, security), username=username, password=password,
                starttls=security == "starttls", ssl=security == "ssl", sender=_sender(env))
