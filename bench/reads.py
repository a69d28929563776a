"""Scenario 5, reads: a customer's balance with a large ledger in the database, timed
server-side: time.perf_counter at the WSGI boundary, from the app receiving the request's
environ to the last byte of its answer (routing, the view, its queries, closing its session),
as a WSGI server would spend it. Requests come through Flask's test client (no network, no HTTP
server); its own round trip, building the request and reading the answer, is shown beside.

The database gets customers and ledger entries by raw bulk insert (bench.seed), with each
customer's cached totals equal to the sum of their entries. Then, for random customers: the JSON
API's customer route (`GET /api/v1/shops/<shop>/customers/<id>`, with an API key) and the
Shopify app proxy (`GET /proxy/balance`, signed as Shopify signs it), against `/healthz` (one
`SELECT 1` and the worker heartbeat query) as the framework floor. An endpoint over the goal is
profiled with pyinstrument and its hottest frames go into the notes.
"""
from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from pyinstrument import Profiler
from tqdm import tqdm

from bench import seed
from bench.common import DATABASES, Result, Target, percentile, scratch_database

FULL = {"entries": 1_000_000, "customers": 10_000, "requests": 3_000, "profiled": 300}
QUICK = {"entries": 30_000, "customers": 3_000, "requests": 200, "profiled": 60}
GOAL_MS = 2.0
WARM_UP = 30
COUNTED_REQUESTS = 20
OURS = ("connector/", "adapters/", "rules/", "webhooks/")  # where the profile looks
SHOPIFY_DOMAIN = "bench-reads.myshopify.com"
SHOPIFY_SECRET = "bench-reads-client-secret"
PERCENTILES = (50, 75, 90, 95, 99, 99.9)

Request = tuple[str, dict[str, str]]  # path with query, headers


@dataclass
class Store:
    """The seeded database as the requests see it."""
    shop_id: int
    customer_ids: list[int]  # bench customer n has platform id seed.PLATFORM_REF_BASE + n
    api_key: str
    entries: int


def _seed(services, size: dict) -> Store:
    shop_id, program_id = seed.add_program_shop(services, "shopify", SHOPIFY_DOMAIN,
                                                webhook_secret=SHOPIFY_SECRET,
                                                api_key="shpat_bench")
    totals: dict[int, list[int]] = {}
    with services.db.engine.begin() as connection:
        customer_ids = seed.insert_customers(connection, program_id, size["customers"])
        seed.insert_accounts(connection, shop_id, customer_ids)
        rows = seed.ledger_rows(shop_id, customer_ids, size["entries"])
        seed.copy_or_insert(connection, seed.LEDGER, seed.totals_while_inserting(rows, totals),
                            size["entries"], "ledger entries")
        seed.store_totals(connection, totals)
    return Store(shop_id, customer_ids, _api_key(services, shop_id), size["entries"])


def _api_key(services, shop_id: int) -> str:
    from connector.api_keys import create_key

    with services.db.transaction() as session:
        return create_key(session, shop_id, "bench-reads", "bench")[1]


def _settle(url: str) -> None:
    """Leave the seeded database as a long-running one would be, so that the reads do not pay
    for the bulk insert: fresh statistics for the query planner, and the written pages
    checkpointed (PostgreSQL's checkpointer would otherwise flush a million rows' pages while
    we time, and SQLite readers would look each page up in a WAL of the whole seed)."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")
    engine.dispose()


def endpoints(store: Store) -> dict[str, Callable[[int], Request]]:
    """How to ask for bench customer n's balance, per endpoint (and the health floor)."""
    from adapters.shopify.proxy import proxy_signature

    def health(_n: int) -> Request:
        return "/healthz", {}

    def api(n: int) -> Request:
        return (f"/api/v1/shops/{store.shop_id}/customers/{store.customer_ids[n]}",
                {"Authorization": f"Bearer {store.api_key}"})

    def proxy(n: int) -> Request:
        params = [("shop", SHOPIFY_DOMAIN),
                  ("logged_in_customer_id", str(seed.PLATFORM_REF_BASE + n)),
                  ("path_prefix", "/apps/loyalty"), ("timestamp", str(int(time.time())))]
        signed = urlencode([*params, ("signature", proxy_signature(params, SHOPIFY_SECRET))])
        return f"/proxy/balance?{signed}", {}

    return {"/healthz (floor)": health, "API customer balance": api,
            "app proxy /proxy/balance": proxy}


class ServerClock:
    """Installed as the app's WSGI callable: times each request from the environ to the last
    byte of the body, with the response closed (Flask's teardown runs inside)."""

    def __init__(self, app) -> None:
        self.app, self.last_ms = app.wsgi_app, 0.0
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answer = self.app(environ, start_response)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        self.last_ms = (time.perf_counter() - started) * 1000
        return [body]


def _get(client, request: Request) -> tuple[float, float]:
    """Milliseconds to answer one request, server-side and through the test client; anything
    but 200 stops the bench."""
    path, headers = request
    started = time.perf_counter()
    answer = client.get(path, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path}: {answer.status_code} {answer.get_data(as_text=True)}")
    return client.application.wsgi_app.last_ms, elapsed


def timed(client, make: Callable[[int], Request], customers: int, count: int,
          label: str) -> tuple[list[float], list[float]]:
    """(server-side, test-client round trip) milliseconds of `count` requests."""
    rng = random.Random(label)
    for _ in range(WARM_UP):
        _get(client, make(rng.randrange(customers)))
    requests = (make(rng.randrange(customers)) for _ in range(count))
    pairs = [_get(client, request)
             for request in tqdm(requests, total=count, desc=label, unit="req", leave=False)]
    return [server for server, _ in pairs], [round_trip for _, round_trip in pairs]


def profiled(client, make: Callable[[int], Request], customers: int, count: int) -> list[str]:
    """The five hottest of our functions over `count` requests (seed.hottest_frames)."""
    rng = random.Random(1)
    requests = [make(rng.randrange(customers)) for _ in range(count)]
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for request in requests:
        _get(client, request)
    profiler.stop()
    return seed.hottest_frames(profiler.last_session, 5, OURS)


def statements_per_request(client, database, make: Callable[[int], Request],
                           customers: int) -> float:
    """SQL statements sent per request (pool pings and the driver's own BEGIN and COMMIT not
    counted; SQLite's explicit BEGIN is)."""
    from sqlalchemy import event

    sent = [0]

    def count(*_args) -> None:
        sent[0] += 1
    engines = {database.engine, database.ack_engine, database.read_engine}  # PG: read is engine
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        for n in range(COUNTED_REQUESTS):
            _get(client, make(n % customers))
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    return sent[0] / COUNTED_REQUESTS


def _measure(client, database: str, label: str, make: Callable[[int], Request], store: Store,
             size: dict, result: Result) -> list[tuple[float, float]]:
    """One endpoint: its row, its target and (over the goal) its profile; its percentiles."""
    customers = len(store.customer_ids)
    times, round_trips = timed(client, make, customers, size["requests"], f"{database} {label}")
    p50, p99 = percentile(times, 50), percentile(times, 99)
    statements = statements_per_request(client, client.application.extensions["loyalty"].db,
                                        make, customers)
    result.rows.append({"database": database, "endpoint": label, "p50_ms": round(p50, 3),
                        "p99_ms": round(p99, 3),
                        "test_client_p99_ms": round(percentile(round_trips, 99), 3),
                        "requests": len(times),
                        "ledger_entries": store.entries, "sql_per_request": statements})
    if not label.startswith("/healthz"):
        short = "API" if label.startswith("API") else "app proxy"
        result.targets.append(Target(f"{database}: balance read p99 ({short})", p99, GOAL_MS,
                                     "ms", higher_is_better=False,
                                     note=f"{store.entries:,} ledger entries"))
        if p99 > GOAL_MS:
            frames = profiled(client, make, customers, size["profiled"])
            result.notes.append(
                f"{database} {label}: p99 {p99:.2f} ms over {GOAL_MS} ms; hottest of our "
                "functions (pyinstrument: own time plus the library code each calls "
                f"directly, {size['profiled']} requests): " + "; ".join(frames))
    return [(p, round(percentile(times, p), 3)) for p in PERCENTILES]


def _database_run(database: str, size: dict, result: Result) -> None:
    from connector import create_app

    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(database, Path(folder)) as url:
        services = seed.ready_services(url, Path(folder))
        store = _seed(services, size)
        services.close()
        _settle(url)
        app = create_app(seed.settings(url, Path(folder)))
        ServerClock(app)
        client = app.test_client()
        series = {label: _measure(client, database, label, make, store, size, result)
                  for label, make in endpoints(store).items()}
        app.extensions["loyalty"].close()
    result.charts.append({"title": f"Balance reads on {database}: latency percentiles "
                                   f"({store.entries:,} ledger entries)",
                          "x": "percentile", "y": "ms (server-side)",
                          "file": f"reads-{database}-percentiles", "series": series})


def run(quick: bool) -> Result:
    size = QUICK if quick else FULL
    result = Result("reads", f"5. Balance reads ({size['entries']:,} ledger entries over "
                             f"{size['customers']:,} customers; timed at the WSGI "
                             "boundary, requests through Flask's test client)")
    for database in DATABASES:
        _database_run(database, size, result)
    result.notes.append("Server-side: time.perf_counter at the WSGI boundary, from the "
                        "environ to the last byte of the answer (routing, the view, its "
                        "queries, closing its session), in this process, no socket. "
                        "test_client_p99_ms adds the test client building each request and "
                        "reading its answer (until 2026-12-07 the only figure, and the one "
                        f"the targets used). Each endpoint is warmed with {WARM_UP} requests "
                        "first.")
    return result
