"""The scale-out pieces that need no running fleet: settings, sending after commit, the sweep,
and a lost race between two workers. Dramatiq's StubBroker stands in for Redis here; the
real brokers are in tests/e2e/test_fleet.py."""
from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from connector import outbox, pipeline
from connector.config import ConfigError, load_config
from connector.fleet.dispatch import BrokerDispatch, announce_new_jobs
from connector.fleet.sweeper import Sweep
from connector.fleet_config import Fleet
from connector.models import InboxDelivery, OutboxJob
from connector.types import utcnow
from tests.connector.woo import fixture_delivery, post

PG = "postgresql+psycopg://postgres@127.0.0.1/loyalty"
FLEET = Fleet(broker_url="redis://127.0.0.1:6379/0", kind="redis",
              rate_limit_url="redis://127.0.0.1:6379/0", shop_calls_per_second=4,
              sweep_seconds=10.0, worker_threads=4, prefix="unit")


def config(tmp_path, **env):
    return load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path), **env})


def test_no_broker_is_the_embedded_default(tmp_path):
    assert config(tmp_path).fleet is None


def test_a_redis_broker_shares_its_redis_for_the_shop_budgets(tmp_path):
    fleet = config(tmp_path, LOYALTY_DATABASE_URL=PG,
                   LOYALTY_BROKER_URL="redis://127.0.0.1:6379/2").fleet
    assert (fleet.kind, fleet.rate_limit_url) == ("redis", "redis://127.0.0.1:6379/2")
    assert (fleet.inbox_queue, fleet.outbox_queue) == ("loyalty-inbox", "loyalty-outbox")
    assert (fleet.shop_calls_per_second, fleet.sweep_seconds, fleet.worker_threads) == (4, 10, 4)


@pytest.mark.parametrize("env, words", [
    ({"LOYALTY_BROKER_URL": "kafka://x"}, "LOYALTY_BROKER_URL: expected a URL starting with"),
    ({"LOYALTY_BROKER_URL": "redis://"}, "LOYALTY_BROKER_URL: expected a URL"),
    ({"LOYALTY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/"},
     "LOYALTY_RATE_LIMIT_REDIS_URL: required with a RabbitMQ broker"),
    ({"LOYALTY_BROKER_URL": "redis://h", "LOYALTY_QUEUE_PREFIX": "Has Spaces"},
     "LOYALTY_QUEUE_PREFIX: expected 1 to 40"),
    ({"LOYALTY_BROKER_URL": "redis://h", "LOYALTY_SWEEP_SECONDS": "0"},
     "LOYALTY_SWEEP_SECONDS: expected a number above 0"),
    ({"LOYALTY_BROKER_URL": "redis://h", "LOYALTY_WORKER_THREADS": "many"},
     "LOYALTY_WORKER_THREADS: expected a whole number above 0"),
])
def test_a_bad_scale_out_setting_names_the_variable(tmp_path, env, words):
    with pytest.raises(ConfigError, match=words):
        config(tmp_path, LOYALTY_DATABASE_URL=PG, **env)


def test_the_scale_out_mode_refuses_sqlite_and_says_what_to_set(tmp_path):
    with pytest.raises(ConfigError, match="needs PostgreSQL; set LOYALTY_DATABASE_URL"):
        config(tmp_path, LOYALTY_BROKER_URL="redis://127.0.0.1:6379/0")


def stub_dispatch() -> tuple[BrokerDispatch, StubBroker]:
    broker = StubBroker()
    broker.emit_after("process_boot")
    for queue in (FLEET.inbox_queue, FLEET.outbox_queue):
        broker.declare_queue(queue)
    return BrokerDispatch(FLEET, broker), broker


def queued(broker: StubBroker, queue: str) -> list[tuple[str, tuple]]:
    return [(m.actor_name, tuple(m.args)) for m in map(
        Message.decode, broker.queues[queue].queue if queue in broker.queues else [])]


def test_each_recorded_delivery_becomes_one_message(app, services, client, woo_shop):
    dispatch, broker = stub_dispatch()
    app.extensions["loyalty"].dispatch = dispatch
    assert post(client, woo_shop, *fixture_delivery("04")).status_code == 200
    assert post(client, woo_shop, *fixture_delivery("04")).status_code == 200  # duplicate
    with services.db.reading() as session:
        (row_id,) = session.scalars(select(InboxDelivery.id))
    assert queued(broker, FLEET.inbox_queue) == [("process_delivery", (row_id,))]


class DownBroker(StubBroker):
    def enqueue(self, message, *, delay=None):
        raise ConnectionError("the broker is down")


def test_a_broker_that_is_down_costs_the_acknowledgement_nothing(app, services, client,
                                                                 woo_shop):
    down = app.extensions["loyalty"].dispatch = BrokerDispatch(FLEET, DownBroker())
    answer = post(client, woo_shop, *fixture_delivery("04"))
    assert answer.status_code == 200 and answer.get_json() == {"status": "accepted"}
    assert down.failures == 1
    with services.db.reading() as session:  # recorded: the sweep will send it
        assert session.scalars(select(InboxDelivery.status)).all() == ["new"]
    post(client, woo_shop, *fixture_delivery("06"))
    assert down.failures == 1  # not tried again at once: the quiet window


def test_new_push_jobs_are_announced_only_once_committed(services, woo_shop):
    dispatch, broker = stub_dispatch()
    announce_new_jobs(services.db.sessions, dispatch)
    with pytest.raises(RuntimeError), services.db.transaction() as session:
        outbox.enqueue(session, woo_shop, "profile.push", "rolled-back", {})
        session.flush()
        raise RuntimeError("the ledger write failed")
    assert queued(broker, FLEET.outbox_queue) == []
    with services.db.transaction() as session:
        outbox.enqueue(session, woo_shop, "profile.push", "kept", {})
    with services.db.reading() as session:
        (job_id,) = session.scalars(select(OutboxJob.id))
    assert queued(broker, FLEET.outbox_queue) == [("run_push_job", (job_id,))]


def test_the_sweep_resends_what_waited_a_sweep_untaken_once(services, client, woo_shop):
    dispatch, broker = stub_dispatch()
    for name in ("04", "06"):
        post(client, woo_shop, *fixture_delivery(name))
    with services.db.transaction() as session:
        outbox.enqueue(session, woo_shop, "profile.push", "a", {})
        session.execute(update(InboxDelivery).values(received_at=utcnow() - timedelta(minutes=1)))
        session.execute(update(OutboxJob).values(due_at=utcnow() - timedelta(minutes=1)))
        fresh = outbox.enqueue(session, woo_shop, "profile.push", "b", {})  # due just now
    assert fresh
    sweep = Sweep(dispatch, FLEET, every=10)
    assert sweep.run(services.db, utcnow()) == 3
    assert sorted(queued(broker, FLEET.inbox_queue)) == [("process_delivery", (1,)),
                                                          ("process_delivery", (2,))]
    assert queued(broker, FLEET.outbox_queue) == [("run_push_job", (1,))]
    assert sweep.run(services.db, utcnow()) == 0  # remembered: not re-sent every sweep
    pipeline.drain(services.db)
    assert Sweep(dispatch, FLEET, every=10).run(services.db, utcnow()) == 1  # only the job


def test_a_sweep_stops_at_a_broker_that_is_down(services, client, woo_shop):
    post(client, woo_shop, *fixture_delivery("04"))
    with services.db.transaction() as session:
        session.execute(update(InboxDelivery).values(received_at=utcnow() - timedelta(minutes=1)))
    sweep = Sweep(BrokerDispatch(FLEET, DownBroker()), FLEET, every=10)
    assert sweep.run(services.db, utcnow()) == 0
    assert sweep.sent_at == {}  # nothing remembered: sent at the next sweep


def test_a_delivery_that_lost_a_race_runs_again_at_once_uncounted(services, client, woo_shop,
                                                                  monkeypatch):
    post(client, woo_shop, *fixture_delivery("04"))
    real, lost = pipeline.process_delivery, []

    def first_loses(session, row, now):
        if not lost:
            lost.append(row.id)
            raise IntegrityError("INSERT INTO orders", {}, Exception("duplicate key"))
        return real(session, row, now)

    monkeypatch.setattr(pipeline, "process_delivery", first_loses)
    assert pipeline.process_one(services.db)
    with services.db.reading() as session:
        row = session.get(InboxDelivery, lost[0])
        assert (row.status, row.attempts) == ("done", 1)
        assert "owed 56" in row.note


def _wait_for_a_fresh_second() -> None:
    time.sleep(1.02 - time.time() % 1)


def test_calls_to_one_store_share_one_budget_across_workers(services, woo_shop, monkeypatch):
    """Dramatiq's keyed window limiter in the real Redis: with 3 calls a second for the shop,
    ten push jobs taken at once by ten worker threads make three calls in that second; the others
    come back to the queue a second or so later, untouched."""
    import threading
    import uuid
    from dataclasses import replace

    from connector import pushing
    from connector.fleet.tasks import declare
    from tests.e2e.fleet import BROKERS, forget_queues

    fleet = replace(FLEET, rate_limit_url=BROKERS["redis"], shop_calls_per_second=3,
                    prefix=f"t{uuid.uuid4().hex[:12]}")
    services.config = replace(services.config, fleet=fleet)
    broker = stub_dispatch()[1]
    services.dispatch = BrokerDispatch(fleet, broker)
    with services.db.transaction() as session:
        for number in range(10):
            outbox.enqueue(session, woo_shop, "profile.push", f"job-{number}", {})
    ran: list[int] = []
    second_of_call: list[int] = []

    def run_one(_services, job_id: int) -> None:
        second_of_call.append(int(time.time()))  # Dramatiq's window buckets are whole seconds
        ran.append(job_id)

    monkeypatch.setattr(pushing, "run_one", run_one)
    run_push_job = declare(broker, services)["run_push_job"].fn
    start = threading.Barrier(10, action=_wait_for_a_fresh_second)

    def worker_thread(job_id: int) -> None:
        start.wait()
        run_push_job(job_id)

    threads = [threading.Thread(target=worker_thread, args=(job,)) for job in range(1, 11)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # The budget is per second across every thread: a slow machine may spread the ten over
        # two seconds (then up to 3 more run in the second one), never more than 3 in one second.
        assert max(Counter(second_of_call).values()) == 3
        delayed = [Message.decode(raw) for raw in broker.queues[f"{fleet.outbox_queue}.DQ"].queue]
        assert sorted(m.args[0] for m in delayed) == sorted(set(range(1, 11)) - set(ran))
        assert all(500 <= m.options["eta"] - m.message_timestamp <= 1600 for m in delayed)
    finally:
        forget_queues({"LOYALTY_QUEUE_PREFIX": fleet.prefix,
                       "LOYALTY_BROKER_URL": BROKERS["redis"]})
