"""Engines and transactions for SQLite (embedded default) and PostgreSQL (scale-out).

SQLite runs in WAL mode with synchronous=FULL, so an acknowledged delivery survives a power
cut. Writers in one process take one lock: SQLite has a single write lock, and threads that
fight for it through busy_timeout stall in 100 ms steps. Write transactions start with
BEGIN IMMEDIATE so two processes never deadlock upgrading a read lock; reads (`reading()`,
which never commits) start with a plain BEGIN, so a balance read neither waits for a writer
nor holds one up: WAL readers see the last commit. On PostgreSQL `reading()` autocommits (each
statement sees the last commit, as under READ COMMITTED anyway), and `snapshot()` is one
REPEATABLE READ, READ ONLY transaction for exports and replays.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, Result, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def run_prepared(session: Session, statement, flush: bool = True, **params) -> Result:
    """Run a statement built once at import (table columns and `bindparam`s, no ORM entities)
    in the session's transaction. It costs a quarter of the Python of an ORM query built per
    call, and the worker makes about ten such lookups a delivery. Pending changes are flushed
    first, as an ORM query would (unless the caller turned autoflush off), or not at all with
    `flush=False`, for rows that are written at once (ledger entries) or flushed as they are
    (links, referrals): the row being built for the current order is then written once, not
    per lookup."""
    if flush and session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON")
# The read connections (reading()) map the database file into memory: a balance read touches a
# page per ledger row it shows, scattered over the file, and a mapped page costs no read()
# system call: a tenth or more off the storefront balance with a million entries (bench/reads).
# Only those: an import or an export that went through the map would count every page it
# touched in its resident memory.
MMAP_BYTES = 256 * 2**20
_READ_PRAGMAS = (*_PRAGMAS, f"mmap_size={MMAP_BYTES}")


def _sqlite_pragmas(pragmas: tuple[str, ...]):
    def connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
        cursor = dbapi_conn.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
    return connect


READ_ONLY = "loyalty_read_only"  # execution option of the reading sessions' engine


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY)
                         else "BEGIN IMMEDIATE")


def _make_engine(url: str, autocommit: bool, mapped: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas(_READ_PRAGMAS if mapped else _PRAGMAS))
        if not autocommit:
            event.listen(engine, "begin", _sqlite_begin)
        return engine
    # The acknowledgement engine pings nothing: it retries a dropped connection itself
    # (connector.intake), and a ping per delivery costs a round trip.
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    engine = create_engine(url, pool_size=10, max_overflow=20, **options)
    if not autocommit:
        event.listen(engine, "checkin", _idle_from)
        event.listen(engine, "checkout", _ping_if_idle(engine))
    return engine


# A pooled connection idle for longer than this is pinged before it is handed out (a restarted
# or failed-over server has dropped it). One that was in use a moment ago is not: under load
# that saves a round trip on every request, as HikariCP's aliveBypassWindowMs (also 500 ms) does.
PING_AFTER_IDLE = 0.5


def _idle_from(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(engine: Engine):
    def checkout(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")  # None: a new connection, nothing to check
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # the pool drops this and every older connection, and hands out a new one
            raise exc.InvalidatePoolError(f"pooled connection is gone: {error}") from error
    return checkout


# PostgreSQL options of the two kinds of read session (on SQLite both are a deferred BEGIN, one
# snapshot for the whole read). reading(): autocommit, as under READ COMMITTED every statement
# takes its own snapshot anyway, and a read saves the round trips of BEGIN and ROLLBACK.
# snapshot(): one snapshot for a whole long read (an export, a replay), in a transaction, which
# server-side cursors (yield_per) also need.
_PG_READING = {"isolation_level": "AUTOCOMMIT"}
_PG_SNAPSHOT = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}


def _refuse_writes(session: Session, _context, _instances) -> None:
    """A read session never writes: a reading() session on PostgreSQL autocommits, so a stray
    change would stick instead of rolling back with the session."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a change was made in a read session; write in transaction()")


def _read_only_sessions(engine: Engine, is_sqlite: bool, postgresql: dict) -> sessionmaker:
    options = {READ_ONLY: True, **({} if is_sqlite else postgresql)}
    factory = sessionmaker(engine.execution_options(**options), expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_writes)
    return factory


class Database:
    """The engines, session factory and per-process write lock of one configured database."""

    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine = _make_engine(url, autocommit=False)
        self.ack_engine = _make_engine(url, autocommit=True)
        # SQLite: its own pool of memory-mapped connections; PostgreSQL: the same pool
        self.read_engine = _make_engine(url, autocommit=False, mapped=True) \
            if self.is_sqlite else self.engine
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = _read_only_sessions(self.read_engine, self.is_sqlite, _PG_READING)
        self._snapshot_sessions = _read_only_sessions(self.engine, self.is_sqlite, _PG_SNAPSHOT)
        self._write_lock = threading.Lock() if self.is_sqlite else None

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            yield

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any error."""
        with self.write_lock(), self.sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only: it is closed, never committed."""
        with self._read_sessions() as session:
            yield session

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only session that sees one snapshot from its first statement to its end and
        may stream rows (yield_per); for reads too long or too wide for reading()."""
        with self._snapshot_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        self.ack_engine.dispose()
        self.read_engine.dispose()
