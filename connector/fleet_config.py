"""Scale-out settings: the task queue's broker and what the fleet of workers shares.

No LOYALTY_BROKER_URL means the embedded default: one process polls the inbox and outbox
tables. With a broker (Redis, or RabbitMQ), web processes only record deliveries, workers
take messages from the broker, and a scheduler re-sends what the broker lost.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
BROKER_SCHEMES = {"redis": "redis", "rediss": "redis", "amqp": "rabbitmq", "amqps": "rabbitmq"}


@dataclass(frozen=True)
class Fleet:
    broker_url: str
    kind: str  # "redis" or "rabbitmq"
    rate_limit_url: str  # the Redis that holds the per-shop API budgets all workers share
    shop_calls_per_second: int  # calls to one store a second, across every worker
    sweep_seconds: float  # how often the scheduler re-sends rows no worker has taken
    worker_threads: int
    prefix: str = "loyalty"  # queue names and Redis keys: several instances can share a broker

    @property
    def inbox_queue(self) -> str:
        return f"{self.prefix}-inbox"

    @property
    def outbox_queue(self) -> str:
        return f"{self.prefix}-outbox"


def _fail(message: str) -> Exception:
    from connector.config import ConfigError  # config imports this module: import on use

    return ConfigError(message)


def _scheme(name: str, url: str, allowed: tuple[str, ...]) -> str:
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in allowed or not rest:
        raise _fail(f"{name}: expected a URL starting with {' or '.join(s + '://' for s in allowed)}"
                    f", got {url!r}")
    return scheme


def _number(env: Mapping[str, str], name: str, default: float, *, whole: bool) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = 0
    if not value > 0:
        kind = "a whole number" if whole else "a number"
        raise _fail(f"{name}: expected {kind} above 0, got {raw!r}")
    return value


def fleet_settings(env: Mapping[str, str], database_url: str) -> Fleet | None:
    broker = env.get("LOYALTY_BROKER_URL", "").strip()
    if not broker:
        return None
    kind = BROKER_SCHEMES[_scheme("LOYALTY_BROKER_URL", broker, tuple(BROKER_SCHEMES))]
    if database_url.startswith("sqlite"):
        raise _fail("LOYALTY_BROKER_URL: the scale-out mode needs PostgreSQL; set "
                    "LOYALTY_DATABASE_URL=postgresql+psycopg://... (or unset the broker to run "
                    "the embedded default on SQLite)")
    limits = env.get("LOYALTY_RATE_LIMIT_REDIS_URL", "").strip() or (
        broker if kind == "redis" else "")
    if not limits:
        raise _fail("LOYALTY_RATE_LIMIT_REDIS_URL: required with a RabbitMQ broker: the per-shop "
                    "API budgets all workers share live in Redis (e.g. redis://127.0.0.1:6379/0)")
    _scheme("LOYALTY_RATE_LIMIT_REDIS_URL", limits, ("redis", "rediss"))
    prefix = env.get("LOYALTY_QUEUE_PREFIX", "").strip() or "loyalty"
    if not PREFIX.match(prefix):
        raise _fail("LOYALTY_QUEUE_PREFIX: expected 1 to 40 lower-case letters, digits, - or _ "
                    f"(starting with a letter or digit), got {prefix!r}")
    return Fleet(
        broker_url=broker, kind=kind, rate_limit_url=limits,
        shop_calls_per_second=int(_number(env, "LOYALTY_SHOP_CALLS_PER_SECOND", 4, whole=True)),
        sweep_seconds=_number(env, "LOYALTY_SWEEP_SECONDS", 10.0, whole=False),
        worker_threads=int(_number(env, "LOYALTY_WORKER_THREADS", 4, whole=True)),
        prefix=prefix)
