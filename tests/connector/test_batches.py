"""The worker takes deliveries in batches, several to a transaction: the ledger it leaves is the
one a delivery-at-a-time run leaves, and one bad delivery costs its batch nothing but speed."""
from __future__ import annotations

import json

from sqlalchemy import event, select

from connector import pipeline, programs
from connector.intake import record_delivery
from connector.models import Customer, InboxDelivery, LedgerEntry, OutboxJob
from connector.shops import add_shop
from connector.types import utcnow
from tests.e2e.workload import unique_deliveries
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET, drain_in_threads

ORDERS = 12  # 18 deliveries: paid, some completed later, some partly refunded


def _shop(services, port: int) -> int:
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", f"http://127.0.0.1:{port}/",
                        webhook_secret=WOO_SECRET, api_key="ck_test", api_secret="cs_test")
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example")
        return shop.id


def _fill(services, shop_id: int, bodies: list[tuple[str, bytes]]) -> None:
    for n, (topic, body) in enumerate(bodies):
        record_delivery(services.db, platform="woocommerce", shop_id=shop_id,
                        dedupe_key=f"batch:{shop_id}:{n}", topic=topic, body=body,
                        received_at=utcnow())


def _workload(orders: int = ORDERS) -> list[tuple[str, bytes]]:
    return [(d.headers["X-WC-Webhook-Topic"], d.body) for d in unique_deliveries(orders)]


def _ledger(services, shop_id: int) -> list[tuple]:
    """The shop's entries as a customer would read them: who (by e-mail), what, how many,
    from which order (keys name customer ids, which differ between the two shops)."""
    with services.db.reading() as session:
        rows = session.execute(
            select(Customer.email, LedgerEntry.kind, LedgerEntry.points, LedgerEntry.lot)
            .join(Customer, Customer.id == LedgerEntry.customer_id)
            .where(LedgerEntry.shop_id == shop_id))
        return sorted(tuple(row) for row in rows)


def _balances(services, shop_id: int) -> dict[str, int]:
    with services.db.reading() as session:
        return {email: total for email, total in session.execute(
            select(Customer.email, Customer.points_total)
            .join(LedgerEntry, LedgerEntry.customer_id == Customer.id)
            .where(LedgerEntry.shop_id == shop_id).distinct())}


def _commits(services) -> list[int]:
    counted = [0]

    def count(_connection) -> None:
        counted[0] += 1
    event.listen(services.db.engine, "commit", count)
    return counted


def test_a_batch_writes_the_ledger_of_one_delivery_at_a_time_in_one_commit(services,
                                                                          monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 60)  # a slow machine ends no batch early
    one_by_one, batched = _shop(services, 8001), _shop(services, 8002)
    # two programs, two sets of customers: each shop's customers are its own
    work = _workload()
    _fill(services, one_by_one, work)
    while pipeline.process_one(services.db):
        pass
    _fill(services, batched, work)
    commits = _commits(services)
    processed = pipeline.process_batch(services.db)
    assert processed == len(work)
    assert commits[0] == 1
    assert _ledger(services, batched) == _ledger(services, one_by_one) != []
    assert _balances(services, batched) == _balances(services, one_by_one)


def _profile_jobs(services, shop_id: int) -> list[tuple[int, str]]:
    with services.db.reading() as session:
        return sorted((json.loads(job.payload)["customer_id"], job.idempotency_key)
                      for job in session.scalars(select(OutboxJob).where(
                          OutboxJob.shop_id == shop_id, OutboxJob.kind == "customer.profile")))


def test_a_batch_pushes_each_customer_once_with_the_totals_it_ends_with(services, monkeypatch):
    """Three orders a customer, paid, completed, refunded: one delivery at a time queues a
    profile push per change; a batch only the last state, which is all the store needs."""
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 60)
    one_by_one, batched = _shop(services, 8001), _shop(services, 8002)
    _fill(services, one_by_one, _workload())
    while pipeline.process_one(services.db):
        pass
    _fill(services, batched, _workload())
    assert pipeline.process_batch(services.db) == len(_workload())
    pushed = _profile_jobs(services, batched)
    with services.db.reading() as session:
        final = {customer.id: customer for customer in session.scalars(
            select(Customer).where(Customer.id.in_([cid for cid, _ in pushed])))}
    assert sorted(cid for cid, _ in pushed) == sorted(final) and len(final) == 4
    for cid, key in pushed:
        assert key.endswith(f":{final[cid].points_total}:{final[cid].lifetime_earned}:"
                            f"{final[cid].tier}")
    assert len(_profile_jobs(services, one_by_one)) > 2 * len(pushed)


def test_a_bad_delivery_rolls_back_its_batch_and_only_it_fails(services):
    clean, spoiled = _shop(services, 8001), _shop(services, 8002)
    work = _workload()
    _fill(services, clean, work)
    pipeline.drain(services.db)
    _fill(services, spoiled, work[:5] + [("order.updated", b'{"id": 99, "status": ')] + work[5:])
    commits = _commits(services)
    assert pipeline.drain(services.db) == len(work) + 1
    assert commits[0] > 1  # the batch was rolled back and its deliveries ran one by one
    assert _ledger(services, spoiled) == _ledger(services, clean) != []
    with services.db.reading() as session:
        rows = session.scalars(select(InboxDelivery).where(InboxDelivery.shop_id == spoiled))
        failed = [(row.status, row.attempts, row.note.split(":")[0]) for row in rows
                  if row.status != "done"]
    assert failed == [("failed", 1, "JSONDecodeError")]


def test_a_batch_ends_when_its_time_is_up_and_the_next_takes_the_rest(services, monkeypatch):
    shop = _shop(services, 8001)
    _fill(services, shop, _workload()[:4])
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", 0)
    assert [pipeline.process_batch(services.db) for _ in range(5)] == [1, 1, 1, 1, 0]


def test_two_workers_creating_the_same_new_customers_leave_the_clean_ledger(services,
                                                                             monkeypatch):
    """One claimed delivery at a time, so a new customer's orders land in both workers'
    batches: on PostgreSQL the second insert of a customer waits for the first batch's commit,
    fails on the unique key, and runs again in its savepoint; nothing is lost or doubled."""
    from connector.ledger import verify

    clean, raced = _shop(services, 8001), _shop(services, 8002)
    work = _workload(30)
    _fill(services, clean, work)
    pipeline.drain(services.db)
    _fill(services, raced, work)
    monkeypatch.setattr(pipeline, "CLAIM_CHUNK", 1)
    assert drain_in_threads(services.db, 2) == []
    assert _ledger(services, raced) == _ledger(services, clean) != []
    assert _balances(services, raced) == _balances(services, clean)
    with services.db.reading() as session:
        assert verify(session) == []
        statuses = set(session.scalars(select(InboxDelivery.status)
                                       .where(InboxDelivery.shop_id == raced)))
    assert statuses == {"done"}
