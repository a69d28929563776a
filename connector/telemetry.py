"""Prometheus metrics: what the service counts, and how one scrape sees every web process.

prometheus-client chooses where values live when it is first imported: in this process's memory,
or one file per process under PROMETHEUS_MULTIPROC_DIR, summed at scrape time. `loyalty serve`
sets that variable before gunicorn forks, but the CLI has imported this module long before, so
prometheus_client is imported here only inside functions, and the metrics are built on first use.
"""
from __future__ import annotations

import os
import shutil
import threading
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Receipt events (connector.receiving, webhooks.receiver) -> (outcome, reason); pings are not counted.
_DELIVERY_OUTCOMES = {
    "webhook.accepted": ("accepted", ""),
    "webhook.duplicate": ("duplicate", ""),
    "webhook.bad-signature": ("rejected", "bad-signature"),
    "webhook.unknown-shop": ("rejected", "unknown-shop"),
    "webhook.too-large": ("rejected", "too-large"),
    "webhook.malformed": ("rejected", "bad-json"),
    "webhook.database-unavailable": ("rejected", "unavailable"),
}
LAG_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)
PUSH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

_lock = threading.Lock()
_built: SimpleNamespace | None = None


def _build() -> SimpleNamespace:
    from prometheus_client import Counter, Gauge, Histogram

    return SimpleNamespace(
        deliveries=Counter("loyalty_webhook_deliveries_total", "Webhook deliveries answered",
                           ["platform", "outcome", "reason"]),
        processed=Counter("loyalty_deliveries_processed_total",
                          "Deliveries the pipeline finished (failed: given up)", ["status"]),
        lag=Histogram("loyalty_delivery_processing_lag_seconds",
                      "From receiving a delivery to writing its result", buckets=LAG_BUCKETS),
        push_attempts=Counter("loyalty_push_attempts_total", "Calls to a store's API",
                              ["kind", "outcome"]),
        push_latency=Histogram("loyalty_push_latency_seconds", "Duration of one push attempt",
                               ["kind"], buckets=PUSH_BUCKETS),
        push_dead=Counter("loyalty_push_jobs_dead_total", "Push jobs given up", ["kind"]),
        heartbeat=Gauge("loyalty_worker_heartbeat_timestamp_seconds",
                        "Unix time of the latest worker beat", multiprocess_mode="max"),
    )


def _metrics() -> SimpleNamespace:
    global _built
    with _lock:  # the request threads and the worker thread may all ask first
        if _built is None:
            _built = _build()
        return _built


def delivery_answered(platform: str, event: str) -> None:
    """Count one webhook answer by its stable log event name (see _DELIVERY_OUTCOMES)."""
    found = _DELIVERY_OUTCOMES.get(event)
    if found is not None:
        outcome, reason = found
        _metrics().deliveries.labels(platform, outcome, reason).inc()


def delivery_processed(status: str, received_at: datetime | None = None,
                       processed_at: datetime | None = None) -> None:
    metrics = _metrics()
    metrics.processed.labels(status).inc()
    if received_at is not None and processed_at is not None:
        metrics.lag.observe(max(0.0, (processed_at - received_at).total_seconds()))


def push_attempted(kind: str, outcome: str, seconds: float) -> None:
    metrics = _metrics()
    metrics.push_attempts.labels(kind, outcome).inc()
    metrics.push_latency.labels(kind).observe(seconds)


def push_job_dead(kind: str) -> None:
    _metrics().push_dead.labels(kind).inc()


def worker_beat(at: float) -> None:
    _metrics().heartbeat.set(at)


def exposition() -> tuple[bytes, str]:
    """The text a scrape receives, and its content type: every process's files when shared."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    _metrics()  # so a scrape before the first delivery still lists the metric families
    if not os.environ.get(MULTIPROC_ENV):
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()  # fresh per scrape, as prometheus-client's docs ask
    MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def share_between_processes(folder: Path) -> None:
    """Before gunicorn forks: an emptied folder for every process's metric files."""
    shutil.rmtree(folder, ignore_errors=True)  # last run's files would add to this run's
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)


def process_exited(pid: int) -> None:
    """gunicorn's child_exit: drop the dead process's live gauges."""
    from prometheus_client import multiprocess

    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)
