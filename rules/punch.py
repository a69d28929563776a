"""Punch cards (`[punch_card]`): buy N qualifying products, get the next one free.

Every unit of a qualifying SKU in a paid order is one punch. With `punches = 9` ("the 10th is
free"), the customer's 9th punch earns one `reward` (a free-product code) that pays for the 10th
item; 18 punches earn two rewards, and so on. Punches are never spent: the number of rewards
earned is total punches // punches, and the ledger issues the ones not yet issued.

Like points, punches are a function of the order as it stands now (cumulative facts): a partial
refund removes punches in proportion to the refunded share of merchandise, rounding the punches
left down; a refunded or cancelled order keeps none. A reward already issued is never taken back:
after a refund the customer simply needs the lost punches again before the next reward.
"""
from __future__ import annotations

from decimal import Decimal

from rules.events import OrderEvent
from rules.program import PunchCard


def punched_units(order: OrderEvent, card: PunchCard) -> int:
    """Units of qualifying SKUs in the order, before refunds."""
    return sum(line.quantity for line in order.line_items if line.sku in card.skus)


def punches_in(order: OrderEvent, card: PunchCard) -> int:
    """Punches the order gives as it stands: 0 until paid, none once refunded or cancelled."""
    if not order.status.is_paid:
        return 0
    units = punched_units(order, card)
    merchandise = order.merchandise
    if merchandise <= 0:
        return units
    kept = merchandise - min(max(order.refunded, Decimal(0)), merchandise)
    return int(units * kept // merchandise)  # exact integer division: rounds the punches down


def rewards_due(total_punches: int, rewards_already_issued: int, card: PunchCard) -> int:
    """New free-product rewards to issue now; never negative, so a refund never un-issues one."""
    return max(total_punches // card.punches - rewards_already_issued, 0)
