"""The Dramatiq broker (Redis or RabbitMQ) and the Redis backend of the per-shop API budgets.

Timeouts are short on purpose: a web process sends after acknowledging nothing yet, so a broker
that is down must cost it about a second, not the platform's whole deadline; the scheduler
re-sends what could not be sent.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from connector.fleet_config import Fleet

PROCESS_DELIVERY, RUN_PUSH_JOB = "process_delivery", "run_push_job"
SOCKET_TIMEOUT_SECONDS = 1.0


def _middleware():
    from dramatiq.middleware import default_middleware
    from dramatiq.middleware.retries import Retries

    # A failed actor (the database is down) is retried a few times, soon; past that the
    # scheduler's sweep re-sends the row, so nothing waits on twenty hour-long backoffs.
    kept = [middleware() for middleware in default_middleware if middleware is not Retries]
    return [*kept, Retries(max_retries=5, min_backoff=500, max_backoff=30_000)]


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_SECONDS,
                                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                                health_check_interval=30)


def _amqp_url(url: str) -> str:
    """The URL with pika's connection limits added unless it sets them itself."""
    query = urlsplit(url).query
    limits = {"connection_attempts": 1, "socket_timeout": SOCKET_TIMEOUT_SECONDS,
              "blocked_connection_timeout": 5}
    added = {key: value for key, value in limits.items() if f"{key}=" not in query}
    return f"{url}{'&' if query else '?'}{urlencode(added)}" if added else url


def make_broker(fleet: Fleet):
    """A new broker for this process (not installed as Dramatiq's global one)."""
    if fleet.kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(client=redis_client(fleet.broker_url), namespace=fleet.prefix,
                           middleware=_middleware(), heartbeat_timeout=30_000)
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    return RabbitmqBroker(url=_amqp_url(fleet.broker_url), confirm_delivery=True,
                          middleware=_middleware())


def send_errors(fleet: Fleet) -> tuple[type[BaseException], ...]:
    """What a failed send raises: the broker is down or refused the message."""
    from dramatiq.errors import DramatiqError

    if fleet.kind == "redis":
        from redis.exceptions import RedisError

        return DramatiqError, RedisError, OSError
    from pika.exceptions import AMQPError

    return DramatiqError, AMQPError, OSError


def rate_limit_backend(fleet: Fleet):
    from dramatiq.rate_limits.backends import RedisBackend

    return RedisBackend(client=redis_client(fleet.rate_limit_url))
