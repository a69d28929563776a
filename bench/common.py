"""What every scenario shares: its result shape, scratch databases, ports, percentiles."""
from __future__ import annotations

import contextlib
import math
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("LOYALTY_BENCH_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DATABASES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Target:
    """One target of the issue, as a ratio or a figure measured in this run."""
    name: str
    measured: float
    goal: float
    unit: str
    higher_is_better: bool = True
    note: str = ""

    @property
    def met(self) -> bool:
        return self.measured >= self.goal if self.higher_is_better else self.measured <= self.goal


@dataclass
class Result:
    """A scenario's measurements: table rows, targets, and series for the charts."""
    name: str
    title: str
    rows: list[dict] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)  # {"title", "x", "y", "series": {label: [(x, y)]}}
    notes: list[str] = field(default_factory=list)
    measured_on: str = ""  # the day it ran (YYYY-MM-DD); set when written


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def python_process(module: str, *args: str, env: dict[str, str] | None = None,
                   quiet: bool = True) -> subprocess.Popen:
    output = subprocess.DEVNULL if quiet else None
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT,
                            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
                            stdout=output, stderr=output)


@contextlib.contextmanager
def scratch_database(kind: str, folder: Path) -> Iterator[str]:
    """A new empty database of `kind` (a file under `folder`, or a PostgreSQL database)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"loyalty_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - one meaning: no PostgreSQL
        raise SystemExit(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__}); "
                         "start it with scripts/ensure-services.sh") from None
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def driver_dsn(url: str) -> str:
    """The URL as the raw driver takes it (psycopg's conninfo, or the SQLite file path)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ""
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
