"""Points an order earns, as a pure function of the order's cumulative state.

The ledger never stores "what changed"; it asks, for the order as it stands now, how many points
are owed under the program version the order first earned with, and writes owed - credited.
A full refund therefore returns exactly to zero and two partial refunds equal one of their sum.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from rules.events import OrderEvent, OrderStatus
from rules.program import EarnRules, Program

_ROUNDING = {"floor": ROUND_FLOOR, "round_half_up": ROUND_HALF_UP, "ceil": ROUND_CEILING}
_ZERO = Decimal(0)


@dataclass(frozen=True)
class OrderCredit:
    """What an order is worth in points: `gross` before refunds, `owed` as the order stands."""

    gross: int
    owed: int


def points_for(amount: Decimal, rate: Decimal, multiplier: Decimal, rounding: str) -> int:
    exact = amount * rate * multiplier
    return int(exact.to_integral_value(rounding=_ROUNDING[rounding]))


def eligible_merchandise(order: OrderEvent, earn: EarnRules) -> Decimal:
    """Merchandise after discounts on lines that earn (excluded SKUs never do)."""
    return sum(
        (line.total for line in order.line_items if line.sku not in earn.exclude_skus),
        _ZERO,
    )


def net_base(order: OrderEvent, base: Decimal) -> Decimal:
    """`base` less the refunded share of the order's merchandise. Multiplies before dividing,
    so a base that should come out whole does (3.00 refunded 2.00 leaves exactly 1.00)."""
    merchandise = order.merchandise
    if order.status is OrderStatus.REFUNDED:
        return _ZERO
    if merchandise <= 0:
        return base
    kept = merchandise - min(max(order.refunded, _ZERO), merchandise)
    return base * kept / merchandise


def earn_base(order: OrderEvent, earn: EarnRules) -> Decimal:
    """The gross amount points are computed on, before refunds, per the program's base."""
    base = eligible_merchandise(order, earn)
    if earn.base in ("merchandise_shipping", "merchandise_shipping_tax"):
        base += order.shipping
    if earn.base == "merchandise_shipping_tax":
        base += order.tax
    return max(base, _ZERO)


def order_earns(order: OrderEvent, program: Program, customer_tags: frozenset[str] = frozenset()) -> bool:
    """Whether this order can earn at all (channel, guest, excluded tags, currency, test orders)."""
    earn = program.earn
    if order.test or order.channel not in earn.channels:
        return False
    if order.customer_ref is None and not (earn.guests_earn and order.email):
        return False
    if customer_tags & earn.exclude_tags:
        return False
    return earn.rate_for(order.currency, program.currency) is not None


def status_earns(status: OrderStatus, on_status: str) -> bool:
    if on_status == "fulfilled":
        return status is OrderStatus.FULFILLED
    return status.is_paid


def order_credit(order: OrderEvent, program: Program, multiplier: Decimal = Decimal(1)) -> OrderCredit:
    """Gross and currently owed points for `order` under `program` at a frozen tier multiplier.

    Refunds reduce the earning base proportionally to the share of merchandise refunded, and the
    rounding policy applies once to the cumulative base, so owed never drifts from earned.
    """
    earn = program.earn
    rate = earn.rate_for(order.currency, program.currency)
    if rate is None:
        return OrderCredit(0, 0)
    base = earn_base(order, earn)
    gross = points_for(base, rate, multiplier, earn.rounding)
    if not status_earns(order.status, earn.on_status):
        return OrderCredit(gross, 0)
    return OrderCredit(gross, points_for(net_base(order, base), rate, multiplier, earn.rounding))


@dataclass(frozen=True)
class LotDates:
    available_at: datetime
    expires_at: datetime | None


def expiry_for(available_at: datetime, earn: EarnRules) -> datetime | None:
    """When a lot available from `available_at` expires (None: the program never expires)."""
    return available_at + timedelta(days=earn.expire_days) if earn.expire_days else None


def lot_dates(earned_at: datetime, earn: EarnRules) -> LotDates:
    """A lot is pending for the return window, then available until it expires."""
    available_at = earned_at + timedelta(days=earn.pending_days)
    return LotDates(available_at, expiry_for(available_at, earn))


def cart_estimate(amount: Decimal, currency: str, program: Program,
                  tier_name: str | None) -> int:
    """Points a cart of `amount` (the earn base after discounts) would earn if paid now, at the
    tier's multiplier: what the store shows beside the cart total, never written anywhere."""
    rate = program.earn.rate_for(currency, program.currency)
    if rate is None or amount <= _ZERO:
        return 0
    tier = next((t for t in program.tiers if t.name == tier_name), None)
    multiplier = tier.multiplier if tier is not None else Decimal(1)
    return points_for(amount, rate, multiplier, program.earn.rounding)
