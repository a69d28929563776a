"""The storefront balance answer's reads after the customer's card: their newest entries and,
when the program places tiers by spend, the paid orders behind their progress, in one round trip.

It is the storefront's most frequent call, and on PostgreSQL each statement is a round trip
(about 0.2 ms on these machines): the two reads go as one UNION ALL. A ledger row has a kind;
an order row has none.
"""
from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, bindparam, null, select, type_coerce, union_all
from sqlalchemy.orm import Session

from connector.db import run_prepared
from connector.models import LedgerEntry, OrderState

_ENTRIES = LedgerEntry.__table__
_ORDERS = OrderState.__table__
# The first SELECT of a UNION gives each column its type (and its result processing)
_HISTORY = (_ENTRIES.c.id, _ENTRIES.c.kind, _ENTRIES.c.points,
            _ENTRIES.c.created_at.label("at"), _ENTRIES.c.reason,
            type_coerce(null(), _ORDERS.c.net_spend.type).label("net_spend"))
_PAID = (null(), type_coerce(null(), String), null(), _ORDERS.c.paid_at,
         type_coerce(null(), String), _ORDERS.c.net_spend)


@functools.lru_cache(maxsize=8)
def _statement(last: int, with_orders: bool):
    newest = select(*_HISTORY).where(_ENTRIES.c.customer_id == bindparam("customer_id")).order_by(
        _ENTRIES.c.id.desc()).limit(last)
    if not with_orders:
        return newest
    newest = newest.subquery()  # SQLite allows no LIMIT inside a compound's own SELECT
    return union_all(select(*newest.c), select(*_PAID).where(
        _ORDERS.c.customer_id == bindparam("customer_id"), _ORDERS.c.paid_at.is_not(None)))


def history_and_paid_orders(session: Session, customer_id: int, last: int, with_orders: bool
                            ) -> tuple[list[dict], list[tuple[datetime, Decimal]]]:
    """The customer's newest `last` entries, oldest first, as the storefront shows them (kind,
    points, when, why), and (with_orders) the (paid at, net spend) of each paid order, as
    connector.placement.paid_orders gives them."""
    entries, paid = [], []
    for entry_id, kind, points, at, reason, net_spend in run_prepared(
            session, _statement(last, with_orders), flush=False, customer_id=customer_id).all():
        if kind is None:
            paid.append((at, net_spend))
        else:
            entries.append((entry_id, kind, points, at, reason))
    entries.sort(key=lambda entry: entry[0])
    return ([{"kind": kind, "points": points, "created_at": at.isoformat(), "reason": reason}
             for _id, kind, points, at, reason in entries], paid)
