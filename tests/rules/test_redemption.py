"""Spending points (rules.redemption): FIFO allocation over lots, the rewards a customer can take,
and the deterministic discount codes pushed back to the store."""
from __future__ import annotations

import pickle
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.program import Program
from rules.redemption import (
    CodeSpec,
    InsufficientPoints,
    Lot,
    affordable,
    allocate,
    code_spec,
    discount_code,
    spendable,
)
from tests.rules.builders import small_program

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SECRET = b"shop-secret-key"
CODE = re.compile(r"LOYAL-[A-Z2-7]{16}")


def lot(lot_id: str, remaining: int, available: timedelta = -10 * DAY,
        expires: timedelta | None = 100 * DAY) -> Lot:
    """A lot available `available` from NOW, expiring `expires` from NOW (None: never)."""
    return Lot(lot_id, remaining, NOW + available, None if expires is None else NOW + expires)


# --- spendable ------------------------------------------------------------------------------------

def test_only_available_unexpired_lots_with_points_are_spendable() -> None:
    lots = [
        lot("a", 100),
        lot("pending", 50, available=DAY),
        lot("expired", 70, expires=-DAY),
        lot("empty", 0),
        lot("forever", 30, expires=None),
        lot("available-now", 5, available=timedelta(0)),
        lot("expires-now", 9, expires=timedelta(0)),
    ]
    assert spendable(lots, NOW) == 135


# --- allocate -------------------------------------------------------------------------------------

def test_allocation_spends_the_soonest_expiring_lot_first() -> None:
    lots = [lot("late", 100, expires=200 * DAY), lot("soon", 40, expires=5 * DAY),
            lot("never", 500, expires=None)]
    assert allocate(lots, 120, NOW) == (("soon", 40), ("late", 80))


def test_never_expiring_lots_are_spent_last() -> None:
    lots = [lot("never", 500, expires=None), lot("late", 100, expires=900 * DAY)]
    assert allocate(lots, 150, NOW) == (("late", 100), ("never", 50))


def test_lots_expiring_together_are_spent_oldest_first_then_by_id() -> None:
    lots = [lot("b", 10, available=-DAY), lot("c", 10, available=-5 * DAY),
            lot("a", 10, available=-DAY)]
    assert allocate(lots, 25, NOW) == (("c", 10), ("a", 10), ("b", 5))


def test_allocation_skips_pending_and_expired_lots() -> None:
    lots = [lot("expired", 100, expires=-DAY), lot("pending", 100, available=DAY),
            lot("ok", 100, expires=50 * DAY)]
    assert allocate(lots, 100, NOW) == (("ok", 100),)


def test_asking_for_more_than_spendable_says_how_many_are_available_and_needed() -> None:
    lots = [lot("ok", 300), lot("pending", 1000, available=DAY)]
    with pytest.raises(InsufficientPoints, match="300 available, 500 needed") as caught:
        allocate(lots, 500, NOW)
    assert (caught.value.available, caught.value.needed) == (300, 500)
    assert isinstance(caught.value, ValueError)
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)


@pytest.mark.parametrize("points", [0, -5])
def test_a_redemption_must_spend_a_positive_number_of_points(points: int) -> None:
    with pytest.raises(ValueError, match="positive number of points"):
        allocate([lot("a", 100)], points, NOW)


# --- properties -----------------------------------------------------------------------------------

FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@st.composite
def lot_lists(draw: st.DrawFn) -> list[Lot]:
    ids = draw(st.lists(st.text("abcdef", min_size=1, max_size=3), unique=True, max_size=8))
    hours = st.integers(min_value=-2000, max_value=2000)
    lots = []
    for lot_id in ids:
        available = NOW + timedelta(hours=draw(hours))
        lifetime = draw(st.none() | st.integers(min_value=0, max_value=4000))
        expires = None if lifetime is None else available + timedelta(hours=lifetime)
        lots.append(Lot(lot_id, draw(st.integers(min_value=0, max_value=60)), available, expires))
    return lots


def fifo_order(lots: list[Lot]) -> list[Lot]:
    """The spending order, restated independently: spendable lots by expiry, age, id."""
    live = [x for x in lots if x.remaining > 0 and x.available_at <= NOW
            and (x.expires_at is None or x.expires_at > NOW)]
    return sorted(live, key=lambda x: (x.expires_at or FAR_FUTURE, x.available_at, x.lot_id))


@given(lot_lists(), st.data())
def test_allocation_takes_exactly_the_points_from_a_prefix_of_the_fifo_order(
        lots: list[Lot], data: st.DataObject) -> None:
    order = fifo_order(lots)
    total = sum(x.remaining for x in order)
    if total == 0:
        return
    points = data.draw(st.integers(min_value=1, max_value=total))
    taken = allocate(lots, points, NOW)
    by_id = {x.lot_id: x for x in lots}
    assert sum(n for _, n in taken) == points
    assert all(0 < n <= by_id[lot_id].remaining for lot_id, n in taken)
    assert [lot_id for lot_id, _ in taken] == [x.lot_id for x in order[:len(taken)]]
    assert all(n == by_id[lot_id].remaining for lot_id, n in taken[:-1])


@given(lot_lists(), st.integers(min_value=1, max_value=1000))
def test_allocation_never_touches_pending_expired_or_empty_lots(lots: list[Lot],
                                                                points: int) -> None:
    live = {x.lot_id for x in fifo_order(lots)}
    try:
        taken = allocate(lots, points, NOW)
    except InsufficientPoints as error:
        assert error.available == spendable(lots, NOW) < points
        return
    assert {lot_id for lot_id, _ in taken} <= live


@given(lot_lists(), st.lists(st.integers(min_value=1, max_value=80), max_size=10))
def test_balance_never_goes_negative_over_repeated_redemptions(lots: list[Lot],
                                                               asks: list[int]) -> None:
    for points in asks:
        before = spendable(lots, NOW)
        try:
            taken = dict(allocate(lots, points, NOW))
        except InsufficientPoints:
            assert before < points
            continue
        lots = [Lot(x.lot_id, x.remaining - taken.get(x.lot_id, 0), x.available_at, x.expires_at)
                for x in lots]
        assert all(x.remaining >= 0 for x in lots)
        assert spendable(lots, NOW) == before - points >= 0


# --- affordable -----------------------------------------------------------------------------------

def ids(rewards: tuple) -> dict[str, int]:
    return {reward.id: reward.cost for reward in rewards}


@pytest.mark.parametrize(("balance", "expected"), [
    (0, {}), (299, {}), (300, {"free-shipping": 300}),
    (500, {"5-off": 500, "free-shipping": 300}),
])
def test_member_can_redeem_rewards_that_cost_no_more_than_the_balance(
        example: Program, balance: int, expected: dict[str, int]) -> None:
    assert ids(affordable(example, balance, "Member")) == expected
    assert ids(affordable(example, balance, None)) == expected


def test_silver_gets_free_shipping_as_a_perk_at_no_cost(example: Program) -> None:
    assert ids(affordable(example, 0, "Silver")) == {"free-shipping": 0}
    assert ids(affordable(example, 500, "Silver")) == {"5-off": 500, "free-shipping": 0}


def test_gold_perks_include_the_birthday_reward(example: Program) -> None:
    assert ids(affordable(example, 0, "Gold")) == {"free-shipping": 0, "birthday-20": 0}


def test_zero_cost_rewards_are_issued_not_redeemed(example: Program) -> None:
    offered = ids(affordable(example, 100_000, "Silver"))
    assert {"welcome-10", "birthday-20", "free-coffee"}.isdisjoint(offered)


def test_unknown_tier_unlocks_no_perks(example: Program) -> None:
    assert ids(affordable(example, 0, "Platinum")) == {}


# --- discount codes -------------------------------------------------------------------------------

def test_discount_code_is_deterministic_and_well_formed() -> None:
    code = discount_code(SECRET, 7, "redemption-1")
    assert code == discount_code(SECRET, 7, "redemption-1")
    assert CODE.fullmatch(code)


def test_discount_codes_differ_by_shop_redemption_and_secret() -> None:
    codes = {discount_code(SECRET, 7, "r-1"), discount_code(SECRET, 8, "r-1"),
             discount_code(SECRET, 7, "r-2"), discount_code(b"other", 7, "r-1"),
             discount_code(SECRET, 71, "r-1"), discount_code(SECRET, 7, "1:r-1")}
    assert len(codes) == 6


def test_discount_code_uses_the_given_prefix() -> None:
    assert re.fullmatch(r"VIP-[A-Z2-7]{16}", discount_code(SECRET, 1, "r", prefix="VIP"))


def test_discount_code_refuses_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="non-empty secret"):
        discount_code(b"", 1, "r")


@given(st.integers(min_value=1, max_value=10**9), st.text(min_size=1, max_size=40))
def test_every_discount_code_matches_the_platform_safe_format(shop_id: int,
                                                              redemption_id: str) -> None:
    assert CODE.fullmatch(discount_code(SECRET, shop_id, redemption_id))


def test_code_spec_carries_the_rewards_terms(example: Program) -> None:
    spec = code_spec(example.reward("5-off"), "LOYAL-X", " Alice@Example.com ", NOW)
    assert spec == CodeSpec(code="LOYAL-X", reward_id="5-off", type="fixed_amount",
                            value=Decimal("5.00"), min_order=Decimal("20.00"),
                            expires_at=NOW + 30 * DAY, sku=None, email="alice@example.com")


def test_code_spec_for_a_free_product_names_the_sku(example: Program) -> None:
    spec = code_spec(example.reward("free-coffee"), "LOYAL-Y", None, NOW)
    assert (spec.type, spec.sku, spec.value, spec.email) == ("free_product", "COFFEE-250G",
                                                             None, None)
    assert spec.expires_at == NOW + 60 * DAY


def test_code_spec_without_expiry_days_never_expires() -> None:
    program = small_program('[[rewards]]\nid = "ship"\ncost = 100\ntype = "free_shipping"\n',
                            name="T")
    assert code_spec(program.reward("ship"), "LOYAL-Z", None, NOW).expires_at is None
