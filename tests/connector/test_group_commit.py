"""Group commit on the acknowledgement path: deliveries arriving together share one INSERT and
one commit, each caller learns whether its own delivery was new, and a failed batch fails every
caller in it (503) without wedging the ones after it. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from connector import intake
from connector.models import InboxDelivery
from connector.shops import add_shop
from connector.types import utcnow
from tests.connector.woo import fixture_delivery, post
from tests.e2e.processes import wait_until


@pytest.fixture
def shop_id(services):
    with services.db.transaction() as session:
        return add_shop(session, services.box, "woocommerce", "https://gc.example/",
                        webhook_secret="s").id


def _record(services, shop_id: int, key: str):
    return intake.record_delivery(services.db, platform="woocommerce", shop_id=shop_id,
                                  dedupe_key=key, topic="order.updated", body=b'{"id": 1}',
                                  received_at=utcnow())


def _rows(services) -> int:
    with services.db.reading() as session:
        return session.scalar(select(func.count()).select_from(InboxDelivery))


def test_deliveries_arriving_together_share_one_commit_and_each_gets_its_own_id(
        services, shop_id, monkeypatch):
    writes, original = [], intake.GroupCommit._insert

    def slow_first(self, sql, params):
        writes.append(len(params) // 6)
        if len(writes) == 1:  # the rest arrive while the first batch is being written
            wait_until(lambda: len(self._pending) == 19, 10, "19 queued deliveries", 0.01)
        return original(self, sql, params)

    monkeypatch.setattr(intake.GroupCommit, "_insert", slow_first)
    with ThreadPoolExecutor(20) as pool:
        first = pool.submit(_record, services, shop_id, "key-0")
        wait_until(lambda: writes, 10, "the first write", 0.01)
        rest = [pool.submit(_record, services, shop_id, f"key-{n}") for n in range(1, 20)]
        ids = [first.result(), *(done.result() for done in rest)]
    assert len(set(ids)) == 20 and None not in ids
    assert writes == [1, 19]
    assert _rows(services) == 20


def test_the_same_delivery_from_many_threads_is_new_exactly_once(services, shop_id):
    start = threading.Barrier(16)

    def record(_):
        start.wait()
        return _record(services, shop_id, "the-same")

    with ThreadPoolExecutor(16) as pool:
        ids = list(pool.map(record, range(16)))
    assert sum(i is not None for i in ids) == 1
    assert _record(services, shop_id, "the-same") is None
    assert _rows(services) == 1


def test_a_failed_batch_fails_its_callers_and_the_next_delivery_is_stored(
        services, shop_id, monkeypatch):
    original = intake.GroupCommit._insert

    def broken(self, sql, params):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake.GroupCommit, "_insert", broken)
    with pytest.raises(intake.StorageUnavailable, match="disk on fire"):
        _record(services, shop_id, "lost-for-now")
    monkeypatch.setattr(intake.GroupCommit, "_insert", original)
    assert _record(services, shop_id, "lost-for-now") is not None  # the platform's retry
    assert _rows(services) == 1


def test_a_webhook_answers_503_when_the_inbox_cannot_be_written(client, services, woo_shop,
                                                               monkeypatch):
    def broken(self, sql, params):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake.GroupCommit, "_insert", broken)
    body, headers = fixture_delivery("04")
    answer = post(client, woo_shop, body, headers)
    assert answer.status_code == 503
    assert answer.get_json()["code"] == "database-unavailable"
    assert _rows(services) == 0
