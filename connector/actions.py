"""Custom earning actions reported by the merchant's own systems (a review app, a newsletter
tool) through the JSON API: the program's `[bonuses]` decide what each is worth.

A review pays per review up to the program's daily cap; a newsletter signup pays once ever.
Each action carries the caller's own key (the review id): the same key twice pays once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector import programs
from connector.awards import write_award
from connector.ledger import balance
from connector.models import Customer, LedgerEntry, Shop
from connector.profiles import queue_profile_push
from rules import bonuses

ACTIONS = ("review", "newsletter")


class ActionRefused(ValueError):
    """The action cannot be recorded; the message says why."""


@dataclass(frozen=True)
class ActionResult:
    action: str
    points: int  # awarded by this call (0: nothing due, or already paid)
    reason: str
    balance: int


def _reviews_paid_today(session: Session, customer: Customer, now: datetime) -> int:
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    return int(session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.customer_id == customer.id, LedgerEntry.kind == "bonus",
        LedgerEntry.source_key.like("review:%"), LedgerEntry.created_at >= midnight,
        LedgerEntry.created_at < midnight + timedelta(days=1))) or 0)


def record_action(session: Session, shop: Shop, customer: Customer, action: str, key: str,
                  now: datetime) -> ActionResult:
    """Pay what the program in force gives for `action` (once per `key`), under the row lock."""
    if action not in ACTIONS:
        raise ActionRefused(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    if not key or len(key) > 100:
        raise ActionRefused("the action's key (e.g. the review id) must be 1 to 100 characters")
    session.refresh(customer, with_for_update=True)
    version = programs.version_in_force(session, shop.program_id, now)
    if version is None:
        raise ActionRefused("the shop has no published program")
    program = programs.parsed(version)
    today = _reviews_paid_today(session, customer, now) if action == "review" else 0
    award = bonuses.action_award(program, str(customer.id), action, f"{shop.id}:{key}", today)
    if award is None:
        why = ("the daily review cap is reached" if action == "review" and
               program.bonuses.review and today else "the program gives no points for it")
        return ActionResult(action, 0, why, balance(session, customer, now).available)
    written = write_award(session, shop, customer, award, version.id, now, program,
                          created_at=now)
    if written:
        queue_profile_push(session, customer)
    return ActionResult(action, award.points if written else 0,
                        award.reason if written else "already paid for this key",
                        balance(session, customer, now).available)
