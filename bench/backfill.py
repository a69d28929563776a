"""Scenario 3, backfill: `loyalty import` of N orders from the fake WooCommerce store, against
a raw bulk insert of N ledger rows and the pure rules step (JSON parsing included), with the
import's peak RSS at N/4 and at N (does memory grow with N?).

The fake store serves from a thread of this process; the import runs as a subprocess
(`python -m connector import`), so the peak RSS (its VmHWM) is the import's alone. A full
backfill is 1,000,000 orders; the import runs the whole pipeline per order, so N is smaller and
the time for 1,000,000 is extrapolated from the rate. Afterwards every order the rules say
earns must have its earn entry in the ledger. One small import is profiled in-process.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler
from sqlalchemy import select

from bench import seed
from bench.common import DATABASES, ROOT, Result, Target, scratch_database
from bench.rules_throughput import EXAMPLE_PROGRAM
from bench.seed import START, BenchStore

# The import feeds about 80-100 orders/s here: N = 2,000 (quick) and 20,000 (full) would take
# about a minute and ten minutes, so the defaults are smaller; pass `orders` to run() for another N.
FULL = {"orders": 5_000, "customers": 1_500, "profiled": 400}
QUICK = {"orders": 100, "customers": 40, "profiled": 40}
SINCE = "2023-12-31"  # the import's --since: before every generated order (seed.START)
FULL_BACKFILL = 1_000_000
OURS = ("connector/", "adapters/", "rules/", "webhooks/")
_REPORTED = re.compile(r"imported (\d+) orders \((\d+) new to the pipeline\) in ([0-9.]+) s")


def parsed_orders(bodies: list[bytes], shop_ref: str) -> list:
    from adapters import REGISTRY
    from rules.events import OrderEvent

    adapter = REGISTRY["woocommerce"]
    return [event for body in bodies
            for event in adapter.parse("order.updated", json.loads(body), shop_ref)
            if isinstance(event, OrderEvent)]


def rules_rate(bodies: list[bytes], shop_ref: str, repeat: int = 3) -> float:
    """Orders per second, best of `repeat`: JSON parsing, the adapter, order_credit."""
    from rules.earning import order_credit
    from rules.program import load_program

    program = load_program(EXAMPLE_PROGRAM.read_text(), source=str(EXAMPLE_PROGRAM))
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        for order in parsed_orders(bodies, shop_ref):
            order_credit(order, program)
        best = max(best, len(bodies) / (time.perf_counter() - started))
    return best


def earning_order_ids(bodies: list[bytes], shop_ref: str) -> set[str]:
    """The orders that must open an earning lot (connector.orders.apply_order)."""
    from rules.earning import order_credit, order_earns
    from rules.program import load_program

    program = load_program(EXAMPLE_PROGRAM.read_text(), source=str(EXAMPLE_PROGRAM))
    return {order.order_id for order in parsed_orders(bodies, shop_ref)
            if order.was_paid and order_earns(order, program)
            and order_credit(order, program).gross > 0}


def earned_order_ids(services, shop_id: int) -> set[str]:
    from connector.models import LedgerEntry

    with services.db.reading() as session:
        keys = session.scalars(select(LedgerEntry.source_key).where(
            LedgerEntry.shop_id == shop_id, LedgerEntry.kind == "earn",
            LedgerEntry.source_key.like("order:%:earn")))
        return {key.split(":")[1] for key in keys}


def import_in_subprocess(url: str, folder: Path, shop_id: int) -> dict:
    """Run `loyalty import`: its reported seconds, the orders fed, peak RSS in MiB."""
    log = folder / f"import-{shop_id}.log"
    env = {**os.environ, **seed.settings(url, folder), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as output:  # stderr stays ours: it shows the import's progress bar
        process = subprocess.Popen([sys.executable, "-m", "connector", "import", "--shop",
                                    str(shop_id), "--since", SINCE], cwd=ROOT, env=env,
                                   stdout=output)
        peak_kib = _high_water_kib(process)
    text = log.read_text()
    reported = _REPORTED.search(text)
    if process.returncode != 0 or reported is None:
        raise RuntimeError(f"loyalty import exited with {process.returncode}: {text[-2000:]}")
    return {"seconds": float(reported.group(3)), "fed": int(reported.group(2)),
            "peak_mib": peak_kib / 1024}


def _high_water_kib(process: subprocess.Popen) -> int:
    """The process's peak RSS (VmHWM), read until it exits. Not ru_maxrss: Linux carries the
    forking parent's high-water mark across exec into it, so a big bench process would show."""
    peak = 0
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:  # it has just exited
            break
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        peak = max(peak, int(found.group(1))) if found else peak
        time.sleep(0.05)
    return peak


def raw_insert_rate(services, count: int, customers: int) -> float:
    """Ledger rows per second for `count` rows by Core executemany, in one transaction."""
    shop_id, program_id = seed.add_program_shop(services, "woocommerce",
                                                "https://raw-insert.example/")
    with services.db.engine.begin() as connection:
        customer_ids = seed.insert_customers(connection, program_id, customers)
    rows = list(seed.ledger_rows(shop_id, customer_ids, count))
    started = time.perf_counter()
    with services.db.engine.begin() as connection:
        seed.insert_chunks(connection, seed.LEDGER, rows, count, "raw insert")
    return count / (time.perf_counter() - started)


def store_shop(services, store: BenchStore) -> int:
    shop_id, _ = seed.add_program_shop(services, "woocommerce", store.url,
                                       webhook_secret="bench-woo-secret",
                                       api_key=store.consumer_key,
                                       api_secret=store.consumer_secret, api_base=store.url)
    return shop_id


def profiled_import(services, count: int, customers: int) -> list[str]:
    """The eight hottest of our functions in an in-process import of `count` orders."""
    from connector.backfill import backfill
    from connector.models import Shop

    with BenchStore(count, customers, seed_number=3) as store:
        with services.db.reading() as session:
            shop = session.get(Shop, store_shop(services, store))
            session.expunge(shop)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        backfill(services, shop, START, only_changed=False, show_progress=False)
        profiler.stop()
    return seed.hottest_frames(profiler.last_session, 8, OURS)


def import_run(database: str, orders: int, size: dict) -> dict:
    """A fresh database and store of `orders` orders, imported by the CLI and checked."""
    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(database, Path(folder)) as url, \
            BenchStore(orders, size["customers"], seed_number=orders) as store:
        services = seed.ready_services(url, Path(folder))
        shop_id = store_shop(services, store)
        run = import_in_subprocess(url, Path(folder), shop_id)
        missing = earning_order_ids(store.bodies, store.url) - earned_order_ids(services,
                                                                                shop_id)
        services.close()
        return {**run, "orders": orders, "missing": len(missing), "bodies": store.bodies,
                "store_url": store.url}


def baselines(database: str, size: dict) -> dict:
    """Raw insert of N ledger rows, and the profiled small import, in their own database."""
    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(database, Path(folder)) as url:
        services = seed.ready_services(url, Path(folder))
        raw = raw_insert_rate(services, size["orders"], size["customers"])
        profile = profiled_import(services, size["profiled"], size["customers"])
        services.close()
    return {"raw": raw, "profile": profile}


def _row(database: str, step: str, items: int, rate: float, **extra) -> dict:
    return {"database": database, "step": step, "items": items, "rate_per_s": round(rate),
            "peak_rss_mib": None, "seconds_for_1M": round(FULL_BACKFILL / rate), **extra}


def _database_runs(database: str, size: dict, result: Result) -> None:
    runs = [import_run(database, size["orders"] // 4, size),
            import_run(database, size["orders"], size)]
    full, base = runs[-1], baselines(database, size)
    rules = rules_rate(full["bodies"], full["store_url"])
    rate = full["orders"] / full["seconds"]
    for run in runs:
        result.rows.append(_row(database, "loyalty import (subprocess)", run["orders"],
                                run["orders"] / run["seconds"],
                                peak_rss_mib=round(run["peak_mib"], 1),
                                missing_earns=run["missing"]))
    result.rows.append(_row(database, "raw insert, ledger rows (Core executemany)",
                            size["orders"], base["raw"]))
    result.rows.append(_row(database, "rules: JSON + adapter + order_credit", size["orders"],
                            rules))
    result.targets.append(Target(f"{database}: import rate / min(raw insert, rules)",
                                 rate / min(base["raw"], rules), 0.5, "ratio",
                                 note=f"import {rate:.0f} orders/s at N={full['orders']:,}"))
    result.targets.append(Target(f"{database}: import peak RSS", full["peak_mib"], 500, "MiB",
                                 higher_is_better=False,
                                 note=f"at N={full['orders']:,} orders (N/4: "
                                      f"{runs[0]['peak_mib']:.0f} MiB)"))
    result.targets.append(Target(f"{database}: paid orders without an earn after import",
                                 sum(run["missing"] for run in runs), 0, "orders",
                                 higher_is_better=False))
    result.notes.append(f"{database}: {FULL_BACKFILL:,} orders at {rate:.0f} orders/s would "
                        f"take {FULL_BACKFILL / rate / 3600:.1f} h. In-process import of "
                        f"{size['profiled']} orders, hottest of our functions (own time plus "
                        "the library code each calls directly): " + "; ".join(base["profile"]))
    growth = (full["peak_mib"] - runs[0]["peak_mib"]) / (full["orders"] - runs[0]["orders"])
    result.notes.append(f"{database}: import peak RSS {runs[0]['peak_mib']:.0f} MiB at N="
                        f"{runs[0]['orders']:,}, {full['peak_mib']:.0f} MiB at N={full['orders']:,}"
                        f": {growth * 1024:.1f} KiB per order more; a rough linear fit would put "
                        f"{FULL_BACKFILL:,} orders near "
                        f"{full['peak_mib'] + growth * (FULL_BACKFILL - full['orders']):,.0f} MiB.")
    result.charts.append({"title": f"Import peak RSS against orders imported ({database})",
                          "x": "orders imported", "y": "peak RSS (MiB)",
                          "file": f"backfill-{database}-rss",
                          "series": {"loyalty import": [(r["orders"], round(r["peak_mib"], 1))
                                                        for r in runs]}})


def run(quick: bool, orders: int | None = None) -> Result:
    size = dict(QUICK if quick else FULL)
    if orders:
        size.update(orders=orders, customers=max(orders * 3 // 10, 20))
    result = Result("backfill", f"3. Backfill: loyalty import of {size['orders']:,} WooCommerce "
                                "orders (fake store, subprocess import)")
    for database in DATABASES:
        _database_runs(database, size, result)
    result.notes.append("The fake store runs in a thread of the bench process, so its memory is "
                        "not in the import's RSS; in the in-process profile it shares the GIL.")
    return result
