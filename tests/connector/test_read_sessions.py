"""Read sessions (reading(), snapshot()) only read: a change made in one is refused, never written."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from connector.models import Shop


def test_a_change_in_a_read_session_is_refused_and_not_written(services, woo_shop):
    with services.db.reading() as session:
        session.get(Shop, woo_shop).status_note = "written by a read"
        with pytest.raises(RuntimeError, match="write in transaction"):
            session.scalar(select(Shop.id))  # autoflush would have sent the change
    with services.db.reading() as session:
        assert session.scalar(select(Shop.status_note).where(Shop.id == woo_shop)) is None


def test_a_snapshot_streams_rows_and_does_not_see_a_later_commit(services, woo_shop):
    with services.db.snapshot() as session:
        streamed = session.execute(select(Shop.id, Shop.status_note)
                                   .execution_options(yield_per=1)).all()
        assert streamed == [(woo_shop, None)]
        with services.db.transaction() as writer:
            writer.get(Shop, woo_shop).status_note = "committed meanwhile"
        assert session.scalar(select(Shop.status_note).where(Shop.id == woo_shop)) is None
    with services.db.reading() as session:
        assert session.scalar(select(Shop.status_note)
                              .where(Shop.id == woo_shop)) == "committed meanwhile"


def test_a_change_in_a_snapshot_is_refused(services, woo_shop):
    with services.db.snapshot() as session:
        session.get(Shop, woo_shop).status_note = "written by a snapshot"
        with pytest.raises(RuntimeError, match="write in transaction"):
            session.flush()


def test_sqlite_balance_reads_map_the_file_and_writes_imports_and_exports_do_not(tmp_path):
    from connector.db import MMAP_BYTES, Database

    database = Database(f"sqlite:///{tmp_path / 'mapped.db'}")
    try:
        def mapped(session) -> int:
            return session.connection().exec_driver_sql("PRAGMA mmap_size").scalar()
        with database.transaction() as session:
            assert mapped(session) == 0
            session.connection().exec_driver_sql("CREATE TABLE t (n INTEGER)")
        with database.snapshot() as session:
            assert mapped(session) == 0
        with database.reading() as session:
            assert mapped(session) == MMAP_BYTES
            assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with database.transaction() as session:
            session.connection().exec_driver_sql("INSERT INTO t VALUES (7)")
        with database.reading() as session:  # a mapped reader sees the last commit
            assert session.connection().exec_driver_sql("SELECT n FROM t").all() == [(7,)]
    finally:
        database.dispose()
