"""Why processing runs at the rate it does: an in-process drain of a small inbox, counting the
SQL statements each delivery sends and timing one raw-driver round trip on the same database,
with pyinstrument's hottest frames (bench.seed.hottest_frames).

The statement floor is the rate a worker would reach if each of those statements cost only the
driver's round trip, with no Python around it: a ceiling that no tuning of our code reaches
while it sends the statements one at a time, and so the measure of how far set-based processing
(one statement for many deliveries) would have to go.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler
from sqlalchemy import event, text

from bench import seed
from bench.common import Result, scratch_database

OURS = ("connector/", "adapters/", "rules/")
ROUND_TRIPS = 500


def _round_trip_us(engine) -> float:
    """Median microseconds of one indexed single-row SELECT through the raw driver."""
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        marker = "?" if engine.dialect.name == "sqlite" else "%s"
        query = f"SELECT id FROM ledger_entries WHERE shop_id = {marker} AND source_key = {marker}"
        times = []
        for n in range(ROUND_TRIPS):
            started = time.perf_counter()
            cursor.execute(query, (1, f"order:{n}:earn"))
            cursor.fetchall()
            times.append(time.perf_counter() - started)
        cursor.close()
    return statistics.median(times) * 1e6


def explain(database: str, orders: int, result: Result) -> None:
    """Drain `orders` orders' deliveries in this process, profiled; one note with the figures."""
    from bench.processing import _services, fill_inbox
    from connector import pipeline

    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(database, Path(folder)) as url:
        deliveries = fill_inbox(url, Path(folder), orders)
        services = _services(url, Path(folder))
        sent = [0]

        def count(*_args) -> None:
            sent[0] += 1
        event.listen(services.db.engine, "before_cursor_execute", count)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        started = time.perf_counter()
        pipeline.drain(services.db)
        elapsed = time.perf_counter() - started
        profiler.stop()
        event.remove(services.db.engine, "before_cursor_execute", count)
        with services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        trip = _round_trip_us(services.db.engine)
        services.close()
    per_order = sent[0] / orders
    floor = 1e6 / (per_order * trip)
    frames = seed.hottest_frames(profiler.last_session, 6, OURS)
    result.notes.append(
        f"{database}: why {orders / elapsed:,.0f} orders/s (in-process, profiled, {orders} "
        f"orders): {sent[0] / deliveries:.1f} SQL statements per delivery, {per_order:.1f} per "
        f"order, one at a time; a raw-driver round trip costs {trip:.0f} µs here, so the "
        f"statements alone, with no Python around them, cap a worker at {floor:,.0f} orders/s. "
        "Our code and the ORM around each statement take the rest; hottest: "
        + "; ".join(frames))
