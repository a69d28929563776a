"""Writing ledger entries and reading balances.

Entries are append-only and unique per shop on `source_key`, so a repeated step writes nothing
new. The customer's cached totals are updated in the same transaction as the entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from connector.db import run_prepared
from connector.models import Customer, LedgerEntry

EARNING_KINDS = ("earn", "bonus", "clawback", "release", "adjust")


@dataclass(frozen=True)
class Balance:
    available: int
    pending: int
    lifetime_earned: int


_ENTRIES = LedgerEntry.__table__
_INSERT_ENTRY = insert(_ENTRIES)
_ENTRY_BY_KEY = select(_ENTRIES.c.id).where(_ENTRIES.c.shop_id == bindparam("shop_id"),
                                            _ENTRIES.c.source_key == bindparam("key")).limit(1)


def entry_exists(session: Session, shop_id: int, source_key: str) -> bool:
    return run_prepared(session, _ENTRY_BY_KEY, flush=False, shop_id=shop_id,  # write_entry
                        key=source_key).first() is not None  # inserts each entry at once


def write_entry(session: Session, customer: Customer, entry: LedgerEntry,
                known_new: bool = False) -> bool:
    """Append `entry` unless its source key is already written (`known_new`: the caller has
    just looked, in this transaction); keep the caches in step."""
    if not known_new and entry_exists(session, entry.shop_id, entry.source_key):
        return False
    # Inserted at once, not through the unit of work: later lookups in this transaction see
    # it without a flush (a flush per entry was a fifth of the worker's time), and the entry
    # object is never needed again. Its column defaults apply to the keys it was not given.
    values = {key: value for key, value in vars(entry).items() if not key.startswith("_")}
    session.connection().execute(_INSERT_ENTRY, {**values, "customer_id": customer.id})
    customer.points_total += entry.points
    if entry.kind in EARNING_KINDS:
        customer.lifetime_earned += entry.points
    return True


def pending_points(customer_id, now: datetime):
    """Points still pending at `now`, as a scalar subquery: `customer_id` may be a value or a
    column, so a query can read a customer and their pending points in one statement."""
    return select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
        LedgerEntry.customer_id == customer_id, LedgerEntry.available_at > now).scalar_subquery()


_CUSTOMERS = Customer.__table__
# A customer as a balance read shows them, with the points pending at the bound `now`: the
# columns of the prepared statements behind the hot balance reads (no ORM entity to load).
CUSTOMER_CARD = (*(_CUSTOMERS.c[name] for name in (
    "id", "email", "first_name", "last_name", "joined_at", "tier", "points_total",
    "lifetime_earned")), pending_points(_CUSTOMERS.c.id, bindparam("now")).label("pending"))


def balance_of(customer: Customer | Row, pending: int) -> Balance:
    """Available points are the cached total less what is still pending."""
    pending = int(pending or 0)
    return Balance(customer.points_total - pending, pending, customer.lifetime_earned)


def balance(session: Session, customer: Customer, now: datetime) -> Balance:
    return balance_of(customer, session.scalar(select(pending_points(customer.id, now))))


def recomputed_totals(session: Session) -> dict[int, tuple[int, int]]:
    """(points_total, lifetime_earned) per customer, summed from the entries themselves."""
    earning = case((LedgerEntry.kind.in_(EARNING_KINDS), LedgerEntry.points), else_=0)
    rows = session.execute(select(LedgerEntry.customer_id, func.sum(LedgerEntry.points),
                                  func.sum(earning)).group_by(LedgerEntry.customer_id))
    return {cid: (int(total), int(earned)) for cid, total, earned in rows}


@dataclass(frozen=True)
class Mismatch:
    customer_id: int
    cached: tuple[int, int]
    recomputed: tuple[int, int]


def verify(session: Session) -> list[Mismatch]:
    totals = recomputed_totals(session)
    mismatches = []
    for customer in session.scalars(select(Customer).order_by(Customer.id)):
        cached = (customer.points_total, customer.lifetime_earned)
        actual = totals.get(customer.id, (0, 0))
        if cached != actual:
            mismatches.append(Mismatch(customer.id, cached, actual))
    return mismatches


_LOT_REMAINING = select(func.coalesce(func.sum(_ENTRIES.c.points), 0)).where(
    _ENTRIES.c.shop_id == bindparam("shop_id"), _ENTRIES.c.lot == bindparam("lot"))


def lot_remaining(session: Session, shop_id: int, lot: str) -> int:
    """Points left in a lot. Lot names are unique per shop, like source keys."""
    return int(run_prepared(session, _LOT_REMAINING, flush=False, shop_id=shop_id,
                            lot=lot).scalar() or 0)


def expire_due_lots(session: Session, now: datetime) -> int:
    """Write an `expire` entry for what is left of every lot past its expiry (per lot, never
    the whole balance). Returns the number of lots expired."""
    opened = (select(LedgerEntry).where(LedgerEntry.expires_at <= now,
                                        LedgerEntry.source_key == LedgerEntry.lot)
              .order_by(LedgerEntry.id))
    expired = 0
    for lot_entry in session.scalars(opened).all():
        key = f"{lot_entry.lot}:expire"
        remaining = lot_remaining(session, lot_entry.shop_id, lot_entry.lot)
        if remaining <= 0 or entry_exists(session, lot_entry.shop_id, key):
            continue
        customer = session.get(Customer, lot_entry.customer_id)
        write_entry(session, customer, LedgerEntry(
            shop_id=lot_entry.shop_id, kind="expire", points=-remaining, lot=lot_entry.lot,
            program_version_id=lot_entry.program_version_id, source_key=key,
            available_at=lot_entry.available_at, expires_at=lot_entry.expires_at,
            reason="lot expired"))
        expired += 1
    return expired
