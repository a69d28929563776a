"""The program's figures for one period, counted from the orders and the ledger.

Definitions live in rules/metrics.py (shown on the admin page); this module only counts.
What is counted, for a period [start, end):

- a paid order has a payment date and was not since cancelled, fully refunded or deleted; its
  revenue is merchandise less refunds. A customer has at least one paid order before `end`.
- a member is a customer who joined before `end`; everyone else is a non-member.
- a customer is active at a moment when they have a paid order in the `active_days` (365)
  before it. S = active at `start`, E = active at `end`, N = customers whose first paid order
  falls in the period. A lapsed customer who comes back counts in E but not in N.
- points issued: positive earn, bonus and adjust entries written in the period; points redeemed:
  redeem entries written in the period, net of points given back.
- AOV and purchase frequency use the period's paid orders; the frequency is per ordering
  customer, scaled to a year; repeat rate counts customers with two or more paid orders ever.
- available points at a moment: entries written and available by then, per customer, a
  negative balance counting as zero.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from connector.models import Customer, LedgerEntry, OrderState
from rules import metrics as rules
from rules.metrics import Retention
from rules.program_model import Program

GIVEN_BACK = ("refunded", "cancelled", "deleted")  # order statuses that are no longer a purchase
ISSUING_KINDS = ("earn", "bonus", "adjust")  # their positive entries are points issued
_MICROSECONDS_PER_DAY = Decimal(86_400_000_000)


@dataclass(frozen=True)
class PaidOrder:
    customer_id: int
    paid_at: datetime
    revenue: Decimal


@dataclass(frozen=True)
class CustomerGroup:
    """Buying figures of a set of customers: everyone, the members, or the non-members."""

    customers: int  # with a paid order before the period's end
    repeat_rate: Decimal | None  # of those, the share with two or more paid orders
    orders: int  # paid orders in the period
    revenue: Decimal
    average_order_value: Decimal | None
    purchase_frequency: Decimal | None  # orders per ordering customer per year
    customer_lifetime_value: Decimal | None


@dataclass(frozen=True)
class ProgramMetrics:
    start: datetime
    end: datetime
    customers: int
    members: int
    adoption_rate: Decimal | None
    points_issued: int
    points_redeemed: int
    redemption_rate: Decimal | None
    retention: Retention  # S, E and N
    retention_rate: Decimal | None
    churn_rate: Decimal | None
    everyone: CustomerGroup
    member_customers: CustomerGroup
    non_member_customers: CustomerGroup
    available_points: int  # at `now`
    face_value_per_point: Decimal | None
    liability: Decimal | None


def program_metrics(session: Session, program_id: int, start: datetime, end: datetime,
                    now: datetime, *, program: Program, expected_lifetime_years: int = 3,
                    active_days: int = 365) -> ProgramMetrics:
    """The dashboard's figures for [start, end); liability is at `now`, at the face value of
    `program` (the live version)."""
    orders = paid_orders(session, program_id, end)
    members = set(session.scalars(select(Customer.id).where(
        Customer.program_id == program_id, Customer.joined_at < end)))
    ordered = {order.customer_id for order in orders}
    retention = _retention(orders, start, end, timedelta(days=active_days))
    issued = _points_in(session, program_id, start, end, LedgerEntry.kind.in_(ISSUING_KINDS),
                        LedgerEntry.points > 0)
    redeemed = -_points_in(session, program_id, start, end, LedgerEntry.kind == "redeem")
    group = _grouper(start, end, expected_lifetime_years)
    available = available_points(session, program_id, now)
    per_point = rules.face_value_per_point(program)
    return ProgramMetrics(
        start=start, end=end, customers=len(ordered), members=len(ordered & members),
        adoption_rate=rules.adoption_rate(len(ordered & members), len(ordered)),
        points_issued=issued, points_redeemed=redeemed,
        redemption_rate=rules.redemption_rate(redeemed, issued),
        retention=retention, retention_rate=retention.rate, churn_rate=retention.churn,
        everyone=group(orders),
        member_customers=group([o for o in orders if o.customer_id in members]),
        non_member_customers=group([o for o in orders if o.customer_id not in members]),
        available_points=available, face_value_per_point=per_point,
        liability=rules.liability(available, per_point))


def paid_orders(session: Session, program_id: int, end: datetime) -> list[PaidOrder]:
    """The program's paid orders before `end` (see the module docstring), oldest first."""
    rows = session.execute(
        select(OrderState.customer_id, OrderState.paid_at, OrderState.merchandise,
               OrderState.refunded)
        .join(Customer, Customer.id == OrderState.customer_id)
        .where(Customer.program_id == program_id, OrderState.paid_at.is_not(None),
               OrderState.paid_at < end, OrderState.status.not_in(GIVEN_BACK))
        .order_by(OrderState.paid_at, OrderState.id))
    return [PaidOrder(cid, paid_at, merchandise - refunded)
            for cid, paid_at, merchandise, refunded in rows]


def available_points(session: Session, program_id: int, at: datetime) -> int:
    """Points the program's customers could spend at `at`: entries written and out of their
    pending period by then; a customer below zero counts as zero."""
    per_customer = session.scalars(
        select(func.sum(LedgerEntry.points))
        .join(Customer, Customer.id == LedgerEntry.customer_id)
        .where(Customer.program_id == program_id, LedgerEntry.created_at <= at,
               LedgerEntry.available_at <= at)
        .group_by(LedgerEntry.customer_id))
    return sum(max(int(points), 0) for points in per_customer)


def period_days(start: datetime, end: datetime) -> Decimal:
    """The length of [start, end) in days, exactly."""
    return Decimal((end - start) // timedelta(microseconds=1)) / _MICROSECONDS_PER_DAY


def _points_in(session: Session, program_id: int, start: datetime, end: datetime,
               *conditions: ColumnElement[bool]) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0))
        .join(Customer, Customer.id == LedgerEntry.customer_id)
        .where(Customer.program_id == program_id, LedgerEntry.created_at >= start,
               LedgerEntry.created_at < end, *conditions))
    return int(total or 0)


def _retention(orders: list[PaidOrder], start: datetime, end: datetime,
               active: timedelta) -> Retention:
    def active_at(moment: datetime) -> int:
        return len({o.customer_id for o in orders if moment - active <= o.paid_at < moment})

    first: dict[int, datetime] = {}
    for order in orders:  # oldest first
        first.setdefault(order.customer_id, order.paid_at)
    new = sum(1 for paid_at in first.values() if start <= paid_at < end)
    return Retention(start=active_at(start), end=active_at(end), new=new)


def _grouper(start: datetime, end: datetime, expected_lifetime_years: int
             ) -> Callable[[list[PaidOrder]], CustomerGroup]:
    days = period_days(start, end)

    def group(orders: list[PaidOrder]) -> CustomerGroup:
        counts = Counter(order.customer_id for order in orders)
        period = [order for order in orders if order.paid_at >= start]
        revenue = sum((order.revenue for order in period), Decimal(0))
        buyers = len({order.customer_id for order in period})
        value = rules.customer_value(revenue, len(period), buyers, days, expected_lifetime_years)
        return CustomerGroup(
            customers=len(counts),
            repeat_rate=rules.repeat_rate(sum(1 for n in counts.values() if n >= 2), len(counts)),
            orders=len(period), revenue=revenue,
            average_order_value=value.average_order_value,
            purchase_frequency=value.purchase_frequency,
            customer_lifetime_value=value.customer_lifetime_value)
    return group
