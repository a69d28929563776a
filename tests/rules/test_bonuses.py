"""Bonus points (rules.bonuses) under the example program: signup 100, first order 200,
birthday 250, newsletter 50, review 25 with at most 2 reviews paid a day.

The ledger writes an award once per source key, so "once ever" and "once a year" are asserted
as the key a repeated decision produces.
"""
from __future__ import annotations

from datetime import date

import pytest

from rules.bonuses import Award, action_award, birthday_award, first_order_award, signup_award
from rules.events import OrderEvent, OrderStatus
from rules.program import Program
from tests.rules.builders import line, order_of, small_program

ALICE = "2"  # the customer of builders.order_of


def program(bonuses: str = "") -> Program:
    """A minimal program in USD with the given [bonuses] keys."""
    return small_program(f"[bonuses]\n{bonuses}\n")


def order(**changes: object) -> OrderEvent:
    """Alice's paid WooCommerce order 13 of two bags of beans; `changes` replace fields."""
    return order_of(line("BEANS-1KG", 2, "45.00", product_id="10"), **changes)


# --- signup and first order ----------------------------------------------------------------------

def test_signup_pays_the_signup_bonus_under_a_key_per_customer(example: Program) -> None:
    assert signup_award(example, ALICE) == Award("bonus", 100, "signup:2", "signup bonus")
    assert signup_award(example, "3").source_key == "signup:3"


def test_program_without_a_signup_bonus_awards_nothing() -> None:
    assert signup_award(program(), ALICE) is None
    assert signup_award(program("signup = 0"), ALICE) is None


def test_first_paid_order_pays_the_first_order_bonus(example: Program) -> None:
    award = first_order_award(example, ALICE, order(), paid_orders_before=0)
    assert award is not None
    assert (award.points, award.source_key) == (200, "first-order:2")


def test_second_paid_order_gets_no_first_order_bonus(example: Program) -> None:
    assert first_order_award(example, ALICE, order(order_id="14"), paid_orders_before=1) is None


def test_first_order_bonus_key_is_per_customer_so_it_is_paid_once_ever(example: Program) -> None:
    first = first_order_award(example, ALICE, order(order_id="13"), 0)
    racing = first_order_award(example, ALICE, order(order_id="14"), 0)
    assert first is not None and racing is not None
    assert first.source_key == racing.source_key == "first-order:2"


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CANCELLED,
                                    OrderStatus.REFUNDED])
def test_unpaid_first_order_earns_no_bonus_yet(example: Program, status: OrderStatus) -> None:
    assert first_order_award(example, ALICE, order(status=status, paid_at=None), 0) is None


@pytest.mark.parametrize("status", [OrderStatus.CANCELLED, OrderStatus.REFUNDED])
def test_order_paid_then_ended_still_decides_the_bonus(example: Program,
                                                       status: OrderStatus) -> None:
    # the ledger writes it and then reverses it, exactly as when the paid fact came first
    award = first_order_award(example, ALICE, order(status=status), 0)
    assert award is not None and award.points == 200


def test_fulfilled_first_order_counts_as_paid(example: Program) -> None:
    award = first_order_award(example, ALICE, order(status=OrderStatus.FULFILLED), 0)
    assert award is not None and award.points == 200


# --- birthday ------------------------------------------------------------------------------------

def test_birthday_bonus_is_paid_on_the_birthday(example: Program) -> None:
    award = birthday_award(example, ALICE, date(1990, 6, 15), date(2026, 6, 15))
    assert award == Award("bonus", 250, "birthday:2:2026", "birthday bonus 2026")


@pytest.mark.parametrize("today", [date(2026, 6, 14), date(2026, 6, 16), date(2026, 7, 15)])
def test_no_birthday_bonus_on_other_days(example: Program, today: date) -> None:
    assert birthday_award(example, ALICE, date(1990, 6, 15), today) is None


def test_unknown_birthday_earns_nothing(example: Program) -> None:
    assert birthday_award(example, ALICE, None, date(2026, 6, 15)) is None


def test_birthday_twice_the_same_year_gives_the_same_key(example: Program) -> None:
    first = birthday_award(example, ALICE, date(1990, 6, 15), date(2026, 6, 15))
    again = birthday_award(example, ALICE, date(1990, 6, 15), date(2026, 6, 15))
    next_year = birthday_award(example, ALICE, date(1990, 6, 15), date(2027, 6, 15))
    assert first is not None and again is not None and next_year is not None
    assert first.source_key == again.source_key == "birthday:2:2026"
    assert next_year.source_key == "birthday:2:2027"


def test_leap_day_birthday_is_celebrated_on_28_february_in_other_years(example: Program) -> None:
    leap_day = date(2000, 2, 29)
    assert birthday_award(example, ALICE, leap_day, date(2027, 2, 28)) is not None
    assert birthday_award(example, ALICE, leap_day, date(2027, 3, 1)) is None
    assert birthday_award(example, ALICE, leap_day, date(2028, 2, 28)) is None
    in_leap_year = birthday_award(example, ALICE, leap_day, date(2028, 2, 29))
    assert in_leap_year is not None and in_leap_year.source_key == "birthday:2:2028"


def test_28_february_birthday_stays_on_the_28th_in_leap_years(example: Program) -> None:
    assert birthday_award(example, ALICE, date(1999, 2, 28), date(2028, 2, 28)) is not None
    assert birthday_award(example, ALICE, date(1999, 2, 28), date(2028, 2, 29)) is None


# --- actions: newsletter and reviews -------------------------------------------------------------

def test_newsletter_signup_pays_once_per_customer(example: Program) -> None:
    first = action_award(example, ALICE, "newsletter", "nl-1", 0)
    resubscribe = action_award(example, ALICE, "newsletter", "nl-2", 0)
    assert first == Award("bonus", 50, "newsletter:2", "newsletter signup bonus")
    assert resubscribe is not None and resubscribe.source_key == first.source_key


def test_each_review_pays_under_its_own_key(example: Program) -> None:
    award = action_award(example, ALICE, "review", "review-77", 0)
    assert award == Award("bonus", 25, "review:review-77", "review bonus")


def test_review_cap_of_two_a_day_refuses_the_third_and_pays_again_the_next_day(
        example: Program) -> None:
    today = [action_award(example, ALICE, "review", f"r{paid}", paid) for paid in range(3)]
    assert [award.points if award else None for award in today] == [25, 25, None]
    tomorrow = action_award(example, ALICE, "review", "r3", actions_today=0)
    assert tomorrow is not None and tomorrow.points == 25


def test_reviews_are_uncapped_when_the_program_sets_no_cap() -> None:
    uncapped = program("review = 10")
    award = action_award(uncapped, ALICE, "review", "r99", actions_today=99)
    assert award is not None and award.points == 10


def test_unknown_action_earns_nothing(example: Program) -> None:
    assert action_award(example, ALICE, "share", "s1", 0) is None


def test_action_without_points_in_the_program_earns_nothing() -> None:
    assert action_award(program(), ALICE, "newsletter", "nl", 0) is None
    assert action_award(program(), ALICE, "review", "r1", 0) is None

