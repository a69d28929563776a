"""reading() sessions only read: a change made in one is refused, never written."""
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
