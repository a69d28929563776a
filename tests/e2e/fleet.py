"""The scale-out mode as real processes: gunicorn web processes, Dramatiq workers and the
scheduler, on a fresh PostgreSQL database and the machine's Redis (or RabbitMQ), each test with
its own queue prefix so no two tests share a queue. A fake WooCommerce store takes the pushes.

Also: sending deliveries the way a platform does (retry until a 200, within a bound), killing
processes, and reading the ledger of a database as comparable facts.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.e2e.processes import LOYALTY, Loyalty, free_port, stop, wait_until
from tests.e2e.workload import Delivery
from tests.fakes.woocommerce import FakeWooCommerce
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET

BROKERS = {"redis": "redis://127.0.0.1:6379/0",
           "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/%2F"}


def fleet_settings(database_url: str, broker: str, tmp_path) -> dict[str, str]:
    prefix = f"t{uuid.uuid4().hex[:12]}"
    return {"LOYALTY_DATABASE_URL": database_url, "LOYALTY_BROKER_URL": BROKERS[broker],
            "LOYALTY_RATE_LIMIT_REDIS_URL": BROKERS["redis"], "LOYALTY_QUEUE_PREFIX": prefix,
            "LOYALTY_SWEEP_SECONDS": "1", "LOYALTY_INSTANCE_PATH": str(tmp_path / "inst"),
            "LOYALTY_LOG_LEVEL": "INFO", "LOYALTY_PUSH_TIMEOUT_SECONDS": "5",
            "LOYALTY_SHOP_CALLS_PER_SECOND": "50"}


@dataclass
class Fleet:
    loyalty: Loyalty
    port: int
    shop_id: int
    logs: Path  # each process writes its output to a file here (a full pipe would stall it)
    web: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    scheduler: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / f"{name}.log", "a") as output:
            return subprocess.Popen([*LOYALTY, *args], env=self.loyalty.env, stdout=output,
                                    stderr=subprocess.STDOUT)

    def start_web(self, processes: int = 2) -> None:
        self.web = self._start("web", "serve", "--port", str(self.port), "--processes",
                               str(processes))
        wait_until(self._web_answers, 30, f"{self.base}/healthz")

    def _web_answers(self) -> bool:
        assert self.web.poll() is None, f"the web server exited: see {self.logs}/web.log"
        try:
            return requests.get(f"{self.base}/healthz", timeout=1).status_code in (200, 503)
        except requests.RequestException:
            return False

    def start_worker(self) -> subprocess.Popen:
        worker = self._start("worker", "worker")
        self.workers.append(worker)
        return worker

    def start_scheduler(self) -> None:
        self.scheduler = self._start("scheduler", "scheduler")

    def wait_ready(self) -> None:
        """Every worker has beaten and the scheduler has started (a fault test must not hit
        them half-booted)."""
        def ready() -> bool:
            logs = {name: (self.logs / f"{name}.log").read_text()
                    for name in ("worker", "scheduler")}
            started = logs["worker"].count('"worker.started"') >= len(self.workers)
            return started and '"scheduler.started"' in logs["scheduler"] and \
                requests.get(f"{self.base}/healthz", timeout=2).json()["status"] == "ok"
        wait_until(ready, 60, f"the workers and the scheduler (logs in {self.logs})")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(f"--- {path.name}\n" + "\n".join(path.read_text().splitlines()[-lines:])
                         for path in sorted(self.logs.glob("*.log")))

    def web_children(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True,
                               text=True, check=False).stdout.split()
        return [int(pid) for pid in found]

    def kill_web(self) -> None:
        """kill -9 the web server, master and processes, then start it again."""
        children = self.web_children()
        self.web.kill()
        for pid in children:
            kill_pid(pid)
        self.web.wait()
        self.start_web()

    def kill_worker(self, index: int) -> None:
        """kill -9 a worker process mid-work, then start a new one in its place."""
        self.workers[index].kill()
        self.workers[index].wait()
        self.workers[index] = self._start("worker", "worker")

    def stop_all(self) -> None:
        for process in [self.web, self.scheduler, *self.workers]:
            if process is not None and process.poll() is None:
                stop(process, signal.SIGTERM, timeout=30)


def kill_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def forget_queues(env: dict[str, str]) -> None:
    """Delete the test's queues and keys from the shared Redis and RabbitMQ."""
    import pika
    import redis

    prefix = env["LOYALTY_QUEUE_PREFIX"]
    client = redis.Redis.from_url(BROKERS["redis"])
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
    if env["LOYALTY_BROKER_URL"] == BROKERS["rabbitmq"]:
        connection = pika.BlockingConnection(pika.URLParameters(BROKERS["rabbitmq"]))
        channel = connection.channel()
        for queue in (f"{prefix}-inbox", f"{prefix}-outbox"):
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                channel.queue_delete(name)
        connection.close()


def add_store_shop(loyalty: Loyalty, store: FakeWooCommerce, customer_ids: Iterable[int],
                   program: str | None = None) -> int:
    loyalty.run("db", "upgrade")
    for customer in customer_ids:
        store.add_customer({"id": customer, "email": f"customer{customer}@example.com",
                            "meta_data": []})
    shop = loyalty.json("shop", "add", "woocommerce", "--url", store.url,
                        "--consumer-key", store.consumer_key,
                        "--consumer-secret", store.consumer_secret, "--webhook-secret", WOO_SECRET)
    loyalty.run("program", "publish", "--shop", str(shop["id"]), program or str(EXAMPLE_PROGRAM))
    return shop["id"]


@dataclass
class SendReport:
    posts: int = 0
    statuses: Counter = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    accepted: int = 0
    duplicates: int = 0

    def line(self) -> str:
        return (f"posts {self.posts}, acknowledged {len(self.acknowledged)} distinct "
                f"({self.accepted} accepted, {self.duplicates} answered duplicate), "
                f"statuses {dict(sorted(self.statuses.items()))}")


class Sender:
    """Posts deliveries from several threads, each retried (connection refused, 5xx) until it
    is answered 200, as Shopify retries; a 4xx other than 429 fails the test."""

    def __init__(self, fleet: Fleet, threads: int = 8, give_up_after: float = 120):
        self.fleet, self.threads, self.give_up_after = fleet, threads, give_up_after
        self.report = SendReport()
        self._lock = threading.Lock()
        self.errors: list[str] = []

    def _post(self, session: requests.Session, delivery: Delivery) -> None:
        deadline = time.monotonic() + self.give_up_after
        url = f"{self.fleet.base}/webhooks/woocommerce/{self.fleet.shop_id}"
        while time.monotonic() < deadline:
            try:
                answer = session.post(url, data=delivery.body, headers=delivery.headers,
                                      timeout=10)
                status = answer.status_code
            except requests.RequestException:
                status = 0  # refused or cut: the process was killed
            with self._lock:
                self.report.posts += 1
                self.report.statuses[status] += 1
                if status == 200:
                    duplicate = answer.json().get("status") == "duplicate"
                    self.report.duplicates += duplicate
                    self.report.accepted += not duplicate
                    self.report.acknowledged.add(delivery.key)
                    return
            if status not in (0, 429) and status < 500:
                with self._lock:
                    self.errors.append(f"{delivery.key}: {status} {answer.text[:200]}")
                return
            time.sleep(0.2)
        with self._lock:
            self.errors.append(f"{delivery.key}: not acknowledged in {self.give_up_after}s")

    def send(self, deliveries: list[Delivery]) -> SendReport:
        chunks = [deliveries[i::self.threads] for i in range(self.threads)]

        def run(chunk: list[Delivery]) -> None:
            with requests.Session() as session:
                for delivery in chunk:
                    self._post(session, delivery)

        workers = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert not self.errors, self.errors[:10]
        return self.report


def queue_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            inbox = dict(connection.execute(text(
                "SELECT status, count(*) FROM inbox GROUP BY status")).all())
            outbox = dict(connection.execute(text(
                "SELECT status, count(*) FROM outbox GROUP BY status")).all())
            retried = connection.execute(text(
                "SELECT count(*) FROM outbox WHERE attempts > 1")).scalar()
    finally:
        engine.dispose()
    return {**{f"inbox_{k}": v for k, v in inbox.items()},
            **{f"outbox_{k}": v for k, v in outbox.items()}, "jobs_retried": retried}


def drained(database_url: str) -> dict[str, int] | None:
    counts = queue_counts(database_url)
    waiting = counts.get("inbox_new", 0) + counts.get("outbox_pending", 0)
    return None if waiting else counts


def wait_drained(database_url: str, timeout: float, fleet: Fleet) -> dict[str, int]:
    try:
        return wait_until(lambda: drained(database_url), timeout, "every delivery and push job",
                          interval=1)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {queue_counts(database_url)}\n{fleet.tail()}") from None


FIRST_ORDER = "first-order:<me>"


def ledger_facts(database_url: str) -> dict[str, tuple]:
    """Per customer e-mail: cached totals and tier, the net first-order bonus, and every other
    ledger entry as (kind, points, source key) with the customer's own row id written as <me>
    (ids differ between runs).

    The first-order bonus is compared by its net: when a later order is processed before the
    customer's first one, the bonus is paid on it and then moved to the earlier order (a
    reversal and a new award, append-only), so the entries differ from a clean run while the
    points do not."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            people = connection.execute(text(
                "SELECT id, email, points_total, lifetime_earned, tier FROM customers")).all()
            entries = connection.execute(text(
                "SELECT customer_id, kind, points, source_key FROM ledger_entries")).all()
    finally:
        engine.dispose()
    mine: dict[int, list] = {}
    first_order: Counter = Counter()
    for customer_id, kind, points, key in entries:
        key = re.sub(rf"^([a-z-]+):{customer_id}(?=$|:)", r"\1:<me>", key)
        if key.startswith(FIRST_ORDER):
            first_order[customer_id] += points
        else:
            mine.setdefault(customer_id, []).append((kind, points, key))
    return {email: (total, lifetime, tier, first_order[cid], tuple(sorted(mine.get(cid, []))))
            for cid, email, total, lifetime, tier in people}


def clean_run(deliveries: list[Delivery], tmp_path, customer_ids: Iterable[int]) -> dict:
    """The ledger the same unique deliveries give through the embedded default, in the order
    the store sent them, one at a time."""
    from connector import create_app, pipeline

    with FakeWooCommerce(ping_webhooks=False) as store:
        url = f"sqlite:///{tmp_path / 'clean.db'}"
        loyalty = Loyalty({"LOYALTY_DATABASE_URL": url,
                           "LOYALTY_INSTANCE_PATH": str(tmp_path / "clean-inst")})
        shop_id = add_store_shop(loyalty, store, customer_ids)
        app = create_app({"LOYALTY_DATABASE_URL": url,
                          "LOYALTY_INSTANCE_PATH": str(tmp_path / "clean-inst")})
        client = app.test_client()
        for delivery in deliveries:
            answer = client.post(f"/webhooks/woocommerce/{shop_id}", data=delivery.body,
                                 headers=delivery.headers)
            assert answer.status_code == 200, answer.get_data(as_text=True)
        pipeline.drain(app.extensions["loyalty"].db)
        app.extensions["loyalty"].close()
    return ledger_facts(url)


def start_fleet(settings: dict[str, str], store: FakeWooCommerce, customer_ids: Iterable[int],
                logs: Path, workers: int = 2) -> Fleet:
    loyalty = Loyalty(settings)
    fleet = Fleet(loyalty, free_port(), add_store_shop(loyalty, store, customer_ids), logs)
    fleet.start_web()
    for _ in range(workers):
        fleet.start_worker()
    fleet.start_scheduler()
    fleet.wait_ready()
    return fleet


