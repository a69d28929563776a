"""Replaying order history under a program: what it would issue, cost and owe, and who ends where.

Pure and in memory: the caller supplies each order's latest cumulative fact and the customer it
belongs to; `simulate` processes the orders by the time they earned (paid_at, else created_at).

Definitions (the numbers `loyalty program simulate` prints):

- points issued: the points owed by every order as it stands (`earning.order_credit(...).owed`),
  at the multiplier of the tier the customer held when the order was paid. That tier comes from
  the net spend of the customer's earlier paid orders inside `tier_rules.window_days` before it.
  Bonuses, referrals, redemptions and expiry are not replayed.
- points redeemable: per customer, the largest multiple of the cheapest redeemable reward's cost
  (rewards with cost > 0) not above the customer's points; summed over customers.
- face value per point: value / cost of the cheapest-per-point `fixed_amount` reward that points
  can buy (lowest value / cost); 0 when the program has none.
- reward cost: points redeemable x face value per point, in the program currency (to the cent).
- liability: points issued x face value per point, in the program currency (to the cent).
- tier counts: customers per tier at `now`, from the net spend of their paid orders in the window
  ending at `now` (`tiers.tier_for`); "-" counts customers below every tier.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from rules import metrics, tiers
from rules.earning import net_base, order_credit, order_earns
from rules.events import OrderEvent
from rules.program import Program

NO_TIER = "-"
_CENT = Decimal("0.01")
_ONE = Decimal(1)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Summary:
    points_issued: int
    points_redeemable: int
    reward_cost: Decimal
    liability: Decimal
    tier_counts: tuple[tuple[str, int], ...]  # program tiers by threshold, then "-" if any


class _Account:
    """One customer's running totals while replaying: points, and paid orders for tiers."""

    __slots__ = ("first", "paid", "points", "spend")

    def __init__(self) -> None:
        self.points = 0
        self.paid: list[tuple[datetime, Decimal]] = []  # (paid_at, net spend), by paid_at
        self.first = 0  # index of the oldest paid order still inside the tier window
        self.spend = _ZERO  # sum of net spend of paid[first:]


class _Ladder:
    """The tier multiplier at a moment, from a sliding window over the customer's paid orders."""

    def __init__(self, program: Program) -> None:
        self.thresholds = [tier.threshold for tier in program.tiers]
        self.multipliers = [_ONE, *(tier.multiplier for tier in program.tiers)]
        days = program.tier_rules.window_days
        self.window = None if days is None else timedelta(days=days)

    def multiplier(self, account: _Account, at: datetime) -> Decimal:
        paid = account.paid
        if not paid:
            return self.multipliers[bisect_right(self.thresholds, _ZERO)]
        if self.window is not None:
            start = at - self.window
            first, spend = account.first, account.spend
            while first < len(paid) and paid[first][0] < start:
                spend -= paid[first][1]
                first += 1
            account.first, account.spend = first, spend
        spend = account.spend
        index = len(paid) - 1
        while index >= account.first and paid[index][0] >= at:  # same-moment orders: not before
            spend -= paid[index][1]
            index -= 1
        return self.multipliers[bisect_right(self.thresholds, spend)]


def _earned_at(item: tuple[str, OrderEvent]) -> datetime:
    order = item[1]
    return order.paid_at or order.created_at


def simulate(program: Program, orders: Iterable[tuple[str, OrderEvent]],
             now: datetime) -> tuple[Summary, dict[str, str | None]]:
    """Replay `orders` (customer key, latest fact of one order) under `program`.

    Returns the summary and each customer's tier name (None below every tier) at `now`.
    """
    accounts: dict[str, _Account] = {}
    ladder = _Ladder(program)
    varies = any(multiplier != _ONE for multiplier in ladder.multipliers)
    issued = 0
    for key, order in sorted(orders, key=_earned_at):
        account = accounts.get(key)
        if account is None:
            account = accounts[key] = _Account()
        if not order_earns(order, program):
            continue
        if varies:
            multiplier = ladder.multiplier(account, order.paid_at or order.created_at)
            owed = order_credit(order, program, multiplier).owed
        else:
            owed = order_credit(order, program).owed
        account.points += owed
        issued += owed
        if order.paid_at is not None and order.status.is_paid:
            net = net_base(order, order.merchandise)
            account.paid.append((order.paid_at, net))
            account.spend += net
    placed = {key: _final_tier(program, account, now) for key, account in accounts.items()}
    return _summary(program, accounts, issued, placed), placed


def _final_tier(program: Program, account: _Account, now: datetime) -> str | None:
    tier = tiers.tier_for(program, tiers.qualifying_spend(account.paid, program, now))
    return None if tier is None else tier.name


def _summary(program: Program, accounts: dict[str, _Account], issued: int,
             placed: dict[str, str | None]) -> Summary:
    costs = [reward.cost for reward in program.rewards if reward.cost > 0]
    step = min(costs) if costs else 0
    redeemable = sum(a.points // step * step for a in accounts.values() if a.points > 0) if step else 0
    per_point = face_value_per_point(program)
    return Summary(
        points_issued=issued,
        points_redeemable=redeemable,
        reward_cost=_money(redeemable * per_point),
        liability=_money(issued * per_point),
        tier_counts=_tier_counts(program, placed),
    )


def face_value_per_point(program: Program) -> Decimal:
    """What one point is worth (rules.metrics); 0 if no reward gives points a money value."""
    return metrics.face_value_per_point(program) or _ZERO


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _tier_counts(program: Program, placed: dict[str, str | None]) -> tuple[tuple[str, int], ...]:
    counts = {tier.name: 0 for tier in program.tiers}
    below = 0
    for name in placed.values():
        if name is None:
            below += 1
        else:
            counts[name] += 1
    if below:
        counts[NO_TIER] = below
    return tuple(counts.items())
