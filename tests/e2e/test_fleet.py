"""The scale-out mode under faults, as real processes on 127.0.0.1: gunicorn web processes, two
Dramatiq worker processes and the scheduler, on a fresh PostgreSQL database and the machine's
Redis or RabbitMQ. A busy day of orders (20% sent twice, shuffled) goes in while processes are
killed with SIGKILL, the broker restarts or PostgreSQL restarts; after the fleet drains, the
ledger must equal the one the same deliveries give through the embedded default, one by one.

`make test` runs about 740 deliveries a test; `make test-long` (LOYALTY_TEST_LONG=1) 5,000.
Each test prints its figures: deliveries sent, acknowledged, processed, duplicates absorbed,
kills, jobs retried and dead letters.
"""
from __future__ import annotations

import os
import random
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e import fleet as fleets
from tests.e2e.processes import wait_until
from tests.e2e.workload import busy_day, customers, unique_deliveries
from tests.fakes.woocommerce import FakeWooCommerce

pytestmark = pytest.mark.slow
LONG = os.environ.get("LOYALTY_TEST_LONG") == "1"
ORDERS = 2720 if LONG else 400  # 5,002 or 736 deliveries with the copies
ROOT = Path(__file__).resolve().parents[2]
ENSURE_SERVICES = ROOT / "scripts" / "ensure-services.sh"
DRAIN_SECONDS = 600 if LONG else 240


def figures(name: str, report: fleets.SendReport, counts: dict, **more) -> str:
    extra = ", ".join(f"{key} {value}" for key, value in more.items())
    line = (f"{name}: {report.line()}; processed {counts.get('inbox_done', 0)} done + "
            f"{counts.get('inbox_ignored', 0)} ignored, failed {counts.get('inbox_failed', 0)};"
            f" push jobs done {counts.get('outbox_done', 0)}, retried "
            f"{counts.get('jobs_retried', 0)}, dead letters {counts.get('outbox_dead', 0)}"
            f"{'; ' + extra if extra else ''}")
    print(line)
    return line


def check_against_clean_run(database_url: str, tmp_path, sent: list, counts: dict) -> None:
    unique = unique_deliveries(ORDERS)
    assert {d.key for d in sent} == {d.key for d in unique}
    assert counts.get("inbox_failed", 0) == 0 and counts.get("outbox_dead", 0) == 0, counts
    assert counts.get("inbox_done", 0) == len(unique), counts  # each delivery recorded once
    expected = fleets.clean_run(unique, tmp_path, customers(ORDERS))
    actual = fleets.ledger_facts(database_url)
    assert actual.keys() == expected.keys()
    different = [email for email in expected if actual[email] != expected[email]]
    assert not different, (f"{len(different)} customers differ from the clean run, e.g. "
                           f"{different[0]}: {actual[different[0]]} != {expected[different[0]]}")


@pytest.fixture
def store():
    with FakeWooCommerce(ping_webhooks=False) as fake:
        yield fake


def run_fleet(postgres_url: str, broker: str, tmp_path, store) -> fleets.Fleet:
    settings = fleets.fleet_settings(postgres_url, broker, tmp_path)
    return fleets.start_fleet(settings, store, customers(ORDERS), tmp_path / "logs")


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_deliveries_through_the_fleet_give_the_clean_runs_ledger(postgres_url, broker,
                                                                  tmp_path, store):
    fleet = run_fleet(postgres_url, broker, tmp_path, store)
    try:
        sent = busy_day(ORDERS, seed=1)
        report = fleets.Sender(fleet).send(sent)
        counts = fleets.wait_drained(postgres_url, DRAIN_SECONDS, fleet)
        figures(f"fleet on {broker}", report, counts)
        assert report.statuses == {200: len(sent)}
        assert report.duplicates == len(sent) - len(unique_deliveries(ORDERS))
        check_against_clean_run(postgres_url, tmp_path, sent, counts)
        assert "every cached balance" in fleet.loyalty.run("ledger", "verify").stdout
    finally:
        fleet.stop_all()
        fleets.forget_queues(fleet.loyalty.env)


class Chaos:
    """Kills a web process, the whole web server or a worker every 0.3 to 1.0 s: the first
    three kills one of each, in a random order, then at random."""

    KINDS = ("web process", "web server", "worker")

    def __init__(self, fleet: fleets.Fleet, seed: int):
        self.fleet, self.rng = fleet, random.Random(seed)
        self.stop = threading.Event()
        self.kills = dict.fromkeys(self.KINDS, 0)
        self.plan = self.rng.sample(self.KINDS, len(self.KINDS))
        self.thread = threading.Thread(target=self._run)

    @property
    def total(self) -> int:
        return sum(self.kills.values())

    def _next(self) -> str:
        if self.plan:
            return self.plan.pop()
        return self.rng.choices(self.KINDS, weights=(0.4, 0.15, 0.45))[0]

    def _run(self) -> None:
        while not self.stop.wait(self.rng.uniform(0.3, 1.0)):
            kind = self._next()
            children = self.fleet.web_children()
            if kind == "web process" and children:
                fleets.kill_pid(self.rng.choice(children))  # gunicorn starts another
            elif kind == "web server":
                self.fleet.kill_web()
            else:
                kind = "worker"
                self.fleet.kill_worker(self.rng.randrange(len(self.fleet.workers)))
            self.kills[kind] += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()


def test_kill_9_of_web_and_worker_processes_loses_and_doubles_nothing(postgres_url, tmp_path,
                                                                      store):
    fleet = run_fleet(postgres_url, "redis", tmp_path, store)
    try:
        sent = busy_day(ORDERS, seed=2)
        with Chaos(fleet, seed=2) as chaos:
            report = fleets.Sender(fleet).send(sent)
            # go on killing workers while the backlog is processed, a few times at least
            wait_until(lambda: chaos.total >= 8 or fleets.drained(postgres_url), 120,
                       "more kills or the end of the backlog", interval=0.5)
        counts = fleets.wait_drained(postgres_url, DRAIN_SECONDS, fleet)
        figures("kill -9", report, counts, kills=chaos.kills)
        assert all(chaos.kills.values()), chaos.kills
        check_against_clean_run(postgres_url, tmp_path, sent, counts)
        assert "every cached balance" in fleet.loyalty.run("ledger", "verify").stdout
    finally:
        fleet.stop_all()
        fleets.forget_queues(fleet.loyalty.env)


def _restart_when(sender_thread: threading.Thread, report: fleets.SendReport, stop_command,
                  down_seconds: float, seen_status: int | None) -> None:
    """Once a third of the deliveries were answered, stop the service, keep it down while the
    sender goes on (until `seen_status` was answered, if given), then start it again."""
    wait_until(lambda: report.posts > 200 or not sender_thread.is_alive(), 120, "sending")
    subprocess.run(stop_command, shell=True, check=True, capture_output=True, timeout=60)
    time.sleep(down_seconds)
    if seen_status is not None:
        wait_until(lambda: report.statuses[seen_status] >= 5, 60, f"{seen_status} answers")
    subprocess.run([str(ENSURE_SERVICES)], check=True, capture_output=True, timeout=120)


def _send_in_background(fleet: fleets.Fleet, sent: list):
    sender = fleets.Sender(fleet, give_up_after=240)
    thread = threading.Thread(target=sender.send, args=(sent,))
    thread.start()
    return sender, thread


def test_the_broker_restarted_mid_run_loses_nothing(postgres_url, tmp_path, store):
    fleet = run_fleet(postgres_url, "redis", tmp_path, store)
    try:
        sent = busy_day(ORDERS, seed=3)
        sender, thread = _send_in_background(fleet, sent)
        # Redis keeps nothing on disk here: every queued message is lost with it
        _restart_when(thread, sender.report, "redis-cli -h 127.0.0.1 -p 6379 shutdown nosave",
                      down_seconds=3, seen_status=None)
        thread.join()
        assert not sender.errors, sender.errors[:5]
        counts = fleets.wait_drained(postgres_url, DRAIN_SECONDS, fleet)
        figures("broker restart", sender.report, counts)
        assert sender.report.statuses == {200: len(sent)}  # acknowledged while it was down
        check_against_clean_run(postgres_url, tmp_path, sent, counts)
    finally:
        fleet.stop_all()
        fleets.forget_queues(fleet.loyalty.env)


def test_postgresql_restarted_mid_run_answers_503_and_loses_nothing(postgres_url, tmp_path,
                                                                    store):
    fleet = run_fleet(postgres_url, "redis", tmp_path, store)
    try:
        sent = busy_day(ORDERS, seed=4)
        sender, thread = _send_in_background(fleet, sent)
        clusters = "for v in $(ls /etc/postgresql); do " \
                   "pg_ctlcluster --skip-systemctl-redirect $v main stop -m fast; done"
        _restart_when(thread, sender.report, clusters, down_seconds=2, seen_status=503)
        thread.join()
        assert not sender.errors, sender.errors[:5]
        counts = fleets.wait_drained(postgres_url, DRAIN_SECONDS, fleet)
        figures("postgresql restart", sender.report, counts)
        assert sender.report.statuses[503] >= 5  # the platform was told to retry
        assert set(sender.report.statuses) <= {200, 503}, sender.report.statuses  # never a 500
        check_against_clean_run(postgres_url, tmp_path, sent, counts)
    finally:
        fleet.stop_all()
        fleets.forget_queues(fleet.loyalty.env)
