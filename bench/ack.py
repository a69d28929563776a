"""Scenario 1, webhook acknowledgement: our webhook endpoints against a bare Flask endpoint
that only verifies the same HMAC and one that adds a single raw-driver INSERT, all three under
the same gunicorn configuration, driven by wrk on 127.0.0.1 with real-sized signed payloads.

At fixed concurrency: req/s and p50/p99/p99.9. Then duplicates (the same deliveries again),
and an open-loop run paced at half the bare endpoint's maximum rate. After every run the inbox
must hold every acknowledged delivery.
"""
from __future__ import annotations

import hashlib
import itertools
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.ack_profile import explain
from bench.common import (
    DATABASES,
    Result,
    Target,
    free_port,
    python_process,
    scratch_database,
    stop,
    wait_http,
)
from bench.deliveries import SHOPIFY_DOMAIN, stored_part, write_requests
from bench.servers import SHOPIFY_SECRET, WOO_SECRET
from bench.wrk import Load, run_wrk

FULL = {"seconds": 8, "connections": (8, 32, 64), "profiled": 600}
QUICK = {"seconds": 2, "connections": (32,), "profiled": 100}
FIXED = 32  # the concurrency the targets are read at
BARE_PREPARED = 3000
PREPARED_PER_SECOND = 4000  # distinct deliveries: storing endpoints take ~1,500/s here


def _prepare_database(url: str, folder: Path) -> None:
    from connector import migrate
    from connector.services import build_services
    from connector.shops import add_shop

    services = build_services({"LOYALTY_DATABASE_URL": url,
                               "LOYALTY_INSTANCE_PATH": str(folder / "instance"),
                               "LOYALTY_LOG_LEVEL": "ERROR"})
    migrate.upgrade(services.db)
    with services.db.transaction() as session:
        add_shop(session, services.box, "woocommerce", "https://bench.example/",
                 webhook_secret=WOO_SECRET, api_key="ck_bench", api_secret="cs_bench")
        add_shop(session, services.box, "shopify", SHOPIFY_DOMAIN,
                 webhook_secret=SHOPIFY_SECRET, api_key="shpat_bench")
    services.close()


def _inbox_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM inbox")).scalar_one()
    engine.dispose()
    return count


def _stored_bodies(url: str) -> set[bytes]:
    engine = create_engine(url)
    with engine.connect() as connection:
        bodies = {hashlib.sha256(bytes(body)).digest()
                  for (body,) in connection.execute(text("SELECT body FROM inbox"))}
    engine.dispose()
    return bodies


class Bench:
    def __init__(self, url: str, folder: Path, seconds: float):
        self.url, self.folder, self.seconds = url, folder, seconds
        self.ids = itertools.count(1_000_000, 1_000_000)
        self.prepared: dict[Path, int] = {}
        self.env = {"LOYALTY_DATABASE_URL": url, "LOYALTY_INSTANCE_PATH": str(folder / "instance"),
                    "LOYALTY_LOG_LEVEL": "ERROR",
                    "BENCH_WOO_SECRET": WOO_SECRET, "BENCH_SHOPIFY_SECRET": SHOPIFY_SECRET}

    def requests(self, platform: str, seconds: float, stores: bool) -> Path:
        path = self.folder / f"requests-{platform}-{next(self.ids)}.tsv"
        secret = WOO_SECRET if platform == "woocommerce" else SHOPIFY_SECRET
        # An endpoint that stores nothing may see a delivery twice: a short file is enough.
        count = int(PREPARED_PER_SECOND * seconds) + 1000 if stores else BARE_PREPARED
        write_requests(path, platform, count, int(path.stem.rsplit("-", 1)[1]), secret)
        self.prepared[path] = count
        return path

    def load(self, base: str, platform: str, connections: int, stores: bool,
             file: Path | None = None, pace_ms: int = 0, seconds: float | None = None) -> dict:
        seconds = seconds or self.seconds
        file = file or self.requests(platform, seconds, stores)
        before = _inbox_rows(self.url) if stores else 0
        load = run_wrk(base, file, connections, seconds, pace_ms)
        if stores and load.sent > self.prepared.get(file, load.sent):
            raise RuntimeError(f"wrk sent {load.sent} deliveries of {self.prepared[file]} "
                               "prepared, so some twice: raise PREPARED_PER_SECOND")
        after = _inbox_rows(self.url) if stores else 0
        return {"load": load, "new_rows": after - before, "file": file}


KINDS = (("bare", "woocommerce", False), ("raw-insert", "woocommerce", True),
         ("loyalty", "woocommerce", True), ("loyalty", "shopify", True))


def _label(kind: str, platform: str) -> str:
    return {"bare": "bare HMAC", "raw-insert": "raw single INSERT"}.get(
        kind, f"loyalty {'Woo' if platform == 'woocommerce' else 'Shopify'}")


def _row(database: str, label: str, connections: int, run: dict, mode: str = "closed") -> dict:
    load: Load = run["load"]
    lost = max(0, load.ok - run["new_rows"]) if run.get("stores", True) else 0
    return {"database": database, "endpoint": label, "mode": mode, "connections": connections,
            "req_s": round(load.rate), "p50_ms": load.p50_ms, "p99_ms": load.p99_ms,
            "p999_ms": load.p999_ms, "acknowledged": load.ok, "refused": load.other,
            "socket_errors": load.socket_errors, "inbox_new_rows": run["new_rows"],
            "lost": lost}


def _serve(kind: str, bench: Bench):
    port = free_port()
    process = python_process("bench.servers", kind, "--bind", f"127.0.0.1:{port}",
                             env=bench.env)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/healthz", process)
    return process, base


def _database_runs(database: str, bench: Bench, size: dict, result: Result) -> None:
    rows: dict[tuple[str, int], dict] = {}
    for kind, platform, stores in KINDS:
        process, base = _serve(kind, bench)
        try:
            for connections in size["connections"]:
                run = bench.load(base, platform, connections, stores)
                run["stores"] = stores
                row = _row(database, _label(kind, platform), connections, run)
                rows[(row["endpoint"], connections)] = row
                result.rows.append(row)
                if (kind, platform, connections) == ("loyalty", "woocommerce", FIXED):
                    sent = stored_part(run["file"], _stored_bodies(bench.url))
                    again = bench.load(base, platform, connections, True, file=sent)
                    again["stores"] = True
                    duplicate = _row(database, "loyalty Woo duplicates", connections, again)
                    duplicate["lost"] = 0  # every one was stored already: nothing new to store
                    rows[("duplicates", connections)] = duplicate
                    result.rows.append(duplicate)
            if kind == "loyalty" and platform == "woocommerce":
                bare_max = max(r["req_s"] for (name, _), r in rows.items() if name == "bare HMAC")
                rate = bare_max / 2
                connections = 64
                pace = max(1, round(connections * 1000 / rate) - 1)
                run = bench.load(base, platform, connections, True, pace_ms=pace)
                run["stores"] = True
                row = _row(database, "loyalty Woo", connections, run, mode=f"paced {rate:.0f}/s")
                rows[("open", connections)] = row
                result.rows.append(row)
        finally:
            stop(process)
    _targets(database, rows, result)
    _chart_series(database, rows, size, result)


def _targets(database: str, rows: dict, result: Result) -> None:
    bare, raw = rows[("bare HMAC", FIXED)], rows[("raw single INSERT", FIXED)]
    for label in ("loyalty Woo", "loyalty Shopify"):
        ours = rows[(label, FIXED)]
        result.targets.append(Target(f"{database}: {label} ack throughput / bare HMAC",
                                     ours["req_s"] / bare["req_s"], 0.60, "ratio"))
        result.targets.append(Target(f"{database}: {label} ack p99 / raw INSERT p99",
                                     ours["p99_ms"] / max(raw["p99_ms"], 1e-3), 1.5, "ratio",
                                     higher_is_better=False))
    duplicate, new = rows[("duplicates", FIXED)], rows[("loyalty Woo", FIXED)]
    result.targets.append(Target(f"{database}: duplicates req/s / new req/s",
                                 duplicate["req_s"] / max(new["req_s"], 1), 1.0, "ratio"))
    open_loop = rows[("open", 64)]
    result.targets.append(Target(f"{database}: open-loop p99 at {open_loop['mode']}",
                                 open_loop["p99_ms"], 25.0, "ms", higher_is_better=False))
    lost = sum(r["lost"] for r in rows.values())
    stray = rows[("duplicates", FIXED)]["inbox_new_rows"]
    result.targets.append(Target(f"{database}: rows added by re-sent duplicates", stray, 0,
                                 "rows", higher_is_better=False))
    result.targets.append(Target(f"{database}: acknowledged deliveries missing from the inbox",
                                 lost, 0, "deliveries", higher_is_better=False))


def _chart_series(database: str, rows: dict, size: dict, result: Result) -> None:
    labels = ("bare HMAC", "raw single INSERT", "loyalty Woo", "loyalty Shopify")
    for metric, unit in (("req_s", "req/s"), ("p99_ms", "p99 latency (ms)")):
        result.charts.append({
            "title": f"Webhook ack on {database}: {unit} against concurrency",
            "x": "connections (wrk)", "y": unit, "file": f"ack-{database}-{metric}",
            "series": {label: [(c, rows[(label, c)][metric]) for c in size["connections"]]
                       for label in labels}})


def run(quick: bool) -> Result:
    size = QUICK if quick else FULL
    result = Result("ack", "1. Webhook acknowledgement (gunicorn gthread, 2 processes × 8 "
                           "threads; wrk -t2 on 127.0.0.1)")
    for database in DATABASES:
        with tempfile.TemporaryDirectory() as folder, \
                scratch_database(database, Path(folder)) as url:
            _prepare_database(url, Path(folder))
            _database_runs(database, Bench(url, Path(folder), size["seconds"]), size, result)
            explain(database, url, Path(folder), size["profiled"], result)
    result.notes.append("Paced run: wrk 4 has no fixed-rate mode; every connection waits a fixed "
                        "delay after each answer, so the arrival rate is approximate and the "
                        "tail is not free of coordinated omission.")
    return result
