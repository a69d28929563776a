"""`loyalty serve`: gunicorn serving the app, with the worker running inside the web process.

On the embedded default (SQLite) there is one gunicorn worker process with threads, so every
write in the service shares one in-process write lock; the loyalty worker is a thread in it.
SIGTERM stops gunicorn gracefully and the worker thread finishes its current delivery.
Every web process writes its Prometheus metrics to files under <instance>/prometheus, emptied
at start, and /metrics sums them (connector.telemetry).
"""
from __future__ import annotations

import logging
from pathlib import Path

from gunicorn.app.base import BaseApplication

from connector import create_app, telemetry
from connector.config import Config
from connector.worker import start_thread

log = logging.getLogger("loyalty.serve")


class LoyaltyServer(BaseApplication):
    def __init__(self, config: Config, host: str, port: int, run_worker: bool,
                 processes: int | None = None, threads: int = 8):
        self.settings = {
            "bind": f"{host}:{port}",
            "workers": processes or (1 if config.is_sqlite else 2),
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "accesslog": None,
            "post_worker_init": self._post_worker_init if run_worker else None,
            "worker_exit": self._worker_exit,
            "on_starting": self._on_starting,
            "child_exit": self._child_exit,
        }
        self._worker = None
        self._metrics_dir = Path(config.instance_path) / "prometheus"
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return create_app()

    def _post_worker_init(self, gunicorn_worker) -> None:
        services = gunicorn_worker.wsgi.extensions["loyalty"]
        self._worker = start_thread(services)

    def _on_starting(self, _server) -> None:
        # Before the first fork, so every web process writes its metrics where /metrics reads.
        telemetry.share_between_processes(self._metrics_dir)

    def _child_exit(self, _server, gunicorn_worker) -> None:
        telemetry.process_exited(gunicorn_worker.pid)

    def _worker_exit(self, _server, _gunicorn_worker) -> None:
        if self._worker is not None:
            thread, stop = self._worker
            stop.set()
            thread.join(timeout=10)
