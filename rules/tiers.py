"""VIP tier placement, recomputed from history rather than kept in a counter that drifts."""
from __future__ import annotations

from collections.abc import Iterable
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


def qualifying_spend(paid_orders: Iterable[tuple[datetime, Decimal]], program: Program, now: datetime) -> Decimal:
    """Net spend of paid orders inside the tier window ending at `now` (exclusive)."""
    start = window_start(program, now)
    return sum(
        (net for paid_at, net in paid_orders if paid_at < now and (start is None or paid_at >= start)),
        Decimal(0),
    )


def multiplier_for(tier: Tier | None) -> Decimal:
    return tier.multiplier if tier is not None else Decimal(1)
