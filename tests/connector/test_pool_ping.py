"""Pooled PostgreSQL connections: one idle past connector.db.PING_AFTER_IDLE is checked before
use, so a server restart costs no request; one back from use a moment ago is not pinged."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from connector import db as db_module
from connector.db import Database
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def database(postgres_url):
    built = Database(postgres_url)
    yield built
    built.dispose()


def _drop_every_connection(url: str) -> int:
    """What a restarted server does to our pool: end the backends of the database."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"),
            {"name": make_url(url).database}).scalar_one()
    admin.dispose()
    return ended


def _pings(monkeypatch, database: Database) -> list[int]:
    sent: list[int] = []
    real = database.engine.dialect.do_ping

    def counted(dbapi_connection):
        sent.append(1)
        return real(dbapi_connection)
    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    return sent


def test_connections_the_server_dropped_are_replaced_before_a_read_or_a_write(
        database, postgres_url, monkeypatch):
    with database.reading() as session:
        assert session.scalar(select(1)) == 1
    with database.transaction() as session:
        session.execute(select(1))
    assert _drop_every_connection(postgres_url) >= 1
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE", 0.0)  # as if idle for a while
    with database.reading() as session:
        assert session.scalar(select(2)) == 2
    with database.transaction() as session:
        assert session.scalar(select(3)) == 3


def test_a_connection_back_from_use_a_moment_ago_is_not_pinged(database, monkeypatch):
    pings = _pings(monkeypatch, database)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE", 60.0)
    for _ in range(5):
        with database.reading() as session:
            session.scalar(select(1))
    assert pings == []
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE", 0.0)
    with database.reading() as session:
        session.scalar(select(1))
    assert pings == [1]
