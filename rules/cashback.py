"""Cashback (`[cashback]`): store credit worth a percent of what the customer kept.

The credit is computed on net merchandise (after refunds) and rounded down to the cent, so the
shop never gives more than the percent. Credits below `min_credit` are not issued. The credit is
issued as a fixed-amount code once the order is out of its pending period (`earn.pending_days`).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from rules.earning import eligible_merchandise, net_base
from rules.events import OrderEvent
from rules.program import Program

CENT = Decimal("0.01")


def cashback_base(order: OrderEvent, program: Program) -> Decimal:
    """Net merchandise that earns cashback: earning lines (no excluded SKUs) less refunds."""
    return net_base(order, eligible_merchandise(order, program.earn))


def cashback_credit(order: OrderEvent, program: Program,
                    net_merchandise: Decimal) -> Decimal | None:
    """Credit owed for `order` on `net_merchandise`; None when the program has no cashback, the
    order is not paid (or is refunded or cancelled), or the credit is below `min_credit`.

    The amount is capped to the order's merchandise, so a caller's mistake can never pay more
    than the percent of what was bought.
    """
    cashback = program.cashback
    if cashback is None or not order.status.is_paid:
        return None
    base = min(max(net_merchandise, Decimal(0)), max(order.merchandise, Decimal(0)))
    credit = (base * cashback.percent / 100).quantize(CENT, rounding=ROUND_DOWN)
    if credit <= 0 or credit < cashback.min_credit:
        return None
    return credit


def cashback_due_at(paid_at: datetime, program: Program) -> datetime:
    """When the credit is issued: after the order's pending period (the return window)."""
    return paid_at + timedelta(days=program.earn.pending_days)
