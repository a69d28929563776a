"""What a customer sees: balance, pending, tier and the entries behind them."""
from __future__ import annotations

import functools

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from connector.customers import find_customer
from connector.db import run_prepared
from connector.ledger import balance, balance_of
from connector.models import Customer, LedgerEntry, Shop
from connector.types import utcnow


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def customer_statement(session: Session, shop: Shop, customer_ref: str | None,
                       email: str | None) -> dict | None:
    customer = find_customer(session, shop, customer_ref, email)
    return None if customer is None else statement_of(session, customer)


_ENTRIES = LedgerEntry.__table__
_SHOWN = (_ENTRIES.c.kind, _ENTRIES.c.points, _ENTRIES.c.source_key, _ENTRIES.c.lot,
          _ENTRIES.c.created_at, _ENTRIES.c.available_at, _ENTRIES.c.expires_at,
          _ENTRIES.c.reason)
_ALL_ENTRIES = select(*_SHOWN).where(
    _ENTRIES.c.customer_id == bindparam("customer_id")).order_by(_ENTRIES.c.id)


@functools.lru_cache(maxsize=8)
def _last_entries(last: int):
    """The newest `last` entries, newest first (one prepared statement per distinct `last`)."""
    return select(*_SHOWN).where(_ENTRIES.c.customer_id == bindparam("customer_id")).order_by(
        _ENTRIES.c.id.desc()).limit(last)


def statement_of(session: Session, customer: Customer | Row, last: int | None = None,
                 pending: int | None = None) -> dict:
    """The statement of a customer already found (the model or a ledger.CUSTOMER_CARD row):
    every entry, or only the `last` ones.
    `pending`: the customer's pending points now, when the caller read them with the customer."""
    totals = (balance(session, customer, utcnow()) if pending is None
              else balance_of(customer, pending))
    if last is None:
        entries = list(run_prepared(session, _ALL_ENTRIES, customer_id=customer.id))
    else:
        entries = list(run_prepared(session, _last_entries(last),
                                    customer_id=customer.id))[::-1]
    return {
        "customer_id": customer.id, "email": customer.email,
        "balance": totals.available, "pending": totals.pending,
        "lifetime_earned": totals.lifetime_earned, "tier": customer.tier,
        "entries": [{"kind": e.kind, "points": e.points, "source_key": e.source_key,
                     "lot": e.lot, "created_at": _iso(e.created_at),
                     "available_at": _iso(e.available_at), "expires_at": _iso(e.expires_at),
                     "reason": e.reason} for e in entries],
    }
