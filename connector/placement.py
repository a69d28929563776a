"""Placing a customer in a VIP tier from their history, and queuing the store update.

The tier is recomputed from the orders and the ledger (never a counter that drifts), with the
program's downgrade rules: upgrades at once; a customer who falls short keeps the tier to the
end of the window and then through the grace period. The worker re-places customers hourly, so
downgrades happen without a new order.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Row, bindparam, or_, select
from sqlalchemy.orm import Session

from connector import outbox, programs
from connector.db import run_prepared
from connector.models import (
    Customer,
    CustomerAccount,
    LedgerEntry,
    OrderState,
    Shop,
    TierChange,
)
from rules import tiers
from rules.program import Program

EARNING = ("earn", "bonus")
_ORDERS = OrderState.__table__
_PAID_ORDERS = select(_ORDERS.c.paid_at, _ORDERS.c.net_spend).where(
    _ORDERS.c.customer_id == bindparam("customer_id"), _ORDERS.c.paid_at.is_not(None))


def paid_orders(session: Session, customer_id: int,
                flush: bool = True) -> list[tuple[datetime, Decimal]]:
    """(paid at, net spend) of each of the customer's paid orders, for qualifying spend."""
    return [(row[0], row[1]) for row in run_prepared(session, _PAID_ORDERS, flush=flush,
                                                       customer_id=customer_id)]


def qualifying(session: Session, customer: Customer | Row, program: Program, now: datetime,
               paid: list[tuple[datetime, Decimal]] | None = None):
    """The customer's qualifying points or spend at `now`; `paid`: their paid orders, when the
    caller has read them already (connector.balance_reads)."""
    if program.tier_rules.basis == "points":
        entries = session.execute(select(LedgerEntry.created_at, LedgerEntry.points).where(
            LedgerEntry.customer_id == customer.id, LedgerEntry.kind.in_(EARNING))).all()
        return tiers.qualifying_points(((at, p) for at, p in entries), program, now)
    if paid is None:
        paid = paid_orders(session, customer.id)
    return tiers.qualifying_spend(paid, program, now)


def place_in_tier(session: Session, customer: Customer, program: Program, now: datetime,
                  cause: str) -> bool:
    """Re-place the customer; on a change of tier tag, queue a push to every shop where they
    have an account. Returns whether the tier changed."""
    held = program.tier_named(customer.tier) if customer.tier else None
    current = (tiers.Placement(held, customer.tier_since or now, customer.tier_grace_until)
               if customer.tier else None)
    placed = tiers.place(program, current, qualifying(session, customer, program, now), now)
    customer.tier_since, customer.tier_grace_until = placed.since, placed.grace_until
    name = placed.tier.name if placed.tier else None
    if name == customer.tier:
        return False
    session.add(TierChange(customer_id=customer.id, from_tier=customer.tier, to_tier=name,
                           changed_at=now, cause=cause[:300]))
    customer.tier = name
    tag, previous_tag = (placed.tier.tag if placed.tier else None), (held.tag if held else None)
    if tag != previous_tag:  # joining the base tier marks nothing on the store
        _queue_tag_push(session, customer, name, tag, previous_tag, cause)
    return True


def _queue_tag_push(session: Session, customer: Customer, tier: str | None, tag: str | None,
                    previous_tag: str | None, cause: str) -> None:
    accounts = session.execute(select(CustomerAccount, Shop).join(
        Shop, Shop.id == CustomerAccount.shop_id).where(
        CustomerAccount.customer_id == customer.id, Shop.status == "active")).all()
    for account, shop in accounts:
        outbox.enqueue(session, shop.id, "customer.tier",
                       f"tier:{shop.id}:{account.platform_customer_id}:{cause}",
                       {"customer_ref": account.platform_customer_id, "tier": tier,
                        "tag": tag, "previous_tag": previous_tag, "customer_id": customer.id})


def tier_tag_now(session: Session, shop: Shop, customer_id: int) -> str | None:
    """The tag of the tier the customer holds now. A tier push reads it when it runs, so a
    retried push queued for an older tier cannot overwrite a newer one that went through."""
    customer = session.get(Customer, customer_id)
    program = live_program(session, shop)
    held = program.tier_named(customer.tier) if program and customer and customer.tier else None
    return held.tag if held else None


def live_program(session: Session, shop: Shop) -> Program | None:
    return programs.live_program(session, shop.program_id)


def replace_due(session: Session, now: datetime) -> int:
    """Re-place customers whose window has ended or whose grace is over. Returns downgrades
    and upgrades made."""
    changed = 0
    for program_id in session.scalars(select(Shop.program_id).distinct()):
        version = programs.live_version(session, program_id)
        if version is None:
            continue
        program = programs.parsed(version)
        window = program.tier_rules.window_days
        if window is None or program.tier_rules.downgrade == "never":
            continue
        due = select(Customer).where(
            Customer.program_id == program_id, Customer.tier.is_not(None),
            or_(Customer.tier_grace_until <= now,
                Customer.tier_since <= now - timedelta(days=window)))
        for customer in session.scalars(due).all():
            changed += place_in_tier(session, customer, program, now,
                                     cause=f"replace:{now:%Y-%m-%dT%H}")
    return changed
