"""Cashback (rules.cashback) and paid membership (rules.membership) under the example program:
5% store credit of at least 5.00, issued after the 14-day pending period; buying VIP-PASS-YEAR
puts the buyer in Gold for 365 days, a trial for 30.
"""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.cashback import cashback_base, cashback_credit, cashback_due_at
from rules.events import OrderEvent, OrderStatus
from rules.membership import (
    MembershipGrant,
    active_membership,
    membership_from_order,
    tier_with_membership,
    trial_grant,
)
from rules.program import Program
from rules.tiers import tier_for
from tests.rules.builders import PAID_AT, TIER_LADDER, line, order_of, small_program


def program(tables: str = "") -> Program:
    """A minimal program in USD with the Member/Silver/Gold ladder, plus extra tables."""
    return small_program(f"{TIER_LADDER}\n{tables}")


ORDER_13 = order_of(line("BEANS-1KG", 2, "45.00"), line("MUG-01", 1, "11.25"))
BIG_ORDER = order_of(line("BEANS-1KG", 4, "200.00"))
PASS = line("VIP-PASS-YEAR", 1, "99.00")


def credit(order: OrderEvent, rules: Program) -> Decimal | None:
    return cashback_credit(order, rules, cashback_base(order, rules))


# --- cashback ------------------------------------------------------------------------------------

def test_cashback_below_the_minimum_credit_is_not_issued(example: Program) -> None:
    assert cashback_base(ORDER_13, example) == Decimal("56.25")
    assert credit(ORDER_13, example) is None  # 5% is 2.81, below 5.00


def test_cashback_is_rounded_down_to_the_cent() -> None:
    no_minimum = program('[cashback]\npercent = "5"')
    assert credit(ORDER_13, no_minimum) == Decimal("2.81")  # 2.8125
    assert credit(order_of(line("X", 1, "199.99")), no_minimum) == Decimal("9.99")  # 9.9995


def test_five_percent_of_two_hundred_is_ten(example: Program) -> None:
    assert credit(BIG_ORDER, example) == Decimal("10.00")


@pytest.mark.parametrize(("refunded", "expected"), [
    ("0", "10.00"), ("50.00", "7.50"), ("100.00", "5.00"), ("100.01", None), ("200.00", None),
])
def test_partial_refund_reduces_cashback(example: Program, refunded: str,
                                         expected: str | None) -> None:
    order = dataclasses.replace(BIG_ORDER, refunded=Decimal(refunded))
    assert credit(order, example) == (Decimal(expected) if expected else None)


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CANCELLED,
                                    OrderStatus.REFUNDED])
def test_unpaid_refunded_or_cancelled_order_earns_no_cashback(example: Program,
                                                              status: OrderStatus) -> None:
    order = dataclasses.replace(BIG_ORDER, status=status)
    assert cashback_credit(order, example, Decimal("200.00")) is None


def test_gift_cards_earn_no_cashback(example: Program) -> None:
    order = order_of(*BIG_ORDER.line_items, line("GIFT-CARD", 1, "100.00"))
    assert credit(order, example) == Decimal("10.00")


def test_program_without_cashback_credits_nothing() -> None:
    assert credit(BIG_ORDER, program()) is None


def test_cashback_is_issued_after_the_pending_period(example: Program) -> None:
    assert cashback_due_at(PAID_AT, example) == datetime(2026, 12, 7, 3, 55, 8, tzinfo=UTC)
    assert cashback_due_at(PAID_AT, program()) == PAID_AT


money = st.decimals(min_value=-100, max_value=10000, places=2)
percents = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)


@given(st.lists(money.filter(lambda amount: amount >= 0), min_size=1, max_size=4), money,
       percents)
def test_cashback_is_never_negative_nor_above_the_percent_of_merchandise(
        totals: list[Decimal], net: Decimal, percent: Decimal) -> None:
    rules = program(f'[cashback]\npercent = "{percent}"')
    order = order_of(*(line(f"SKU-{n}", 1, str(total)) for n, total in enumerate(totals)))
    amount = cashback_credit(order, rules, net)
    assert amount is None or 0 < amount <= order.merchandise * percent / 100


# --- membership ----------------------------------------------------------------------------------

def test_buying_the_year_pass_grants_gold_for_365_days(example: Program) -> None:
    grant = membership_from_order(order_of(PASS, line("MUG-01", 1, "11.25")), example)
    assert grant == MembershipGrant("Gold", PAID_AT, PAID_AT + timedelta(days=365), "purchase")


def test_two_passes_last_two_years(example: Program) -> None:
    grant = membership_from_order(order_of(line("VIP-PASS-YEAR", 2, "198.00")), example)
    assert grant is not None and grant.ends_at == PAID_AT + timedelta(days=730)


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CANCELLED,
                                    OrderStatus.REFUNDED])
def test_refunded_cancelled_or_unpaid_pass_grants_nothing(example: Program,
                                                          status: OrderStatus) -> None:
    assert membership_from_order(order_of(PASS, status=status), example) is None


def test_order_without_the_pass_grants_nothing(example: Program) -> None:
    assert membership_from_order(ORDER_13, example) is None
    assert membership_from_order(order_of(PASS), program()) is None


def test_refunding_another_product_keeps_the_membership(example: Program) -> None:
    order = order_of(PASS, line("MUG-01", 1, "11.25"), refunded=Decimal("11.25"))
    grant = membership_from_order(order, example)
    assert grant is not None and grant.ends_at == PAID_AT + timedelta(days=365)


def test_refunding_one_of_two_passes_shortens_the_membership(example: Program) -> None:
    order = order_of(line("VIP-PASS-YEAR", 2, "198.00"), refunded=Decimal("99.00"))
    grant = membership_from_order(order, example)
    assert grant is not None and grant.ends_at == PAID_AT + timedelta(days=365)


def test_refunding_the_pass_amount_ends_the_membership(example: Program) -> None:
    order = order_of(PASS, refunded=Decimal("99.00"))  # shipping kept: still "paid"
    assert membership_from_order(order, example) is None


def test_trial_grants_gold_for_30_days(example: Program) -> None:
    assert trial_grant(example, PAID_AT) == MembershipGrant(
        "Gold", PAID_AT, PAID_AT + timedelta(days=30), "trial")


def test_no_trial_without_trial_days_or_membership() -> None:
    no_trial = program('[membership]\nsku = "PASS"\ntier = "Silver"\ndays = 30')
    assert trial_grant(no_trial, PAID_AT) is None
    assert trial_grant(program(), PAID_AT) is None


def test_active_membership_is_the_covering_grant_that_ends_last(example: Program) -> None:
    trial = trial_grant(example, PAID_AT)
    bought = membership_from_order(order_of(PASS, paid_at=PAID_AT + timedelta(days=10)), example)
    assert trial is not None and bought is not None
    assert active_membership([trial, bought], PAID_AT + timedelta(days=5)) == trial
    assert active_membership([trial, bought], PAID_AT + timedelta(days=20)) == bought
    assert active_membership([trial, bought], bought.ends_at - timedelta(seconds=1)) == bought
    assert active_membership([trial, bought], bought.ends_at) is None
    assert active_membership([trial], PAID_AT - timedelta(seconds=1)) is None
    assert active_membership([], PAID_AT) is None


def test_member_who_spent_little_is_gold_while_the_pass_lasts(example: Program) -> None:
    spend_tier = tier_for(example, Decimal("56.25"))
    grant = membership_from_order(order_of(PASS), example)
    now = PAID_AT + timedelta(days=100)
    placed = tier_with_membership(spend_tier, active_membership([grant] if grant else [], now),
                                  example)
    assert placed is not None and placed.name == "Gold"


def test_refund_of_the_pass_returns_the_customer_to_their_spend_tier(example: Program) -> None:
    refunded = order_of(PASS, status=OrderStatus.REFUNDED)
    grants = [g for g in [membership_from_order(refunded, example)] if g is not None]
    placed = tier_with_membership(tier_for(example, Decimal("600.00")),
                                  active_membership(grants, PAID_AT + timedelta(days=1)), example)
    assert placed is not None and placed.name == "Silver"


def test_spend_tier_above_the_membership_tier_wins() -> None:
    silver_pass = program('[membership]\nsku = "PASS"\ntier = "Silver"\ndays = 30')
    grant = MembershipGrant("Silver", PAID_AT, PAID_AT + timedelta(days=30), "purchase")
    gold = tier_for(silver_pass, Decimal("2000.00"))
    member = tier_for(silver_pass, Decimal(0))
    assert tier_with_membership(gold, grant, silver_pass) == gold
    placed = tier_with_membership(member, grant, silver_pass)
    assert placed is not None and placed.name == "Silver"


def test_membership_tier_applies_when_the_program_has_no_spend_tier(example: Program) -> None:
    grant = trial_grant(example, PAID_AT)
    placed = tier_with_membership(None, grant, example)
    assert placed is not None and placed.name == "Gold"
    assert tier_with_membership(None, None, example) is None
