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
