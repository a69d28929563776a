"""The acknowledgement path's only write: deliveries recorded with group commit.

No ORM session and no BEGIN/COMMIT round trips: the platform is waiting (Shopify allows 5 s,
WooCommerce disables a webhook after repeated failures), and rules work happens later. Every
delivery that arrives while a batch is being written waits for the next one; each batch is one
autocommit `INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING`, so deliveries
arriving together share one commit (one fsync), and each thread answers only after the commit
that holds its row. A lone delivery is written at once: nothing waits for company.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime

from connector.db import Database

MAX_BATCH = 64
WAIT_SECONDS = 30  # a follower gives up (503) if no batch took its row by then


class StorageUnavailable(Exception):
    """The inbox could not be written: the caller answers 503 and the platform retries."""


@dataclass(eq=False)
class _Waiting:
    row: tuple  # platform, shop_id, dedupe_key, topic, body, received_at
    ready: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: int | None = None
    error: Exception | None = None


class GroupCommit:
    def __init__(self, db: Database):
        self._db = db
        self._lock = threading.Lock()
        self._pending: list[_Waiting] = []
        self._leading = False
        self._sql: dict[int, str] = {}

    def record(self, row: tuple) -> int | None:
        me = _Waiting(row)
        with self._lock:
            self._pending.append(me)
            if not self._leading:
                self._leading = me.lead = True
        if not me.lead and not me.ready.wait(WAIT_SECONDS):
            with self._lock:
                if not me.lead and me in self._pending:  # no batch took it: give up
                    self._pending.remove(me)
                    raise StorageUnavailable("the inbox write did not finish in time")
        if me.lead:
            self._lead()  # a batch with this delivery in it
        else:
            me.ready.wait()  # its batch is being written
        if me.error is not None:
            raise me.error
        return me.result

    def _lead(self) -> None:
        """Write everything waiting (up to MAX_BATCH), then hand the lead to the next waiter."""
        with self._lock:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        try:
            results = self._write([waiting.row for waiting in batch])
        except Exception as exc:  # noqa: BLE001 - every waiter of the batch gets it
            unavailable = StorageUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}")
            results = [None] * len(batch)
            for waiting in batch:
                waiting.error = unavailable
        with self._lock:
            successor = self._pending[0] if self._pending else None
            if successor is None:
                self._leading = False
            else:
                successor.lead = True
        for waiting, result in zip(batch, results):
            waiting.result, waiting.lead = result, False
            waiting.ready.set()
        if successor is not None:
            successor.ready.set()

    def _write(self, rows: list[tuple]) -> list[int | None]:
        first: dict[tuple, int] = {}
        for index, row in enumerate(rows):
            first.setdefault(row[:3], index)  # the same delivery twice in a batch: one row
        unique = [rows[i] for i in sorted(first.values())]
        params = [value for row in unique for value in self._bound(row)]
        sql = self._statement(len(unique))
        broken = self._db.ack_engine.dialect.loaded_dbapi.OperationalError
        for attempt in (1, 2):  # a pooled connection the server dropped: once more, afresh
            try:
                made = self._insert(sql, params)
                break
            except broken:
                if attempt == 2:
                    raise
        return [made.get(row[:3]) if first[row[:3]] == index else None
                for index, row in enumerate(rows)]

    def _insert(self, sql: str, params: list) -> dict[tuple, int]:
        with self._db.write_lock():
            connection = self._db.ack_engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(sql, params)
                made = {(platform, shop, key): row_id
                        for row_id, platform, shop, key in cursor.fetchall()}
                cursor.close()
                connection.commit()
            except Exception:
                connection.invalidate()  # a broken connection must not go back to the pool
                raise
            finally:
                connection.close()
        return made

    def _bound(self, row: tuple) -> tuple:
        received: datetime = row[5]
        if self._db.is_sqlite:  # stored as SQLAlchemy stores it: naive UTC text
            received = received.strftime("%Y-%m-%d %H:%M:%S.%f")  # type: ignore[assignment]
        return (*row[:5], received)

    def _statement(self, count: int) -> str:
        if count not in self._sql:
            mark = "?" if self._db.is_sqlite else "%s"
            values = ", ".join([f"({', '.join([mark] * 6)}, 'new', 0)"] * count)
            self._sql[count] = (
                "INSERT INTO inbox (platform, shop_id, dedupe_key, topic, body, received_at, "
                f"status, attempts) VALUES {values} ON CONFLICT (platform, shop_id, dedupe_key)"
                " DO NOTHING RETURNING id, platform, shop_id, dedupe_key")
        return self._sql[count]


_WRITERS: weakref.WeakKeyDictionary[Database, GroupCommit] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def record_delivery(db: Database, *, platform: str, shop_id: int, dedupe_key: str, topic: str,
                    body: bytes, received_at: datetime) -> int | None:
    """Store a verified delivery: its inbox id when new, None when it was already recorded.
    Raises StorageUnavailable when the database cannot be written."""
    with _WRITERS_LOCK:
        writer = _WRITERS.get(db)
        if writer is None:
            writer = _WRITERS[db] = GroupCommit(db)
    return writer.record((platform, shop_id, dedupe_key, topic, body, received_at))
