"""Two workers applying one customer's orders at once never lose an update to the cached
balance (PostgreSQL row lock; SQLite has one writer)."""
from __future__ import annotations

from connector import pipeline
from connector.ledger import verify
from tests.connector.woo import edited_delivery, post
from tests.support import drain_in_threads


def test_concurrent_workers_keep_the_cached_balance_exact(client, services, woo_shop):
    for n in range(40):
        post(client, woo_shop, *edited_delivery("04", id=2000 + n))  # all alice's orders
    pipeline.drain(services.db, limit=1)  # creates alice, so the workers race on her row
    assert drain_in_threads(services.db, 4) == []
    pipeline.drain(services.db)  # anything a conflict sent back for another attempt
    with services.db.reading() as session:
        assert verify(session) == []
        from sqlalchemy import select

        from connector.models import Customer, InboxDelivery

        assert session.scalar(select(Customer.points_total)) == 40 * 56 + 200
        assert {row.status for row in session.scalars(select(InboxDelivery))} == {"done"}


def test_a_read_neither_waits_for_an_open_write_nor_sees_it(services, woo_shop):
    """A balance read during a worker's long transaction answers at once with the last
    committed figure (SQLite: the read starts with a plain BEGIN, not BEGIN IMMEDIATE)."""
    import threading

    from sqlalchemy import select

    from connector.models import Shop

    writing, read_done, outcome = threading.Event(), threading.Event(), {}

    def worker() -> None:
        with services.db.transaction() as session:
            session.get(Shop, woo_shop).status_note = "renamed, not committed"
            session.flush()
            writing.set()
            outcome["read while the write was open"] = read_done.wait(timeout=20)

    thread = threading.Thread(target=worker)
    thread.start()
    assert writing.wait(timeout=20)
    with services.db.reading() as session:
        name = session.scalar(select(Shop.status_note).where(Shop.id == woo_shop))
    read_done.set()
    thread.join(timeout=30)
    assert outcome == {"read while the write was open": True}
    assert name != "renamed, not committed"  # the read saw the last commit
    with services.db.reading() as session:
        assert session.scalar(select(Shop.status_note).where(Shop.id == woo_shop)) == \
            "renamed, not committed"
