"""Punch cards (rules.punch) under the example program's "Coffee club": a punch per unit of
COFFEE-250G or COFFEE-1KG in a paid order; 9 punches earn a free coffee (the 10th is free).
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.events import LineItem, OrderEvent, OrderStatus
from rules.program import PunchCard
from rules.punch import punches_in, rewards_due
from tests.rules import builders
from tests.rules.builders import example_program, line

BOBS_SHOPIFY_ORDER = {"platform": "shopify", "shop_ref": "coffee.myshopify.com",
                      "order_id": "1001", "customer_ref": "42", "email": "bob@example.com"}


@pytest.fixture(scope="module")
def card() -> PunchCard:
    program = example_program()
    assert program.punch_card is not None
    return program.punch_card


def order_of(*lines: LineItem, **changes: object) -> OrderEvent:
    """Bob's paid Shopify order 1001 holding `lines`; `changes` replace fields."""
    return builders.order_of(*lines, **{**BOBS_SHOPIFY_ORDER, **changes})


THREE_BAGS = order_of(line("COFFEE-250G", 3, "30.00"))


def test_example_card_needs_nine_punches(card: PunchCard) -> None:
    assert (card.punches, card.reward) == (9, "free-coffee")


def test_each_unit_of_a_qualifying_sku_is_a_punch(card: PunchCard) -> None:
    order = order_of(line("COFFEE-250G", 2, "20.00"), line("COFFEE-1KG", 1, "30.00"),
                     line("MUG-01", 4, "40.00"))
    assert punches_in(order, card) == 3


def test_order_without_qualifying_skus_punches_nothing(card: PunchCard) -> None:
    assert punches_in(order_of(line("MUG-01", 1, "11.25"), line("", 1, "1.00")), card) == 0


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CANCELLED,
                                    OrderStatus.REFUNDED])
def test_unpaid_refunded_or_cancelled_order_punches_nothing(card: PunchCard,
                                                            status: OrderStatus) -> None:
    assert punches_in(dataclasses.replace(THREE_BAGS, status=status), card) == 0


def test_fulfilled_order_keeps_its_punches(card: PunchCard) -> None:
    assert punches_in(dataclasses.replace(THREE_BAGS, status=OrderStatus.FULFILLED), card) == 3


@pytest.mark.parametrize(("refunded", "punches"), [
    ("0", 3), ("5.00", 2), ("10.00", 2), ("10.01", 1), ("20.00", 1), ("29.99", 0),
    ("30.00", 0), ("45.00", 0),
])
def test_partial_refund_removes_punches_rounding_what_is_left_down(
        card: PunchCard, refunded: str, punches: int) -> None:
    assert punches_in(dataclasses.replace(THREE_BAGS, refunded=Decimal(refunded)), card) == punches


def test_refund_of_other_products_takes_its_share_of_punches(card: PunchCard) -> None:
    # Refunds are amounts, not lines: a 20.00 refund of a 40.00 order is half of every line.
    order = order_of(line("COFFEE-250G", 2, "20.00"), line("MUG-01", 1, "20.00"),
                     refunded=Decimal("20.00"))
    assert punches_in(order, card) == 1


def test_free_order_still_punches(card: PunchCard) -> None:
    assert punches_in(order_of(line("COFFEE-250G", 2, "0.00")), card) == 2


@pytest.mark.parametrize(("total", "issued", "due"), [
    (0, 0, 0), (8, 0, 0), (9, 0, 1), (17, 0, 1), (18, 0, 2), (18, 1, 1), (18, 2, 0), (27, 0, 3),
])
def test_every_nine_punches_earn_one_free_coffee(card: PunchCard, total: int, issued: int,
                                                 due: int) -> None:
    assert rewards_due(total, issued, card) == due


def test_refund_removes_punches_but_not_a_reward_already_issued(card: PunchCard) -> None:
    orders = [THREE_BAGS, dataclasses.replace(THREE_BAGS, order_id="1002"),
              dataclasses.replace(THREE_BAGS, order_id="1003")]
    total = sum(punches_in(order, card) for order in orders)
    assert (total, rewards_due(total, 0, card)) == (9, 1)

    orders[1] = dataclasses.replace(orders[1], status=OrderStatus.REFUNDED)
    total = sum(punches_in(order, card) for order in orders)
    assert (total, rewards_due(total, 1, card)) == (6, 0)

    more = [dataclasses.replace(THREE_BAGS, order_id=str(n)) for n in range(2000, 2004)]
    total += sum(punches_in(order, card) for order in more)
    assert (total, rewards_due(total, 1, card)) == (18, 1)


# --- properties ----------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=1000, places=2)
skus = st.sampled_from(["COFFEE-250G", "COFFEE-1KG", "MUG-01", "GIFT-CARD"])


@st.composite
def orders(draw: st.DrawFn) -> OrderEvent:
    lines = draw(st.lists(st.builds(LineItem, skus, st.none(), st.integers(1, 20), money),
                          min_size=1, max_size=5))
    return order_of(*lines)


@given(orders(), st.lists(st.decimals(min_value=0, max_value=2000, places=2), min_size=1,
                          max_size=6))
def test_punches_never_rise_as_refunds_grow_and_never_go_negative(
        order: OrderEvent, refunds: list[Decimal]) -> None:
    card = PunchCard("Coffee club", frozenset({"COFFEE-250G", "COFFEE-1KG"}), 9, "free-coffee")
    before_refunds = punches_in(order, card)
    punches = [punches_in(dataclasses.replace(order, refunded=amount), card)
               for amount in sorted(refunds)]
    assert punches == sorted(punches, reverse=True)
    assert all(0 <= count <= before_refunds for count in punches)


@given(st.integers(0, 500), st.integers(0, 60), st.integers(1, 20))
def test_rewards_due_never_negative_and_all_issued_add_up(total: int, issued: int,
                                                          punches: int) -> None:
    card = PunchCard("card", frozenset({"X"}), punches, "free")
    due = rewards_due(total, issued, card)
    assert due >= 0
    assert issued + due == max(total // punches, issued)
