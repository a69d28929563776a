"""Builders shared by the rules tests: the example program, small programs written for one test,
and the orders they are shown.

Plain functions and constants, imported where used; the `example` fixture (tests/rules/conftest.py)
hands out `example_program()`.
"""
from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from decimal import Decimal

from rules.events import LineItem, OrderEvent, OrderStatus
from rules.program import Program, load_program
from tests.support import EXAMPLE_PROGRAM

PAID_AT = datetime(2026, 11, 23, 3, 55, 8, tzinfo=UTC)

# The example program's ladder, without multipliers, tags or perks.
TIER_LADDER = """
[[tiers]]
name = "Member"
threshold = 0
[[tiers]]
name = "Silver"
threshold = "500.00"
[[tiers]]
name = "Gold"
threshold = "1500.00"
"""


@functools.cache
def example_program() -> Program:
    """The shipped example program (shared/program-example.toml), loaded once."""
    return load_program(EXAMPLE_PROGRAM.read_text(), EXAMPLE_PROGRAM.name)


def program_text(tables: str = "", *, name: str = "Test", currency: str = "USD", top: str = "",
                 points_per_unit: str = "1") -> str:
    """A minimal valid program: `top` lines, then `[earn]` with `points_per_unit`, then `tables`
    (whose first lines may be more [earn] keys)."""
    return (f'name = "{name}"\ncurrency = "{currency}"\n{top}'
            f"[earn]\npoints_per_unit = {points_per_unit}\n{tables}")


@functools.cache
def small_program(tables: str = "", *, name: str = "Test", currency: str = "USD", top: str = "",
                  points_per_unit: str = "1") -> Program:
    """`program_text(...)` loaded (once per distinct text) as "test.toml"."""
    text = program_text(tables, name=name, currency=currency, top=top,
                        points_per_unit=points_per_unit)
    return load_program(text, "test.toml")


def line(sku: str, quantity: int, total: str, *, product_id: str | None = None,
         name: str = "") -> LineItem:
    return LineItem(sku, product_id, quantity, Decimal(total), name)


def order_of(*lines: LineItem, **changes: object) -> OrderEvent:
    """WooCommerce order 13 from customer 2 (alice@example.com), paid at PAID_AT, holding `lines`;
    `changes` replace fields."""
    placed = OrderEvent(
        platform="woocommerce", shop_ref="http://127.0.0.1:8000/", order_id="13",
        customer_ref="2", email="alice@example.com", currency="USD", status=OrderStatus.PAID,
        created_at=PAID_AT, updated_at=PAID_AT, paid_at=PAID_AT, line_items=lines,
    )
    return dataclasses.replace(placed, **changes)
