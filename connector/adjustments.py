"""Manual adjustments: an admin or an API client adds or removes points, with a reason.

An addition opens its own lot, available at once and expiring as the program's earned points do.
A removal takes points from the lots first-in-first-out, like a redemption, and is refused when
the customer has fewer available points. Each adjustment has a request id (the ledger's source
key): repeating it changes nothing, so a double-submitted form or a retried call counts once.
Who made it is recorded in the entries' `actor`, and why in their `reason`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.ledger import balance, write_entry
from connector.models import Customer, LedgerEntry, Shop
from connector.placement import live_program
from connector.profiles import queue_profile_push
from connector.redemptions import customer_lots
from rules import earning
from rules import redemption as lots_rules

MAX_POINTS = 10_000_000
MAX_REASON = 500


class AdjustmentRefused(ValueError):
    """The adjustment cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Adjusted:
    points: int
    balance: int  # available after the adjustment
    repeated: bool  # this request id had already been applied


def _checked(points: int, reason: str, request_id: str) -> str:
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise AdjustmentRefused("points must be a whole number other than 0 "
                                "(negative to remove points)")
    if abs(points) > MAX_POINTS:
        raise AdjustmentRefused(f"an adjustment is at most {MAX_POINTS:,} points either way")
    reason = (reason or "").strip()
    if not reason:
        raise AdjustmentRefused("give a reason: it is kept with the entry for the audit trail")
    if len(reason) > MAX_REASON:
        raise AdjustmentRefused(f"the reason is at most {MAX_REASON} characters")
    if not request_id or len(request_id) > 100:
        raise AdjustmentRefused("the request id must be 1 to 100 characters")
    return reason


def adjust(session: Session, shop: Shop, customer: Customer, points: int, reason: str,
           actor: str, request_id: str, now: datetime) -> Adjusted:
    """Add (points > 0) or remove (points < 0) points under the customer's row lock."""
    reason = _checked(points, reason, request_id)
    session.refresh(customer, with_for_update=True)
    key = f"adjust:{customer.id}:{request_id}"
    mine = [entry for entry in session.scalars(select(LedgerEntry).where(
        LedgerEntry.customer_id == customer.id, LedgerEntry.kind == "adjust",
        LedgerEntry.source_key.startswith(key, autoescape=True)))
        if entry.source_key == key or entry.source_key.startswith(f"{key}|")]
    if mine:
        if sum(entry.points for entry in mine) != points:
            raise AdjustmentRefused(f"request id {request_id!r} was already used for another "
                                    "adjustment of this customer")
        return Adjusted(points, balance(session, customer, now).available, repeated=True)
    if points > 0:
        _add(session, shop, customer, points, reason, actor, key, now)
    else:
        _remove(session, customer, -points, reason, actor, key, now)
    queue_profile_push(session, customer)
    return Adjusted(points, balance(session, customer, now).available, repeated=False)


def _add(session: Session, shop: Shop, customer: Customer, points: int, reason: str, actor: str,
         key: str, now: datetime) -> None:
    program = live_program(session, shop)
    expires = earning.expiry_for(now, program.earn) if program is not None else None
    write_entry(session, customer, LedgerEntry(
        shop_id=shop.id, kind="adjust", points=points, lot=key, source_key=key,
        available_at=now, expires_at=expires, reason=reason, actor=actor, created_at=now))


def _remove(session: Session, customer: Customer, points: int, reason: str, actor: str,
            key: str, now: datetime) -> None:
    try:
        taken = lots_rules.allocate(customer_lots(session, customer), points, now)
    except lots_rules.InsufficientPoints as exc:
        raise AdjustmentRefused(f"cannot remove {points} points: the customer has "
                                f"{exc.available} available (pending and expired points "
                                "cannot be removed)") from None
    for lot_id, amount in taken:
        shop_id, lot = lot_id.split("|", 1)
        opener = session.scalar(select(LedgerEntry).where(LedgerEntry.shop_id == int(shop_id),
                                                          LedgerEntry.source_key == lot))
        write_entry(session, customer, LedgerEntry(
            shop_id=int(shop_id), kind="adjust", points=-amount, lot=lot,
            program_version_id=opener.program_version_id, source_key=f"{key}|{lot}",
            available_at=now, expires_at=opener.expires_at, reason=reason, actor=actor,
            created_at=now))
