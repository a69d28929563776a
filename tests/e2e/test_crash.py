"""Acceptance 5: killing the worker between the inbox insert and the ledger write loses
nothing and doubles nothing (real subprocesses, SIGKILL)."""
from __future__ import annotations

import random
import signal

import requests
from sqlalchemy import create_engine, text

from tests.connector.woo import edited_delivery
from tests.e2e.processes import Loyalty, free_port, stop, wait_for_http, wait_until
from tests.support import EXAMPLE_PROGRAM, load_woo_fixture


def post_all(base: str, shop_id: int, deliveries) -> None:
    for body, headers in deliveries:
        response = requests.post(f"{base}/webhooks/woocommerce/{shop_id}", data=body,
                                 headers=headers, timeout=10)
        assert response.status_code == 200, response.text


def captured(*names: str):
    for name in names:
        delivery = load_woo_fixture(name)
        yield delivery["body"].encode(), dict(delivery["headers"])


def receive_only(loyalty: Loyalty, shop_id: int, deliveries) -> None:
    """Acknowledge deliveries with the web process only (no worker), then stop it."""
    port = free_port()
    server = loyalty.start("serve", "--port", str(port), "--no-worker")
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", server)
        post_all(f"http://127.0.0.1:{port}", shop_id, deliveries)
    finally:
        assert stop(server) == 0


def test_worker_killed_before_commit_loses_and_doubles_nothing(settings, fixture_clock, tmp_path):
    loyalty = Loyalty({**settings, **fixture_clock})
    shop_id = loyalty.setup_woo_shop(str(EXAMPLE_PROGRAM))["id"]
    receive_only(loyalty, shop_id, captured("04", "06", "07"))
    assert loyalty.customer(shop_id, "alice@example.com") is None  # recorded, not yet processed

    marker = tmp_path / "paused"
    worker = loyalty.start("worker", extra_env={"LOYALTY_FAULT_PAUSE_AT": "before_commit",
                                                "LOYALTY_FAULT_PAUSE_FILE": str(marker)})
    wait_until(marker.exists, 30, "the worker to reach the ledger write")
    stop(worker, signal.SIGKILL)  # the ledger rows of the first delivery were written, uncommitted
    assert loyalty.customer(shop_id, "alice@example.com") is None, "an uncommitted write leaked"

    assert "processed 3 deliveries" in loyalty.run("worker", "--once").stdout
    alice = loyalty.customer(shop_id, "alice@example.com")
    assert [(e["kind"], e["points"]) for e in alice["entries"]] == [
        ("earn", 56), ("bonus", 200), ("clawback", -10)]
    assert "processed 0 deliveries" in loyalty.run("worker", "--once").stdout
    loyalty.run("ledger", "verify")


COUNT = 300


def processed(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT count(*) FROM inbox WHERE status = 'done'"))


def test_worker_killed_at_random_moments_processes_every_order_once(settings, fixture_clock):
    loyalty = Loyalty({**settings, **fixture_clock})
    shop_id = loyalty.setup_woo_shop(str(EXAMPLE_PROGRAM))["id"]
    orders = [edited_delivery("04", id=1000 + n, customer_id=0,
                              billing={"email": f"c{n}@example.com"}) for n in range(COUNT)]
    receive_only(loyalty, shop_id, orders)
    rng = random.Random(7)
    engine = create_engine(settings["LOYALTY_DATABASE_URL"])
    for low in (20, 110, 200):  # kill once each third of the way, at a random moment
        worker = loyalty.start("worker")
        target = rng.randint(low, low + 60)
        wait_until(lambda goal=target: processed(engine) >= goal, 60,
                   f"{target} processed deliveries", interval=0.01)
        stop(worker, signal.SIGKILL)
    left = loyalty.run("worker", "--once").stdout
    assert int(left.split()[1]) > 0, "the kills came after all work was done; nothing was tested"
    with engine.connect() as connection:
        entries = connection.execute(text(
            "SELECT source_key, kind, points FROM ledger_entries ORDER BY source_key")).all()
    engine.dispose()
    earned = sorted(tuple(e) for e in entries if e[0].startswith("order:"))
    bonuses = [tuple(e) for e in entries if e[0].startswith("first-order:")]
    assert earned == sorted((f"order:{1000 + n}:earn", "earn", 56) for n in range(COUNT))
    # one first-order bonus per customer (row ids may skip numbers after killed transactions)
    assert len(bonuses) == len({key for key, _, _ in bonuses}) == COUNT
    assert {(kind, points) for _, kind, points in bonuses} == {("bonus", 200)}
    assert loyalty.customer(shop_id, "c7@example.com")["pending"] == 256
    loyalty.run("ledger", "verify")
