"""Weekly series for the dashboard's charts: points moved, members, tiers, liability.

Weeks start on Monday 00:00 UTC; a series over [start, end) has one row per week that overlaps
it, empty weeks included, and its last week ends at `end`. Sums are taken in Python from the
entries, the same on SQLite and PostgreSQL (enough for the sizes seen so far).
"""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.metrics import ISSUING_KINDS, available_points
from connector.models import Customer, LedgerEntry
from rules.metrics import liability

WEEK = timedelta(days=7)
NO_TIER = "no tier"


@dataclass(frozen=True)
class WeekPoints:
    week_start: datetime
    issued: int  # positive earn, bonus and adjust entries
    redeemed: int  # net of points given back
    expired: int
    clawed_back: int


def week_start(at: datetime) -> datetime:
    """Monday 00:00 UTC of the week holding `at`."""
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weeks(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(week start, moment the week ends within the period) for each week overlapping it."""
    rows = []
    monday = week_start(start)
    while monday < end:
        rows.append((monday, min(monday + WEEK, end)))
        monday += WEEK
    return rows


def weekly_points(session: Session, program_id: int, start: datetime, end: datetime
                  ) -> list[WeekPoints]:
    """Points issued, redeemed, expired and clawed back per week, by when the entry was written."""
    totals: dict[datetime, Counter[str]] = {monday: Counter() for monday, _ in weeks(start, end)}
    entries = session.execute(
        select(LedgerEntry.kind, LedgerEntry.points, LedgerEntry.created_at)
        .join(Customer, Customer.id == LedgerEntry.customer_id)
        .where(Customer.program_id == program_id, LedgerEntry.created_at >= start,
               LedgerEntry.created_at < end))
    for kind, points, created_at in entries:
        week = totals[week_start(created_at)]
        if kind in ISSUING_KINDS and points > 0:
            week["issued"] += points
        elif kind in ("redeem", "expire", "clawback"):
            week[kind] -= points
    return [WeekPoints(monday, week["issued"], week["redeem"], week["expire"], week["clawback"])
            for monday, week in totals.items()]


def members_over_time(session: Session, program_id: int, start: datetime, end: datetime
                      ) -> list[tuple[datetime, int]]:
    """(week start, members who had joined by the end of that week), cumulative."""
    joined = sorted(session.scalars(select(Customer.joined_at).where(
        Customer.program_id == program_id, Customer.joined_at < end)))
    return [(monday, bisect_left(joined, until)) for monday, until in weeks(start, end)]


def tier_distribution(session: Session, program_id: int) -> dict[str, int]:
    """Customers per tier now; customers below every tier are counted under "no tier"."""
    tiers = Counter(session.scalars(select(Customer.tier).where(
        Customer.program_id == program_id)))
    return {NO_TIER if tier is None else tier: count for tier, count in sorted(
        tiers.items(), key=lambda item: (item[0] is None, item[0] or ""))}


def liability_over_time(session: Session, program_id: int, start: datetime, end: datetime,
                        face_value: Decimal | None
                        ) -> list[tuple[datetime, int, Decimal | None]]:
    """(week start, points available at the week's end, their money value at `face_value`)."""
    rows = []
    for monday, until in weeks(start, end):
        points = available_points(session, program_id, until)
        rows.append((monday, points, liability(points, face_value)))
    return rows
