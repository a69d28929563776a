"""What a customer sees: balance, pending, tier and the entries behind them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.customers import find_customer
from connector.ledger import balance
from connector.models import Customer, LedgerEntry, Shop
from connector.types import utcnow


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def customer_statement(session: Session, shop: Shop, customer_ref: str | None,
                       email: str | None) -> dict | None:
    customer = find_customer(session, shop, customer_ref, email)
    return None if customer is None else statement_of(session, customer)


def statement_of(session: Session, customer: Customer, last: int | None = None) -> dict:
    """The statement of a customer already found: every entry, or only the `last` ones."""
    now = utcnow()
    totals = balance(session, customer, now)
    query = select(LedgerEntry).where(LedgerEntry.customer_id == customer.id)
    if last is None:
        entries = list(session.scalars(query.order_by(LedgerEntry.id)))
    else:
        entries = list(session.scalars(query.order_by(LedgerEntry.id.desc()).limit(last)))[::-1]
    return {
        "customer_id": customer.id, "email": customer.email,
        "balance": totals.available, "pending": totals.pending,
        "lifetime_earned": totals.lifetime_earned, "tier": customer.tier,
        "entries": [{"kind": e.kind, "points": e.points, "source_key": e.source_key,
                     "lot": e.lot, "created_at": _iso(e.created_at),
                     "available_at": _iso(e.available_at), "expires_at": _iso(e.expires_at),
                     "reason": e.reason} for e in entries],
    }
