"""Scenario 2 and 6, processing: orders per second from inbox to ledger and outbox, per worker
process, against the raw rate of inserting the same rows with no logic (the ceiling); and the
same drain with 1, 2 and 4 worker processes on PostgreSQL.

The inbox is filled with a busy day of WooCommerce deliveries (tests/e2e/workload: every order
paid, every third completed later, every fifth partly refunded; three orders per customer).
Workers are `pipeline.drain` in their own processes (python -m bench.processing drain URL).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from bench.common import DATABASES, Result, Target, python_process, scratch_database
from bench.processing_profile import explain
from tests.e2e.workload import unique_deliveries

QUICK, FULL = 80, 2000  # orders
PROFILED = {True: 40, False: 400}  # orders of the profiled in-process drain (quick, full)
WORKERS = (1, 2, 4)
TARGET_PER_WORKER, TARGET_CEILING = 2000, 0.30
CEILING_TABLES = ("ledger_entries", "outbox", "orders", "customers", "customer_accounts")


def _services(url: str, folder: Path):
    from connector.services import build_services

    return build_services({"LOYALTY_DATABASE_URL": url, "LOYALTY_LOG_LEVEL": "ERROR",
                           "LOYALTY_INSTANCE_PATH": str(folder / "instance")})


def fill_inbox(url: str, folder: Path, orders: int) -> int:
    """A migrated database with one shop, the example program and `orders` orders' deliveries
    in the inbox; the number of deliveries."""
    from connector import migrate, programs
    from connector.intake import record_delivery
    from connector.shops import add_shop
    from connector.types import utcnow
    from tests.support import EXAMPLE_PROGRAM, WOO_SECRET

    services = _services(url, folder)
    migrate.upgrade(services.db)
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "http://127.0.0.1:9/",
                        webhook_secret=WOO_SECRET, api_key="ck", api_secret="cs")
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "bench")
        shop_id = shop.id
    deliveries = unique_deliveries(orders)
    for n, delivery in enumerate(deliveries):
        record_delivery(services.db, platform="woocommerce", shop_id=shop_id,
                        dedupe_key=f"bench:{n}", topic=delivery.headers["X-WC-Webhook-Topic"],
                        body=delivery.body, received_at=utcnow())
    services.close()
    return len(deliveries)


def drain_with(url: str, folder: Path, processes: int) -> float:
    """Seconds for `processes` worker processes to empty the inbox."""
    env = {"LOYALTY_DATABASE_URL": url, "LOYALTY_INSTANCE_PATH": str(folder / "instance"),
           "LOYALTY_LOG_LEVEL": "ERROR"}
    started = time.perf_counter()
    workers = [python_process("bench.processing", "drain", env=env) for _ in range(processes)]
    codes = [worker.wait(timeout=3600) for worker in workers]
    elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"a worker failed: exit codes {codes}")
    return elapsed


def _waiting(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM inbox WHERE status = 'new'"))
        count = left.scalar_one()
    engine.dispose()
    return count


def ceiling_rate(url: str, orders: int) -> tuple[float, int]:
    """Orders per second when the rows the drain wrote are inserted again with no logic, into
    empty copies of their tables, as many orders to a transaction as the worker's largest
    batch (pipeline.BATCH_SIZE); and the rows per order."""
    from connector.models import Base
    from connector.pipeline import BATCH_SIZE

    engine = create_engine(url)
    meta = MetaData()
    produced, copies = {}, {}
    with engine.begin() as connection:
        for name in CEILING_TABLES:
            table = Base.metadata.tables[name]
            rows = [dict(row._mapping) for row in connection.execute(select(table))]
            for row in rows:
                row.pop("id", None)
            # the same columns and types, no keys: no logic, and nothing to check
            copies[name] = Table(f"ceiling_{name}", meta, Column("id", Integer, primary_key=True),
                                 *[Column(c.name, c.type) for c in table.columns
                                   if c.name != "id"])
            produced[name] = rows
        meta.create_all(connection)
    total = sum(len(rows) for rows in produced.values())
    groups = -(-orders // BATCH_SIZE)
    batches = [[(name, rows[i::groups]) for name, rows in produced.items()]
               for i in range(groups)]
    started = time.perf_counter()
    for batch in batches:
        with engine.begin() as connection:
            for name, rows in batch:
                if rows:
                    connection.execute(insert(copies[name]), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return orders / elapsed, round(total / orders)


def _one_database(database: str, orders: int, result: Result, scaling: bool,
                  quick: bool) -> None:
    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(database, Path(folder)) as url:
        deliveries = fill_inbox(url, Path(folder), orders)
        seconds = drain_with(url, Path(folder), 1)
        left = _waiting(url)
        rate = orders / seconds
        ceiling, per_order = ceiling_rate(url, orders)
        result.rows.append({"database": database, "workers": 1, "orders": orders,
                            "deliveries": deliveries, "seconds": round(seconds, 2),
                            "orders_s": round(rate), "ceiling_orders_s": round(ceiling),
                            "rows_per_order": per_order, "left_waiting": left})
        result.targets.append(Target(f"{database}: processing orders/s per worker", rate,
                                     TARGET_PER_WORKER, "orders/s"))
        result.targets.append(Target(f"{database}: processing / raw-insert ceiling",
                                     rate / ceiling, TARGET_CEILING, "ratio"))
    explain(database, PROFILED[quick], result)
    if scaling:
        _scaling(orders, result)


def _scaling(orders: int, result: Result) -> None:
    points = []
    for processes in WORKERS:
        with tempfile.TemporaryDirectory() as folder, \
                scratch_database("postgresql", Path(folder)) as url:
            fill_inbox(url, Path(folder), orders)
            seconds = drain_with(url, Path(folder), processes)
            points.append((processes, orders / seconds))
            result.rows.append({"database": "postgresql", "workers": processes,
                                "orders": orders, "seconds": round(seconds, 2),
                                "orders_s": round(orders / seconds),
                                "left_waiting": _waiting(url)})
    single = points[0][1]
    result.charts.append({"title": "Processing on PostgreSQL: orders/s against worker processes",
                          "x": "worker processes", "y": "orders/s", "file": "scaling",
                          "series": {"measured": points,
                                     "linear from 1 worker": [(p, single * p) for p, _ in points]}})
    result.notes.append(
        "Scaling: the machine has 2 cores shared by the workers, PostgreSQL and this process, so "
        "beyond 2 workers the curve flattens: more processes only take turns on the same cores.")


def run(quick: bool, scaling: bool = True) -> Result:
    result = Result("processing", "2 and 6. Processing: inbox to ledger and outbox, per worker "
                                  "process, and scaling with worker processes (PostgreSQL)")
    orders = QUICK if quick else FULL
    for database in DATABASES:
        _one_database(database, orders, result, scaling=scaling and database == "postgresql",
                      quick=quick)
    return result


def _drain(url: str) -> None:
    from connector import pipeline
    from connector.db import Database

    db = Database(url)
    pipeline.drain(db)
    db.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] == ["drain"]:
        import os

        _drain(os.environ["LOYALTY_DATABASE_URL"])
