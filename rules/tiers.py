"""VIP tier placement, recomputed from history rather than kept in a counter that drifts.

`tier_for` says which tier a qualifying amount reaches; `place` turns that into the tier a
customer holds, applying the program's downgrade policy: upgrades are immediate, and with
`end_of_window` a customer who falls short keeps the tier for the rest of the window it was
earned in and then for `grace_days` more, during which qualifying again cancels the downgrade.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from rules.program import Program, Tier


def tier_for(program: Program, qualifying: Decimal) -> Tier | None:
    """The highest tier whose threshold the qualifying spend (or points) reaches."""
    reached = [tier for tier in program.tiers if qualifying >= tier.threshold]
    return reached[-1] if reached else None


def window_start(program: Program, now: datetime) -> datetime | None:
    days = program.tier_rules.window_days
    return None if days is None else now - timedelta(days=days)


def _in_window(at: datetime, start: datetime | None, now: datetime) -> bool:
    return at < now and (start is None or at >= start)


def qualifying_spend(paid_orders: Iterable[tuple[datetime, Decimal]], program: Program, now: datetime) -> Decimal:
    """Net spend of paid orders inside the tier window ending at `now` (exclusive)."""
    start = window_start(program, now)
    return sum(
        (net for paid_at, net in paid_orders if _in_window(paid_at, start, now)),
        Decimal(0),
    )


def qualifying_points(entries: Iterable[tuple[datetime, int]], program: Program,
                      now: datetime) -> Decimal:
    """Points earned inside the tier window ending at `now` (exclusive), for basis "points".

    `entries` are (created_at, points) of earning ledger entries; only credits count, so
    spending or losing points to expiry never costs a customer their tier.
    """
    start = window_start(program, now)
    return Decimal(sum(points for at, points in entries
                       if points > 0 and _in_window(at, start, now)))


def multiplier_for(tier: Tier | None) -> Decimal:
    return tier.multiplier if tier is not None else Decimal(1)


@dataclass(frozen=True)
class Placement:
    """The tier a customer holds, since when, and when a pending downgrade takes effect."""

    tier: Tier | None
    since: datetime
    grace_until: datetime | None = None


def _level(tier: Tier | None) -> Decimal:
    return tier.threshold if tier is not None else Decimal(-1)


def place(program: Program, current: Placement | None, qualifying: Decimal,
          now: datetime) -> Placement:
    """The customer's placement at `now`, given their qualifying amount and where they were.

    Staying qualified keeps `since` (the moment the tier was entered) and clears any grace.
    A tier the program no longer has counts as no tier, so the customer is placed afresh.
    """
    reached = tier_for(program, qualifying)
    if current is None:
        return Placement(reached, now)
    held = program.tier_named(current.tier.name) if current.tier is not None else None
    if _level(reached) > _level(held):
        return Placement(reached, now)
    if _level(reached) == _level(held):
        return Placement(held, current.since)
    return _fall_short(program, Placement(held, current.since, current.grace_until), reached, now)


def _fall_short(program: Program, current: Placement, reached: Tier | None,
                now: datetime) -> Placement:
    """A customer below their tier's threshold: keep it through the window, then the grace."""
    rules = program.tier_rules
    window = rules.window_days
    if rules.downgrade == "never" or window is None or now < current.since + timedelta(days=window):
        return Placement(current.tier, current.since)
    grace_until = current.grace_until or now + timedelta(days=rules.grace_days)
    if now >= grace_until:
        return Placement(reached, now)
    return Placement(current.tier, current.since, grace_until)
