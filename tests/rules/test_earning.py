"""Points an order earns (rules.earning) and the tier it places a customer in (rules.tiers).

Worked examples use WooCommerce order 13 from the captured fixtures: lines 45.00 + 11.25 = 56.25
merchandise after the coupon, shipping 5.00, no tax. Property tests replay the ledger's own
arithmetic (write owed - credited for each cumulative fact) and check the balance never drifts.
"""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from rules.earning import OrderCredit, lot_dates, order_credit, order_earns
from rules.events import LineItem, OrderEvent, OrderStatus
from rules.program import Program
from rules.tiers import multiplier_for, qualifying_spend, tier_for, window_start
from tests.rules import builders
from tests.rules.builders import PAID_AT, line, small_program

ROUNDINGS = ("floor", "round_half_up", "ceil")
BASES = ("merchandise", "merchandise_shipping", "merchandise_shipping_tax")
MULTIPLIERS = (Decimal(1), Decimal("1.25"), Decimal("1.5"))
ORDER_13_LINES = (line("BEANS-1KG", 2, "45.00", product_id="10", name="Coffee Beans 1kg"),
                  line("MUG-01", 1, "11.25", product_id="11", name="Ceramic Mug"))


def program(earn: str = "", tables: str = "", points_per_unit: str = "1") -> Program:
    """A minimal program in USD, plus extra [earn] keys and later tables."""
    return small_program(f"{earn}\n{tables}", points_per_unit=points_per_unit)


def woo_order_13(**changes: object) -> OrderEvent:
    """WooCommerce order 13 as the adapter reports it once paid; `changes` replace fields."""
    return builders.order_of(*ORDER_13_LINES, **{
        "shipping": Decimal("5.00"), "discounts": Decimal("6.25"),
        "discount_codes": ("welcome10",), **changes})


def order_of(*totals: str, **changes: object) -> OrderEvent:
    lines = tuple(line(f"SKU-{n}", 1, total) for n, total in enumerate(totals))
    return woo_order_13(**{"line_items": lines, "shipping": Decimal(0), **changes})


# --- worked examples: order 13 under the example program -----------------------------------------

def test_paid_order_earns_one_point_per_whole_unit_of_merchandise(example: Program) -> None:
    assert order_credit(woo_order_13(), example) == OrderCredit(gross=56, owed=56)


def test_partial_refund_of_ten_leaves_points_for_the_rest(example: Program) -> None:
    refunded = woo_order_13(status=OrderStatus.FULFILLED, refunded=Decimal("10.00"))
    assert order_credit(refunded, example) == OrderCredit(gross=56, owed=46)


def test_refunded_order_owes_nothing(example: Program) -> None:
    refunded = woo_order_13(status=OrderStatus.REFUNDED, refunded=Decimal("61.25"))
    assert order_credit(refunded, example) == OrderCredit(gross=56, owed=0)


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CANCELLED])
def test_unpaid_order_owes_nothing_yet_shows_its_gross(example: Program,
                                                       status: OrderStatus) -> None:
    assert order_credit(woo_order_13(status=status), example) == OrderCredit(gross=56, owed=0)


def test_gift_card_line_earns_no_points(example: Program) -> None:
    gift_card = LineItem("GIFT-CARD", "99", 1, Decimal("50.00"), "Gift card")
    order = woo_order_13(line_items=woo_order_13().line_items + (gift_card,))
    assert order_credit(order, example) == OrderCredit(gross=56, owed=56)


@pytest.mark.parametrize(("currency", "total", "points"), [
    ("JPY", "12345", 123),  # 0.01 point per yen
    ("EUR", "56.25", 56),
])
def test_order_in_another_listed_currency_earns_at_its_rate(example: Program, currency: str,
                                                            total: str, points: int) -> None:
    order = order_of(total, currency=currency)
    assert order_earns(order, example)
    assert order_credit(order, example) == OrderCredit(gross=points, owed=points)


def test_order_in_an_unlisted_currency_earns_nothing(example: Program) -> None:
    order = woo_order_13(currency="GBP")
    assert not order_earns(order, example)
    assert order_credit(order, example) == OrderCredit(gross=0, owed=0)


def test_per_currency_rate_of_a_small_program_applies() -> None:
    euro = program(tables='[earn.per_currency]\nEUR = "0.9"')
    assert order_credit(woo_order_13(currency="EUR"), euro) == OrderCredit(50, 50)  # 50.625


@pytest.mark.parametrize(("tier_name", "gross", "after_refund"), [
    ("Member", 56, 46), ("Silver", 70, 57), ("Gold", 84, 69),
])
def test_tier_multiplier_scales_points_before_rounding(example: Program, tier_name: str,
                                                      gross: int, after_refund: int) -> None:
    multiplier = multiplier_for(example.tier_named(tier_name))
    refunded = woo_order_13(refunded=Decimal("10.00"))
    assert order_credit(woo_order_13(), example, multiplier).gross == gross
    assert order_credit(refunded, example, multiplier).owed == after_refund


# --- small programs: rounding, base, status, who earns -------------------------------------------

@pytest.mark.parametrize(("total", "floor", "round_half_up", "ceil"), [
    ("10.00", 10, 10, 10), ("10.49", 10, 10, 11), ("10.50", 10, 11, 11), ("0.99", 0, 1, 1),
])
def test_rounding_policy_applies_to_the_order_total(total: str, floor: int, round_half_up: int,
                                                    ceil: int) -> None:
    expected = {"floor": floor, "round_half_up": round_half_up, "ceil": ceil}
    for rounding, points in expected.items():
        credit = order_credit(order_of(total), program(f'rounding = "{rounding}"'))
        assert credit == OrderCredit(points, points), rounding


@pytest.mark.parametrize(("base", "points"), [
    ("merchandise", 56), ("merchandise_shipping", 61), ("merchandise_shipping_tax", 65),
])
def test_earn_base_decides_whether_shipping_and_tax_earn(base: str, points: int) -> None:
    order = woo_order_13(tax=Decimal("4.50"))  # 56.25 + 5.00 + 4.50 = 65.75
    assert order_credit(order, program(f'base = "{base}"')) == OrderCredit(points, points)


def test_fulfilled_policy_earns_only_once_the_order_is_fulfilled() -> None:
    on_fulfilled = program('on_status = "fulfilled"')
    assert order_credit(woo_order_13(), on_fulfilled) == OrderCredit(56, 0)
    fulfilled = woo_order_13(status=OrderStatus.FULFILLED)
    assert order_credit(fulfilled, on_fulfilled) == OrderCredit(56, 56)
    assert order_credit(fulfilled, program('on_status = "paid"')) == OrderCredit(56, 56)


def test_excluded_skus_of_a_small_program_earn_nothing() -> None:
    no_mugs = program('exclude_skus = ["MUG-01"]')
    assert order_credit(woo_order_13(), no_mugs) == OrderCredit(45, 45)


def test_only_listed_channels_earn() -> None:
    online_only = program('channels = ["online"]')
    assert order_earns(woo_order_13(channel="online"), online_only)
    assert not order_earns(woo_order_13(channel="pos"), online_only)


def test_guest_orders_earn_against_the_email_unless_guests_are_excluded() -> None:
    guest = woo_order_13(customer_ref=None)
    assert order_earns(guest, program("guests_earn = true"))
    assert not order_earns(guest, program("guests_earn = false"))
    assert order_earns(woo_order_13(), program("guests_earn = false"))
    assert not order_earns(dataclasses.replace(guest, email=None), program("guests_earn = true"))


def test_excluded_customer_tags_and_test_orders_never_earn(example: Program) -> None:
    assert order_earns(woo_order_13(), example, frozenset({"vip"}))
    assert not order_earns(woo_order_13(), example, frozenset({"vip", "no-points"}))
    assert not order_earns(woo_order_13(test=True), example)


# --- lots ----------------------------------------------------------------------------------------

def test_lot_is_pending_for_the_return_window_then_expires_a_year_later(example: Program) -> None:
    dates = lot_dates(PAID_AT, example.earn)
    assert dates.available_at == PAID_AT + timedelta(days=14)
    assert dates.expires_at == dates.available_at + timedelta(days=365)
    assert dates.expires_at == datetime(2027, 12, 7, 3, 55, 8, tzinfo=UTC)


def test_lot_without_pending_or_expiry_is_available_at_once_forever() -> None:
    dates = lot_dates(PAID_AT, program().earn)
    assert (dates.available_at, dates.expires_at) == (PAID_AT, None)


# --- tiers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("spend", "tier_name"), [
    ("0", "Member"), ("499.99", "Member"), ("500", "Silver"), ("1499.99", "Silver"),
    ("1500", "Gold"), ("100000", "Gold"),
])
def test_tier_is_the_highest_threshold_reached(example: Program, spend: str,
                                               tier_name: str) -> None:
    tier = tier_for(example, Decimal(spend))
    assert tier is not None and tier.name == tier_name


def test_program_without_tiers_places_nobody_and_multiplies_by_one() -> None:
    assert tier_for(program(), Decimal(1000)) is None
    assert multiplier_for(None) == Decimal(1)


def test_qualifying_spend_counts_only_paid_orders_inside_the_rolling_window(
        example: Program) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    orders = [
        (now - timedelta(days=10), Decimal("100.00")),
        (now - timedelta(days=365), Decimal("50.00")),  # the window's first instant
        (now - timedelta(days=365, seconds=1), Decimal("1000.00")),  # just outside
        (now, Decimal("200.00")),  # at `now`: not yet counted
        (now + timedelta(days=1), Decimal("300.00")),
    ]
    assert window_start(example, now) == now - timedelta(days=365)
    assert qualifying_spend(orders, example, now) == Decimal("150.00")


def test_lifetime_window_counts_every_order_before_now() -> None:
    lifetime = program(tables='[tier_rules]\nwindow_days = "lifetime"')
    now = datetime(2026, 6, 1, tzinfo=UTC)
    orders = [(datetime(2001, 1, 1, tzinfo=UTC), Decimal("400.00")),
              (now - timedelta(seconds=1), Decimal("100.00")), (now, Decimal("999.00"))]
    assert window_start(lifetime, now) is None
    assert qualifying_spend(orders, lifetime, now) == Decimal("500.00")


# --- properties: the ledger never drifts ---------------------------------------------------------

money = st.decimals(min_value=0, max_value=10000, places=2)
policies = st.tuples(st.sampled_from(ROUNDINGS), st.sampled_from(BASES))
multipliers = st.sampled_from(MULTIPLIERS)


@st.composite
def orders(draw: st.DrawFn) -> OrderEvent:
    totals = draw(st.lists(money, min_size=1, max_size=5))
    return order_of(*map(str, totals), shipping=draw(money), tax=draw(money))


def refund_levels(order: OrderEvent, max_size: int = 6) -> st.SearchStrategy[list[Decimal]]:
    """Cumulative refunded amounts, up to a little more than the merchandise."""
    top = order.merchandise + Decimal(100)
    return st.lists(st.decimals(min_value=0, max_value=top, places=2), min_size=1,
                    max_size=max_size)


def policy_program(policy: tuple[str, str]) -> Program:
    rounding, base = policy
    return program(f'rounding = "{rounding}"\nbase = "{base}"')


def ledger_entries(facts: list[OrderEvent], rules: Program, multiplier: Decimal) -> list[int]:
    """What the ledger writes for successive facts about one order: owed - already credited."""
    entries: list[int] = []
    for fact in facts:
        entries.append(order_credit(fact, rules, multiplier).owed - sum(entries))
    return entries


@given(orders(), policies, multipliers, money)
def test_order_marked_refunded_returns_to_zero(order: OrderEvent, policy: tuple[str, str],
                                               multiplier: Decimal, refunded: Decimal) -> None:
    marked = dataclasses.replace(order, status=OrderStatus.REFUNDED, refunded=refunded)
    assert order_credit(marked, policy_program(policy), multiplier).owed == 0


@given(orders(), policies, multipliers, money)
def test_refunding_all_merchandise_returns_to_zero(order: OrderEvent, policy: tuple[str, str],
                                                   multiplier: Decimal, extra: Decimal) -> None:
    assume(order.merchandise > 0)
    refunded = dataclasses.replace(order, refunded=order.merchandise + extra)
    assert order_credit(refunded, policy_program(policy), multiplier).owed == 0


@given(orders(), policies, multipliers, st.sampled_from(list(OrderStatus)), st.data())
def test_owed_stays_between_zero_and_gross(order: OrderEvent, policy: tuple[str, str],
                                           multiplier: Decimal, status: OrderStatus,
                                           data: st.DataObject) -> None:
    refunded = data.draw(refund_levels(order, max_size=1))[0]
    credit = order_credit(dataclasses.replace(order, status=status, refunded=refunded),
                          policy_program(policy), multiplier)
    assert 0 <= credit.owed <= credit.gross


@given(orders(), policies, multipliers, st.data())
def test_owed_never_rises_as_refunds_grow(order: OrderEvent, policy: tuple[str, str],
                                          multiplier: Decimal, data: st.DataObject) -> None:
    levels = sorted(data.draw(refund_levels(order)))
    rules = policy_program(policy)
    owed = [order_credit(dataclasses.replace(order, refunded=level), rules, multiplier).owed
            for level in levels]
    assert owed == sorted(owed, reverse=True)


@given(orders(), policies, multipliers, money, money)
def test_two_partial_refunds_equal_one_refund_of_their_sum(
        order: OrderEvent, policy: tuple[str, str], multiplier: Decimal, first: Decimal,
        second: Decimal) -> None:
    rules = policy_program(policy)
    facts = [order, dataclasses.replace(order, refunded=first),
             dataclasses.replace(order, refunded=first + second)]
    earned, *clawbacks = ledger_entries(facts, rules, multiplier)
    single = order_credit(dataclasses.replace(order, refunded=first + second), rules, multiplier)
    assert earned == single.gross
    assert all(clawback <= 0 for clawback in clawbacks)
    assert earned + sum(clawbacks) == single.owed


@given(orders(), policies, multipliers, st.data())
def test_earn_minus_clawbacks_always_equals_points_owed(
        order: OrderEvent, policy: tuple[str, str], multiplier: Decimal,
        data: st.DataObject) -> None:
    rules = policy_program(policy)
    facts = [order] + [dataclasses.replace(order, refunded=level)
                       for level in data.draw(refund_levels(order))]
    assert sum(ledger_entries(facts, rules, multiplier)) == order_credit(
        facts[-1], rules, multiplier).owed
    closed = facts + [dataclasses.replace(order, status=OrderStatus.REFUNDED)]
    assert sum(ledger_entries(closed, rules, multiplier)) == 0


@pytest.mark.parametrize(("rounding", "total", "refunded", "owed"), [
    ("floor", "3.00", "2.00", 1),   # 1.00 left earns 1 point, not 0.999... floored to 0
    ("ceil", "14.00", "5.00", 9),   # 9.00 left earns 9 points, not 9.000...1 ceiled to 10
])
def test_points_owed_are_the_points_on_the_merchandise_left(rounding, total, refunded, owed):
    rules = program(f'rounding = "{rounding}"')
    credit = order_credit(order_of(total, refunded=Decimal(refunded)), rules)
    assert credit.owed == owed
