"""Tier placement over time (rules.tiers.place): upgrades are immediate; with `end_of_window` a
customer who falls short keeps the tier for the window it was earned in, then for the grace days;
qualifying again during grace cancels the downgrade."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rules.program import Program, Tier
from rules.tiers import Placement, place, qualifying_points, qualifying_spend, tier_for
from tests.rules.builders import TIER_LADDER, small_program

T0 = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)


def program(tier_rules: str) -> Program:
    return small_program(f"{TIER_LADDER}\n[tier_rules]\n{tier_rules}\n", name="T")


def name(placement: Placement) -> str | None:
    return placement.tier.name if placement.tier is not None else None


def silver(example: Program, since: datetime = T0, grace_until: datetime | None = None
           ) -> Placement:
    return Placement(example.tier_named("Silver"), since, grace_until)


# --- upgrades -------------------------------------------------------------------------------------

def test_500_spend_places_a_new_customer_in_silver_immediately(example: Program) -> None:
    spend = qualifying_spend([(T0, Decimal("500.00"))], example, T0 + timedelta(minutes=1))
    placement = place(example, None, spend, T0 + timedelta(minutes=1))
    assert (name(placement), placement.since, placement.grace_until) == (
        "Silver", T0 + timedelta(minutes=1), None)


def test_just_under_the_threshold_stays_member(example: Program) -> None:
    assert name(place(example, None, Decimal("499.99"), T0)) == "Member"


def test_a_member_reaching_silver_is_upgraded_at_once(example: Program) -> None:
    member = Placement(example.tier_named("Member"), T0 - 400 * DAY, None)
    placement = place(example, member, Decimal(500), T0)
    assert (name(placement), placement.since) == ("Silver", T0)


def test_upgrading_during_grace_clears_the_grace(example: Program) -> None:
    in_grace = silver(example, T0 - 370 * DAY, T0 + 25 * DAY)
    placement = place(example, in_grace, Decimal(1500), T0)
    assert (name(placement), placement.since, placement.grace_until) == ("Gold", T0, None)


# --- end_of_window downgrade with grace ------------------------------------------------------------

def test_falling_under_within_the_window_keeps_silver(example: Program) -> None:
    placement = place(example, silver(example), Decimal(0), T0 + 364 * DAY)
    assert (name(placement), placement.since, placement.grace_until) == ("Silver", T0, None)


def test_falling_under_after_the_window_starts_30_days_of_grace(example: Program) -> None:
    placement = place(example, silver(example), Decimal(100), T0 + 365 * DAY)
    assert (name(placement), placement.grace_until) == ("Silver", T0 + 395 * DAY)


def test_grace_starts_when_the_fall_is_first_noticed(example: Program) -> None:
    placement = place(example, silver(example), Decimal(100), T0 + 400 * DAY)
    assert (name(placement), placement.grace_until) == ("Silver", T0 + 430 * DAY)


def test_silver_is_kept_until_the_grace_ends_then_drops_to_member(example: Program) -> None:
    in_grace = place(example, silver(example), Decimal(0), T0 + 365 * DAY)
    still = place(example, in_grace, Decimal(0), T0 + 395 * DAY - timedelta(seconds=1))
    assert (name(still), still.grace_until) == ("Silver", T0 + 395 * DAY)
    dropped = place(example, still, Decimal(0), T0 + 395 * DAY)
    assert (name(dropped), dropped.since, dropped.grace_until) == ("Member", T0 + 395 * DAY, None)


def test_gold_falling_to_silver_range_drops_one_tier_only(example: Program) -> None:
    gold = Placement(example.tier_named("Gold"), T0, T0 + 395 * DAY)
    assert name(place(example, gold, Decimal(700), T0 + 395 * DAY)) == "Silver"


def test_requalifying_during_grace_keeps_silver_and_clears_the_grace(example: Program) -> None:
    in_grace = silver(example, T0, T0 + 395 * DAY)
    placement = place(example, in_grace, Decimal(520), T0 + 380 * DAY)
    assert (name(placement), placement.since, placement.grace_until) == ("Silver", T0, None)
    again = place(example, placement, Decimal(10), T0 + 390 * DAY)
    assert (name(again), again.grace_until) == ("Silver", T0 + 420 * DAY)


def test_without_grace_days_the_downgrade_happens_at_the_window_end() -> None:
    strict = program('window_days = 365\ndowngrade = "end_of_window"')
    held = Placement(strict.tier_named("Silver"), T0, None)
    assert name(place(strict, held, Decimal(0), T0 + 364 * DAY)) == "Silver"
    assert name(place(strict, held, Decimal(0), T0 + 365 * DAY)) == "Member"


def test_rolling_spend_walkthrough(example: Program) -> None:
    orders = [(T0, Decimal("300.00")), (T0 + 10 * DAY, Decimal("250.00"))]
    placement = None
    seen = []
    for day in (5, 11, 200, 366, 380, 386, 400):
        now = T0 + day * DAY
        placement = place(example, placement, qualifying_spend(orders, example, now), now)
        seen.append((day, name(placement)))
    # Silver since day 11, so its window ends on day 376; the fall is noticed on day 380,
    # which starts 30 days of grace, to day 410.
    assert seen == [(5, "Member"), (11, "Silver"), (200, "Silver"), (366, "Silver"),
                    (380, "Silver"), (386, "Silver"), (400, "Silver")]
    assert placement is not None and placement.grace_until == T0 + 410 * DAY
    assert name(place(example, placement, Decimal(0), T0 + 410 * DAY)) == "Member"


# --- policies that never downgrade ----------------------------------------------------------------

def test_downgrade_never_keeps_silver_for_good() -> None:
    never = program('window_days = 365\ndowngrade = "never"\ngrace_days = 30')
    held = Placement(never.tier_named("Silver"), T0, None)
    placement = place(never, held, Decimal(0), T0 + 5000 * DAY)
    assert (name(placement), placement.since, placement.grace_until) == ("Silver", T0, None)


def test_a_lifetime_window_never_downgrades() -> None:
    lifetime = program('window_days = "lifetime"')
    held = Placement(lifetime.tier_named("Gold"), T0, None)
    assert name(place(lifetime, held, Decimal(0), T0 + 5000 * DAY)) == "Gold"


def test_a_tier_the_program_no_longer_has_is_placed_afresh(example: Program) -> None:
    gone = Placement(Tier("Platinum", Decimal(5000)), T0, None)
    placement = place(example, gone, Decimal(600), T0 + DAY)
    assert (name(placement), placement.since) == ("Silver", T0 + DAY)


# --- qualifying points ----------------------------------------------------------------------------

def test_qualifying_points_sums_credits_inside_the_window(example: Program) -> None:
    now = T0 + 400 * DAY
    entries = [(now - 10 * DAY, 300), (now - 20 * DAY, -200), (now - 365 * DAY, 50),
               (now - 366 * DAY, 1000), (now, 70)]
    assert qualifying_points(entries, example, now) == Decimal(350)


def test_points_basis_places_by_points_earned() -> None:
    points = program('basis = "points"\nwindow_days = "lifetime"')
    earned = qualifying_points([(T0, 400), (T0 + DAY, 200)], points, T0 + 2 * DAY)
    assert name(place(points, None, earned, T0 + 2 * DAY)) == "Silver"


# --- properties -----------------------------------------------------------------------------------

observations = st.lists(st.tuples(st.integers(min_value=0, max_value=200),
                                  st.decimals(min_value=0, max_value=2000, places=2)),
                        min_size=1, max_size=20)


def level(placement: Placement) -> Decimal:
    return placement.tier.threshold if placement.tier is not None else Decimal(-1)


@given(observations)
def test_a_customer_never_holds_less_than_the_tier_they_qualify_for(example: Program,
                                                                     steps: list) -> None:
    placement, now = None, T0
    for days, qualifying in steps:
        now += days * DAY
        placement = place(example, placement, qualifying, now)
        reached = tier_for(example, qualifying)
        assert reached is not None and level(placement) >= reached.threshold


@given(observations)
def test_downgrades_come_only_after_window_and_grace(example: Program, steps: list) -> None:
    placement, now = None, T0
    for days, qualifying in steps:
        now += days * DAY
        before, placement = placement, place(example, placement, qualifying, now)
        if before is not None and level(placement) < level(before):
            assert now >= before.since + 395 * DAY


@given(observations)
def test_with_downgrade_never_the_tier_only_goes_up(steps: list) -> None:
    never = program('window_days = 365\ndowngrade = "never"')
    placement, now = None, T0
    for days, qualifying in steps:
        now += days * DAY
        before, placement = placement, place(never, placement, qualifying, now)
        assert before is None or level(placement) >= level(before)
