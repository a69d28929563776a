"""`loyalty program simulate`: stored orders replayed under a draft beside the live version."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from connector import migrate, pipeline, programs
from connector.cli import cli
from connector.models import InboxDelivery
from connector.services import build_services
from connector.shops import add_shop
from rules.events import LineItem, OrderEvent, OrderStatus
from rules.program import load_program
from rules.simulation import simulate as simulate_orders
from tests.connector.woo import ORDER_FIXTURES, fixture_delivery, post
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET

NOW = datetime(2026, 12, 1, tzinfo=UTC)  # a week after the captured order 13 was paid


def invoker(settings, monkeypatch):
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("connector.cli.simulate.utcnow", lambda: NOW)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def run(settings, services, monkeypatch):
    return invoker(settings, monkeypatch)


@pytest.fixture
def order_13(client, services, woo_shop):
    """The captured paid, completed and partly refunded deliveries of order 13 (alice)."""
    for name in ORDER_FIXTURES:
        assert post(client, woo_shop, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db, limit=2)  # replayed whether the worker took them yet or not
    return woo_shop


def draft(tmp_path, *edits: tuple[str, str]):
    text = EXAMPLE_PROGRAM.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "draft.toml"
    path.write_text(text)
    return str(path)


def columns(output: str, label: str) -> list[str]:
    """The draft and live cells of one table row (points rows: two whole numbers)."""
    line = next(line for line in output.splitlines() if line.startswith(label))
    return line[len(label):].split()


def simulate(run, shop_id, program_file, *options):
    result = run("program", "simulate", "--shop", str(shop_id), *options, program_file)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("replaying stored deliveries")  # the progress bar
    return result.stdout


def test_live_column_shows_what_order_13_owes_after_its_refund(run, order_13):
    output = simulate(run, order_13, str(EXAMPLE_PROGRAM))
    assert columns(output, "points issued") == ["46", "46"]
    assert columns(output, "outstanding liability") == ["0.46", "USD", "0.46", "USD"]
    assert columns(output, "customers in tier Member") == ["1", "1"]
    assert "customers moving tier: 0" in output


def test_draft_doubling_the_rate_doubles_points_issued(run, order_13, tmp_path):
    doubled = draft(tmp_path, ("points_per_unit = 1 ", "points_per_unit = 2 "))
    assert columns(simulate(run, order_13, doubled), "points issued") == ["92", "46"]


def test_draft_with_a_reachable_silver_moves_alice(run, order_13, tmp_path):
    easier = draft(tmp_path, ('threshold = "500.00"', 'threshold = "10.00"'))
    output = simulate(run, order_13, easier)
    assert columns(output, "customers in tier Silver") == ["1", "0"]
    assert columns(output, "customers in tier Member") == ["0", "1"]
    assert "customers moving tier: 1" in output


def test_invalid_draft_is_refused_naming_the_key(run, order_13, tmp_path):
    bad = draft(tmp_path, ('rounding = "floor"', 'rounding = "up"'))
    result = run("program", "simulate", "--shop", str(order_13), bad)
    assert result.exit_code == 1
    assert f"{bad}: earn.rounding:" in result.output


def test_since_after_the_order_leaves_it_out(run, order_13):
    output = simulate(run, order_13, str(EXAMPLE_PROGRAM), "--since", "2026-11-24")
    assert output.startswith("0 orders of shop")
    assert columns(output, "points issued") == ["0", "0"]
    included = simulate(run, order_13, str(EXAMPLE_PROGRAM), "--since", "2026-11-23")
    assert columns(included, "points issued") == ["46", "46"]


def test_without_a_live_version_only_the_draft_column_is_filled(run, services):
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "https://new.example/",
                        webhook_secret=WOO_SECRET, api_key="ck", api_secret="cs")
        shop_id = shop.id
    output = simulate(run, shop_id, str(EXAMPLE_PROGRAM))
    assert columns(output, "points issued") == ["0", "n/a"]
    assert "no live version yet" in output


def _paid(order_id: str, amount: str, at: datetime) -> OrderEvent:
    return OrderEvent(platform="woocommerce", shop_ref="s", order_id=order_id, customer_ref="2",
                      email="alice@example.com", currency="USD", status=OrderStatus.PAID,
                      created_at=at, updated_at=at, paid_at=at,
                      line_items=(LineItem("MUG-01", "11", 1, Decimal(amount)),))


def test_an_order_after_reaching_silver_earns_at_the_silver_multiplier():
    program = load_program(EXAMPLE_PROGRAM.read_text())
    first, second = NOW - timedelta(days=30), NOW - timedelta(days=10)
    # Given out of order: replayed by paid_at, so 600.00 puts alice in Silver before 100.00.
    summary, placed = simulate_orders(program, [("ref:2", _paid("2", "100.00", second)),
                                                ("ref:2", _paid("1", "600.00", first))], NOW)
    assert summary.points_issued == 600 + 125
    # 725 points: two of the cheapest redeemable reward (300), at 5.00 per 500 points.
    assert (summary.points_redeemable, summary.reward_cost, summary.liability) == (
        600, Decimal("6.00"), Decimal("7.25"))
    assert placed == {"ref:2": "Silver"}
    later, placed_later = simulate_orders(program, [("ref:2", _paid("1", "600.00", first))],
                                          first + timedelta(days=400))
    assert placed_later == {"ref:2": "Member"}  # out of the 365-day window
    assert later.tier_counts == (("Member", 1), ("Silver", 0), ("Gold", 0))


# --- 100,000 stored orders (SQLite) --------------------------------------------------------

ORDERS = 100_000
CUSTOMERS = 5_000


@pytest.fixture
def big_shop(tmp_path, monkeypatch):
    settings = {"LOYALTY_DATABASE_URL": f"sqlite:///{tmp_path / 'big.db'}",
                "LOYALTY_INSTANCE_PATH": str(tmp_path / "inst"), "LOYALTY_LOG_LEVEL": "WARNING"}
    services = build_services(settings)
    migrate.upgrade(services.db)
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "https://big.example/",
                        webhook_secret=WOO_SECRET, api_key="ck", api_secret="cs")
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(),
                         str(EXAMPLE_PROGRAM))
        shop_id = shop.id
    with services.db.engine.begin() as connection:
        connection.execute(insert(InboxDelivery), [_row(shop_id, n) for n in range(ORDERS)])
    yield shop_id, invoker(settings, monkeypatch)
    services.close()


def _row(shop_id: int, n: int) -> dict:
    created = NOW - timedelta(minutes=5 * (ORDERS - n))  # one order every 5 minutes, ~1 year
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S")
    customer = n % CUSTOMERS
    body = {"id": n + 1, "status": ("processing", "completed", "pending")[n % 3],
            "currency": "USD", "customer_id": customer + 1 if customer % 2 else 0,
            "billing": {"email": f"c{customer}@example.com"},
            "date_created_gmt": stamp, "date_modified_gmt": stamp,
            "date_paid_gmt": None if n % 3 == 2 else stamp,
            "line_items": [{"product_id": 10, "quantity": 1 + n % 3, "sku": "BEANS-1KG",
                            "total": f"{20 + n % 90}.{n % 100:02d}"}],
            "shipping_total": "5.00", "total_tax": "0.00",
            "refunds": [{"total": "-5.00"}] if n % 10 == 0 else []}
    return {"platform": "woocommerce", "shop_id": shop_id, "dedupe_key": f"bulk:{n}",
            "topic": "order.updated", "body": json.dumps(body).encode(), "received_at": created,
            "status": "done", "attempts": 1}


@pytest.mark.slow
def test_simulate_over_100k_stored_orders_prints_both_columns(big_shop, tmp_path):
    shop_id, run = big_shop
    doubled = draft(tmp_path, ("points_per_unit = 1 ", "points_per_unit = 2 "))
    started = time.perf_counter()
    output = simulate(run, shop_id, doubled)
    elapsed = time.perf_counter() - started
    assert output.startswith(f"{ORDERS} orders of shop {shop_id}")
    draft_points, live_points = map(int, columns(output, "points issued"))
    assert live_points > 0 and draft_points > live_points
    assert "customers moving tier: " in output
    print(f"simulate over {ORDERS} stored orders: {elapsed:.1f} s")
