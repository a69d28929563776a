"""Configuration from LOYALTY_* environment variables, checked once at start-up.

A bad value stops the program with one line naming the variable and what was expected.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from limits.storage import SCHEMES as RATELIMIT_SCHEMES
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connector.fleet_config import Fleet, fleet_settings
from connector.mail_config import Mail, mail_settings

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_DRIVERS = ("sqlite", "postgresql")


class ConfigError(ValueError):
    """A LOYALTY_* variable has a value the service cannot use."""


@dataclass(frozen=True)
class ShopifyApp:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    api_base: str | None  # tests: a fake Admin API instead of https://<shop>


DEFAULT_SHOPIFY_SCOPES = \
    "read_orders,read_customers,write_customers,write_discounts,write_app_proxy"


@dataclass(frozen=True)
class Config:
    instance_path: Path
    database_url: str
    secret_keys: tuple[str, ...]  # empty: generate or read instance/secret_key
    log_level: str
    public_url: str
    worker_poll_seconds: float
    push_timeout_seconds: float = 30.0
    reconcile_minutes: int = 60  # 0: never reconcile from the worker
    shopify: ShopifyApp | None = None  # the Shopify app's credentials, when installs are open
    admin_password: str | None = None  # guards the web pages that act for the operator
    max_body_bytes: int = 1024 * 1024
    mail: Mail | None = None  # the SMTP server for member e-mails (None: notices wait)
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers are true
    ratelimit_storage: str = "memory://"  # where login attempts are counted (shared when scaled)
    fleet: Fleet | None = None  # the task queue of the scale-out mode (None: embedded default)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _database_url(env: Mapping[str, str], instance: Path) -> str:
    raw = env.get("LOYALTY_DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{instance / 'loyalty.db'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"LOYALTY_DATABASE_URL: expected a database URL such as "
                          f"postgresql+psycopg://user@host/db or sqlite:///path, got {raw!r}") from None
    if url.get_backend_name() not in _DRIVERS:
        raise ConfigError(f"LOYALTY_DATABASE_URL: expected a sqlite or postgresql URL, "
                          f"got backend {url.get_backend_name()!r}")
    return raw


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"{name}: expected a positive number of seconds, got {raw!r}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.get(name, "").strip().upper() or default
    if raw not in choices:
        raise ConfigError(f"{name}: expected one of {', '.join(choices)}, got {env.get(name)!r}")
    return raw


def _public_url(env: Mapping[str, str]) -> str:
    raw = env.get("LOYALTY_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000"
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"LOYALTY_PUBLIC_URL: expected an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _whole(env: Mapping[str, str], name: str, default: int, what: str) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name}: expected a whole number of {what}, got {raw!r}")
    return int(raw)


def _shopify_app(env: Mapping[str, str]) -> ShopifyApp | None:
    client_id = env.get("LOYALTY_SHOPIFY_CLIENT_ID", "").strip()
    secret = env.get("LOYALTY_SHOPIFY_CLIENT_SECRET", "").strip()
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        missing = "LOYALTY_SHOPIFY_CLIENT_ID" if not client_id else "LOYALTY_SHOPIFY_CLIENT_SECRET"
        raise ConfigError(f"{missing}: expected it with its pair (the Shopify app's client id "
                          "and secret, from the Partner dashboard)")
    scopes = env.get("LOYALTY_SHOPIFY_SCOPES", "").strip() or DEFAULT_SHOPIFY_SCOPES
    api_base = env.get("LOYALTY_SHOPIFY_API_BASE", "").strip() or None
    if api_base and not api_base.startswith(("http://", "https://")):
        raise ConfigError(f"LOYALTY_SHOPIFY_API_BASE: expected an http(s) URL, got {api_base!r}")
    return ShopifyApp(client_id, secret, tuple(s.strip() for s in scopes.split(",") if s.strip()),
                      api_base)


def _admin_password(env: Mapping[str, str]) -> str | None:
    raw = env.get("LOYALTY_ADMIN_PASSWORD", "")
    if not raw:
        return None
    if len(raw) < 12:
        raise ConfigError("LOYALTY_ADMIN_PASSWORD: expected at least 12 characters, "
                          f"got {len(raw)}")
    return raw


def _ratelimit_storage(env: Mapping[str, str]) -> str:
    raw = env.get("LOYALTY_RATELIMIT_STORAGE", "").strip() or "memory://"
    scheme, separator, _ = raw.partition("://")
    if not separator or scheme not in RATELIMIT_SCHEMES or scheme.startswith("async+"):
        raise ConfigError("LOYALTY_RATELIMIT_STORAGE: expected a storage URI such as memory:// "
                          f"or redis://host:6379, got {raw!r}")
    return raw


def load_config(env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    instance = Path(env.get("LOYALTY_INSTANCE_PATH", "").strip() or "instance").resolve()
    keys = tuple(k.strip() for k in env.get("LOYALTY_SECRET_KEY", "").split(",") if k.strip())
    database_url = _database_url(env, instance)
    return Config(
        instance_path=instance,
        database_url=database_url,
        secret_keys=keys,
        log_level=_choice(env, "LOYALTY_LOG_LEVEL", _LOG_LEVELS, "INFO"),
        public_url=_public_url(env),
        worker_poll_seconds=_positive_float(env, "LOYALTY_WORKER_POLL_SECONDS", 0.2),
        push_timeout_seconds=_positive_float(env, "LOYALTY_PUSH_TIMEOUT_SECONDS", 30.0),
        admin_password=_admin_password(env),
        reconcile_minutes=_whole(env, "LOYALTY_RECONCILE_MINUTES", 60,
                                 "minutes (0 turns it off)"),
        trusted_proxies=_whole(env, "LOYALTY_TRUSTED_PROXIES", 0, "proxies (0: none)"),
        ratelimit_storage=_ratelimit_storage(env),
        shopify=_shopify_app(env),
        mail=mail_settings(env),
        fleet=fleet_settings(env, database_url),
    )


def config_from_mapping(values: Mapping[str, object]) -> Config:
    """Build a Config from a test_config dict of LOYALTY_* names (tests, embedding)."""
    return load_config({k: str(v) for k, v in values.items()})


def log_level_number(config: Config) -> int:
    return logging.getLevelName(config.log_level)
