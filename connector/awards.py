"""Writing bonus awards (signup, first order, birthday, actions) decided by rules.bonuses.

An award opens its own lot; the rules give it a source key that makes it once-only (once per
customer, once a year, once per review), and the ledger's unique key enforces that.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector import programs
from connector.ledger import write_entry
from connector.models import Customer, LedgerEntry, OrderState, Shop
from rules import bonuses, earning
from rules.events import CustomerChange, CustomerEvent, OrderEvent


def write_award(session: Session, shop: Shop, customer: Customer, award: bonuses.Award,
                version_id: int | None, available_at: datetime, program,
                lot: str | None = None) -> bool:
    """Append an award as its own lot, available from `available_at`, expiring per program.

    Award keys name the customer, and a customer may span several shops of one program, so
    the once-only check looks at all the customer's entries, not just this shop's."""
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.customer_id == customer.id,
                                                   LedgerEntry.source_key == award.source_key)):
        return False
    return write_entry(session, customer, LedgerEntry(
        shop_id=shop.id, kind=award.kind, points=award.points, lot=lot or award.source_key,
        program_version_id=version_id, source_key=award.source_key, available_at=available_at,
        expires_at=earning.expiry_for(available_at, program.earn), reason=award.reason))


def award_signup(session: Session, shop: Shop, customer: Customer, event: CustomerEvent) -> None:
    if event.change is not CustomerChange.CREATED:
        return
    version = programs.version_in_force(session, shop.program_id, event.occurred_at)
    if version is None:
        return
    program = programs.parsed(version)
    award = bonuses.signup_award(program, str(customer.id))
    if award is not None:
        write_award(session, shop, customer, award, version.id, event.occurred_at, program)


def award_first_order(session: Session, shop: Shop, customer: Customer, order: OrderEvent,
                      state: OrderState, program, order_lot: str,
                      lot_available_at: datetime) -> None:
    """The first-order bonus joins the order's lot: pending for the same return window,
    expiring with it, and reversed if the order is refunded in full or cancelled."""
    others = session.scalar(select(func.count()).select_from(OrderState).where(
        OrderState.customer_id == customer.id, OrderState.paid_at.is_not(None),
        OrderState.id != state.id)) or 0
    award = bonuses.first_order_award(program, str(customer.id), order, others)
    if award is not None:
        write_award(session, shop, customer, award, state.program_version_id,
                    lot_available_at, program, lot=order_lot)


def reverse_first_order(session: Session, shop: Shop, customer: Customer, order_lot: str) -> None:
    bonus = session.scalar(select(LedgerEntry).where(
        LedgerEntry.shop_id == shop.id, LedgerEntry.lot == order_lot,
        LedgerEntry.source_key.like("first-order:%")))
    if bonus is None:
        return
    write_entry(session, customer, LedgerEntry(
        shop_id=shop.id, kind="clawback", points=-bonus.points, lot=order_lot,
        program_version_id=bonus.program_version_id, source_key=f"{bonus.source_key}:reversed",
        available_at=bonus.available_at, expires_at=bonus.expires_at,
        reason="first order refunded in full or cancelled"))
