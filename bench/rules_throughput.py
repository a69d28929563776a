"""Rules throughput: orders per second on one core for the pure rules step of a simulation.

    .venv/bin/python -m bench.rules_throughput [--orders N] [--repeat R]

Builds N varied OrderEvents in memory (not timed), then times side by side, R times each:
the baseline (iterate the events and sum `order.merchandise`) and the rules step
(`rules.simulation.simulate`: order_earns + order_credit + tier multiplier per order, then final
tiers) under the example program. Prints orders/s (best of R), the ratio rules/baseline and
PASS/FAIL against the target.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from rules.events import LineItem, OrderEvent, OrderStatus
from rules.program import Program, load_program
from rules.simulation import simulate

TARGET = 50_000  # orders per second per core
NOW = datetime(2026, 12, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LOYALTY_SHARED_DIR", ROOT.parent / "shared"))
EXAMPLE_PROGRAM = SHARED / "program-example.toml"

_SKUS = ("BEANS-1KG", "MUG-01", "COFFEE-250G", "GIFT-CARD", None)
_STATUSES = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.FULFILLED, OrderStatus.PENDING,
             OrderStatus.REFUNDED, OrderStatus.CANCELLED)
_CURRENCIES = ("USD",) * 8 + ("EUR", "JPY")


def _order(rng: random.Random, n: int, customers: int) -> tuple[str, OrderEvent]:
    customer = rng.randrange(customers)
    created = NOW - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    status = rng.choice(_STATUSES)
    lines = tuple(LineItem(sku=rng.choice(_SKUS), product_id=str(rng.randrange(1, 50)),
                           quantity=rng.randrange(1, 4),
                           total=Decimal(rng.randrange(100, 20_000)) / 100)
                  for _ in range(rng.randrange(1, 4)))
    merchandise = sum((line.total for line in lines), Decimal(0))
    refunded = (merchandise / 4).quantize(Decimal("0.01")) if rng.random() < 0.1 else Decimal(0)
    paid = status is not OrderStatus.PENDING and rng.random() < 0.95
    guest = customer % 3 == 0
    order = OrderEvent(
        platform="woocommerce", shop_ref="https://bench.example/", order_id=str(n),
        customer_ref=None if guest else str(customer), email=f"c{customer}@example.com",
        currency=rng.choice(_CURRENCIES), status=status, created_at=created,
        updated_at=created + timedelta(hours=1), paid_at=created if paid else None,
        line_items=lines, shipping=Decimal("5.00"), refunded=refunded,
        channel="pos" if rng.random() < 0.1 else "online", test=rng.random() < 0.01)
    key = f"email:c{customer}@example.com" if guest else f"ref:{customer}"
    return key, order


def build_orders(count: int, customers: int, seed: int = 7) -> list[tuple[str, OrderEvent]]:
    rng = random.Random(seed)
    return [_order(rng, n, customers) for n in range(count)]


def _baseline(orders: list[tuple[str, OrderEvent]], _program: Program) -> object:
    return sum((order.merchandise for _, order in orders), Decimal(0))


def _rules(orders: list[tuple[str, OrderEvent]], program: Program) -> object:
    return simulate(program, orders, NOW)


def best_rate(step: Callable[[list, Program], object], orders: list, program: Program,
              repeat: int) -> tuple[float, list[float]]:
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        step(orders, program)
        rates.append(len(orders) / (time.perf_counter() - started))
    return max(rates), rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rules_throughput")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    program = load_program(EXAMPLE_PROGRAM.read_text(), source=str(EXAMPLE_PROGRAM))
    orders = build_orders(args.orders, args.customers)
    summary, _ = simulate(program, orders, NOW)  # warm-up, and a sanity line
    print(f"{args.orders} orders, {args.customers} customers, program {program.name!r}: "
          f"{summary.points_issued} points issued, tiers {dict(summary.tier_counts)}")
    baseline, baseline_runs = best_rate(_baseline, orders, program, args.repeat)
    rules, rules_runs = best_rate(_rules, orders, program, args.repeat)
    for name, best, runs in (("baseline (sum merchandise)", baseline, baseline_runs),
                             ("rules (simulate)", rules, rules_runs)):
        shown = ", ".join(f"{rate:,.0f}" for rate in runs)
        print(f"{name:<28}{best:>12,.0f} orders/s  (runs: {shown})")
    print(f"ratio rules/baseline: {rules / baseline:.3f}")
    passed = rules >= TARGET
    print(f"{'PASS' if passed else 'FAIL'}: rules {rules:,.0f} orders/s per core "
          f"(target {TARGET:,})")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
