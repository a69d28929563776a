"""Writing bonus awards (signup, first order, birthday, actions) decided by rules.bonuses.

An award opens its own lot; the rules give it a source key that makes it once-only (once per
customer, once a year, once per review), and the ledger's unique key enforces that.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from connector import programs
from connector.db import run_prepared
from connector.ledger import entry_exists, write_entry
from connector.models import Customer, LedgerEntry, OrderState, Shop
from rules import bonuses, earning
from rules.events import CustomerChange, CustomerEvent, OrderEvent

_ENTRIES = LedgerEntry.__table__
_CUSTOMER_KEY = select(_ENTRIES.c.id).where(_ENTRIES.c.customer_id == bindparam("customer_id"),
                                            _ENTRIES.c.source_key == bindparam("key")).limit(1)
# the customer's earliest order lot that earned
_FIRST_ORDER_LOT = (select(_ENTRIES.c.shop_id, _ENTRIES.c.lot)
                    .where(_ENTRIES.c.customer_id == bindparam("customer_id"),
                           _ENTRIES.c.kind == "earn", _ENTRIES.c.source_key == _ENTRIES.c.lot,
                           _ENTRIES.c.lot.like("order:%:earn"))
                    .order_by(_ENTRIES.c.available_at, _ENTRIES.c.shop_id, _ENTRIES.c.lot)
                    .limit(1))


def write_award(session: Session, shop: Shop, customer: Customer, award: bonuses.Award,
                version_id: int | None, available_at: datetime, program,
                lot: str | None = None, created_at: datetime | None = None) -> bool:
    """Append an award as its own lot, available from `available_at`, expiring per program.

    Award keys name the customer, and a customer may span several shops of one program, so
    the once-only check looks at all the customer's entries, not just this shop's."""
    if run_prepared(session, _CUSTOMER_KEY, flush=False, customer_id=customer.id,
                    key=award.source_key).first() is not None:
        return False
    return write_entry(session, customer, LedgerEntry(
        shop_id=shop.id, kind=award.kind, points=award.points, lot=lot or award.source_key,
        program_version_id=version_id, source_key=award.source_key, available_at=available_at,
        expires_at=earning.expiry_for(available_at, program.earn), reason=award.reason,
        **({"created_at": created_at} if created_at is not None else {})))


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


def _first_order_holder(session: Session, customer: Customer) -> tuple[int, str] | None:
    """(shop id, lot) of the customer's earliest order that earned: the first-order bonus is
    its, whatever order the deliveries were processed in."""
    row = run_prepared(session, _FIRST_ORDER_LOT, flush=False, customer_id=customer.id).first()
    return None if row is None else (row[0], row[1])


_FIRST_ORDER_BONUSES = select(_ENTRIES).where(
    _ENTRIES.c.customer_id == bindparam("customer_id"), _ENTRIES.c.kind == "bonus",
    _ENTRIES.c.source_key.like("first-order:%")).order_by(_ENTRIES.c.id)


def _first_order_bonuses(session: Session, customer: Customer) -> list[Row]:
    """The customer's first-order bonus entries, as rows (entries are written at once: no
    flush needed to see them)."""
    return list(run_prepared(session, _FIRST_ORDER_BONUSES, flush=False,
                             customer_id=customer.id))


def _reversed(session: Session, bonus: Row) -> bool:
    return entry_exists(session, bonus.shop_id, f"{bonus.source_key}:reversed")


def award_first_order(session: Session, shop: Shop, customer: Customer, order: OrderEvent,
                      state: OrderState, program, order_lot: str,
                      lot_available_at: datetime) -> None:
    """The first-order bonus joins the lot of the customer's earliest earning order: pending
    for the same return window, expiring with it, and reversed if that order is refunded in
    full or cancelled. When an earlier order turns up after a later one took the bonus, the
    bonus moves to it, so any processing order ends with the same balance per lot."""
    if _first_order_holder(session, customer) != (shop.id, order_lot):
        return
    award = bonuses.first_order_award(program, str(customer.id), order, 0)
    if award is None:
        return
    given = _first_order_bonuses(session, customer)
    if any(b.shop_id == shop.id and b.lot == order_lot for b in given):
        return  # already this order's (perhaps reversed by a full refund: once only)
    for bonus in given:
        if not _reversed(session, bonus):
            _reverse(session, customer, bonus, "first-order bonus moved to an earlier order")
    if given:  # the customer-wide key is taken: this award is keyed by its order
        award = dataclasses.replace(award, source_key=f"{award.source_key}:{order_lot}")
    write_award(session, shop, customer, award, state.program_version_id,
                lot_available_at, program, lot=order_lot)


def _reverse(session: Session, customer: Customer, bonus: LedgerEntry | Row, reason: str) -> None:
    write_entry(session, customer, LedgerEntry(
        shop_id=bonus.shop_id, kind="clawback", points=-bonus.points, lot=bonus.lot,
        program_version_id=bonus.program_version_id, source_key=f"{bonus.source_key}:reversed",
        available_at=bonus.available_at, expires_at=bonus.expires_at, reason=reason))


def reverse_first_order(session: Session, shop: Shop, customer: Customer, order_lot: str) -> None:
    bonus = session.scalar(select(LedgerEntry).where(
        LedgerEntry.shop_id == shop.id, LedgerEntry.lot == order_lot, LedgerEntry.kind == "bonus",
        LedgerEntry.source_key.like("first-order:%")))
    if bonus is not None:
        _reverse(session, customer, bonus, "first order refunded in full or cancelled")
