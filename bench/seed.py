"""Seeding the read and backfill benches: a migrated scratch database with a shop running the
example program, customers and ledger rows written in bulk (SQLAlchemy Core executemany in
chunks, or COPY), the fake WooCommerce store filled with generated orders; and the hottest
frames of a pyinstrument profile as note lines."""
from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Table, bindparam, insert, update
from tqdm import tqdm

from bench.rules_throughput import EXAMPLE_PROGRAM
from connector.models import Customer, CustomerAccount, LedgerEntry
from tests.fakes.woo_api import paginate
from tests.fakes.woo_orders import make_orders
from tests.fakes.woocommerce import FakeWooCommerce

CHUNK = 10_000
CUSTOMERS = Customer.__table__
ACCOUNTS = CustomerAccount.__table__
LEDGER = LedgerEntry.__table__
PLATFORM_REF_BASE = 7_000_000  # the platform customer id of bench customer n is base + n
START = datetime(2024, 1, 1, tzinfo=UTC)  # the fake store's first order


def settings(url: str, folder: Path) -> dict[str, str]:
    return {"LOYALTY_DATABASE_URL": url, "LOYALTY_INSTANCE_PATH": str(folder / "instance"),
            "LOYALTY_LOG_LEVEL": "ERROR"}


def ready_services(url: str, folder: Path):
    from connector import migrate
    from connector.services import build_services

    services = build_services(settings(url, folder))
    migrate.upgrade(services.db)
    return services


def add_program_shop(services, platform: str, ref: str, **secrets: str) -> tuple[int, int]:
    """A shop with its own program, the example program published: (shop id, program id)."""
    from connector import programs
    from connector.shops import add_shop

    with services.db.transaction() as session:
        shop = add_shop(session, services.box, platform, ref, **secrets)
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example.toml")
        return shop.id, shop.program_id


def insert_chunks(connection: Connection, table: Table, rows: Iterable[dict], total: int,
                  desc: str) -> None:
    """Insert `rows` with executemany, CHUNK at a time, showing progress."""
    with tqdm(total=total, desc=desc, unit="row", leave=False, dynamic_ncols=True) as bar:
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            connection.execute(insert(table), chunk)
            bar.update(len(chunk))


def copy_or_insert(connection: Connection, table: Table, rows: Iterable[dict], total: int,
                   desc: str) -> None:
    """Like insert_chunks, but with COPY on PostgreSQL (several times faster)."""
    if connection.dialect.name != "postgresql":
        insert_chunks(connection, table, rows, total, desc)
        return
    columns = [column.name for column in table.columns if column.name != "id"]
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, \
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy, \
            tqdm(total=total, desc=desc, unit="row", leave=False, dynamic_ncols=True) as bar:
        for n, row in enumerate(rows, 1):
            copy.write_row([row[name] for name in columns])
            if n % CHUNK == 0:
                bar.update(CHUNK)


def insert_customers(connection: Connection, program_id: int, count: int) -> list[int]:
    """`count` member customers with zero totals; their ids, in creation order."""
    now = datetime.now(UTC)
    rows = ({"program_id": program_id, "email": f"bench{n}@example.com", "points_total": 0,
             "lifetime_earned": 0, "joined_at": now, "created_at": now} for n in range(count))
    insert_chunks(connection, CUSTOMERS, rows, count, "customers")
    return list(connection.scalars(CUSTOMERS.select().with_only_columns(CUSTOMERS.c.id)
                                   .where(CUSTOMERS.c.program_id == program_id)
                                   .order_by(CUSTOMERS.c.id)))


def insert_accounts(connection: Connection, shop_id: int, customer_ids: list[int]) -> None:
    """Link bench customer n to platform customer id PLATFORM_REF_BASE + n on the shop."""
    now = datetime.now(UTC)
    rows = ({"customer_id": cid, "shop_id": shop_id, "created_at": now,
             "platform_customer_id": str(PLATFORM_REF_BASE + n)}
            for n, cid in enumerate(customer_ids))
    insert_chunks(connection, ACCOUNTS, rows, len(customer_ids), "accounts")


def ledger_rows(shop_id: int, customer_ids: list[int], count: int,
                seed: int = 5) -> Iterator[dict]:
    """`count` entries over two years spread at random over the customers: mostly earns (the
    last 14 days' still pending), some redemptions and bonuses; source keys unique per shop."""
    rng, now = random.Random(seed), datetime.now(UTC)
    for n in range(count):
        created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        draw = rng.random()
        kind, points = ("earn", rng.randrange(5, 200)) if draw < 0.85 else \
            ("redeem", -rng.randrange(10, 60)) if draw < 0.95 else ("bonus", 100)
        available = created + timedelta(days=14) if kind == "earn" else created
        yield {"shop_id": shop_id, "customer_id": rng.choice(customer_ids), "kind": kind,
               "points": points, "lot": f"bench:{n}" if kind != "redeem" else None,
               "program_version_id": None, "source_key": f"bench:{n}",
               "available_at": available, "expires_at": available + timedelta(days=365),
               "reason": "bench", "actor": "bench", "created_at": created}


def totals_while_inserting(rows: Iterable[dict],
                           totals: dict[int, list[int]]) -> Iterator[dict]:
    """Pass rows through, summing (points_total, lifetime_earned) per customer into `totals`."""
    for row in rows:
        total = totals.setdefault(row["customer_id"], [0, 0])
        total[0] += row["points"]
        if row["kind"] in ("earn", "bonus"):
            total[1] += row["points"]
        yield row


def store_totals(connection: Connection, totals: dict[int, list[int]]) -> None:
    """Make the customers' cached totals the sums of their entries."""
    statement = update(CUSTOMERS).where(CUSTOMERS.c.id == bindparam("cid")).values(
        points_total=bindparam("total"), lifetime_earned=bindparam("earned"))
    rows = [{"cid": cid, "total": total, "earned": earned}
            for cid, (total, earned) in totals.items()]
    for start in range(0, len(rows), CHUNK):
        connection.execute(statement, rows[start:start + CHUNK])


class BenchStore(FakeWooCommerce):
    """The fake store holding `count` generated orders. Its order list is served from one
    sorted list: the fake's own listing filters and deep-copies every order for each page,
    which at 20,000 orders would make the fake, not the import, the bottleneck. Every order is
    modified after SINCE and none is trashed, so the filter would keep them all anyway."""

    def __init__(self, count: int, customers: int, seed_number: int):
        super().__init__("ck_bench", "cs_bench", ping_webhooks=False)
        for order in make_orders(count, seed=seed_number, start=START, customers=customers):
            self.add_order(order)
        self.listing = sorted(self.orders.values(),
                              key=lambda o: (o["date_modified_gmt"], o["id"]))
        self.bodies = [json.dumps(order).encode() for order in self.listing]

    def _route(self, api_request):
        if (api_request.method, api_request.path) == ("GET", "orders") \
                and api_request.params.get("status", "any") == "any":
            with self.lock:
                reply = paginate(self, api_request, self.listing)
            body = json.dumps(reply.body).replace("/", "\\/").encode()  # as WordPress does
            return reply.status, body, reply.headers, reply.ping
        return super()._route(api_request)


def hottest_frames(session, count: int, packages: tuple[str, ...] = ()) -> list[str]:
    """The `count` hottest functions of a pyinstrument session, as "function (file:line):
    seconds (share)". Without `packages`: self time. With `packages` (e.g. "connector/"): each
    function in those folders with the time of the library code it calls directly (SQL,
    ORM, JSON...), that is the time under it less the time under our functions it calls;
    time outside all of ours is "(framework)"."""
    spent: dict[str, float] = {}

    def visit(frame, owner: str) -> None:
        if frame.is_synthetic:
            return
        name = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        if not packages or any(f"/{p}" in (frame.file_path or "") for p in packages):
            owner = name
        spent[owner] = spent.get(owner, 0.0) + frame.total_self_time
        for child in frame.children:
            visit(child, owner)

    root = session.root_frame()
    if root is not None:
        visit(root, "(framework)")
    total = session.duration or 1.0
    ranked = sorted(spent.items(), key=lambda item: item[1], reverse=True)[:count]
    return [f"{name}: {seconds:.3f} s ({seconds / total:.0%})" for name, seconds in ranked]
