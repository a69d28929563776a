"""Reminders before a lot of points expires, recorded as notices for connector.notice_sending.

One grouped query finds the lots near expiry with points left; rules.reminders decides which
reminder is due. Only the nearest due reminder is recorded: a run that missed the 30-day moment
and finds the 7-day one due sends one e-mail, not two.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from connector import ledger, programs
from connector.models import Customer, LedgerEntry, Notice, ProgramVersion, Shop
from rules.program import Program
from rules.reminders import reminder_key, reminders_due

_KEY_CHUNK = 500  # keys per IN (...) when looking up reminders already recorded


def record_expiry_reminders(session: Session, now: datetime) -> int:
    """Record the nearest reminder now due for every lot with points left that has not expired.
    Returns how many were recorded."""
    days_of = _ReminderDays(session)
    due: list[tuple[Any, int]] = []
    for lot in session.execute(_lots_near_expiry(now, days_of.horizon())).all():
        offsets = reminders_due(lot.expires_at, int(lot.remaining), days_of.of(lot), now)
        if offsets:
            due.append((lot, min(offsets)))
    taken = _taken_keys(session, [_key(lot, days) for lot, days in due])
    recorded = 0
    for lot, days in due:
        if _key(lot, days) not in taken:
            recorded += _record(session, _reminder(session, lot, days, days_of, now))
    return recorded


def _lots_near_expiry(now: datetime, horizon_days: int) -> Select:
    """Lots of active shops' customers with an e-mail, expiring within the horizon, with the
    points left in each (one row per lot)."""
    opening = aliased(LedgerEntry)
    remaining = func.sum(LedgerEntry.points)
    columns = (opening.shop_id, opening.lot, opening.customer_id, opening.expires_at,
               opening.program_version_id, Shop.program_id)
    return (select(*columns, remaining.label("remaining"))
            .join(LedgerEntry, and_(LedgerEntry.shop_id == opening.shop_id,
                                    LedgerEntry.lot == opening.lot))
            .join(Shop, Shop.id == opening.shop_id)
            .join(Customer, Customer.id == opening.customer_id)
            .where(opening.source_key == opening.lot, opening.expires_at > now,
                   opening.expires_at <= now + timedelta(days=horizon_days),
                   Shop.status == "active", Customer.email.is_not(None))
            .group_by(*columns)
            .having(remaining > 0)
            .order_by(opening.expires_at, opening.shop_id, opening.lot))


def _key(lot: Any, days: int) -> str:
    return reminder_key(f"{lot.shop_id}|{lot.lot}", days)


def _taken_keys(session: Session, keys: list[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start:start + _KEY_CHUNK]
        taken.update(session.scalars(select(Notice.key).where(Notice.key.in_(chunk))))
    return taken


def _record(session: Session, notice: Notice) -> int:
    """1 if inserted; 0 when a concurrent run recorded the same key first."""
    try:
        with session.begin_nested():
            session.add(notice)
    except IntegrityError:
        return 0
    return 1


def _reminder(session: Session, lot: Any, days: int, days_of: _ReminderDays,
              now: datetime) -> Notice:
    customer = session.get(Customer, lot.customer_id)
    balance = ledger.balance(session, customer, now).available
    program = days_of.program(lot)
    name = program.name if program is not None else "your rewards program"
    on = lot.expires_at.date().isoformat()
    points = int(lot.remaining)
    return Notice(
        customer_id=lot.customer_id, shop_id=lot.shop_id, kind="expiry-reminder",
        key=_key(lot, days), due_at=now, status="due", attempts=0,
        subject=f"{points} points expire on {on}",
        body=(f"Hello{' ' + customer.first_name if customer.first_name else ''},\n\n"
              f"{points} of your {name} points expire on {on}.\n"
              f"Your balance is {balance} points: spend them before then so none are lost.\n"))


class _ReminderDays:
    """Each program version's `earn.expiry_reminder_days`, parsed once per run."""

    def __init__(self, session: Session):
        self.session = session
        self.versions = {v.id: programs.parsed(v)
                         for v in session.scalars(select(ProgramVersion))}
        self.live: dict[int, Program | None] = {}

    def horizon(self) -> int:
        """The most days before expiry any version reminds: lots farther out are not read."""
        return max((d for p in self.versions.values() for d in p.earn.expiry_reminder_days),
                   default=0)

    def program(self, lot: Any) -> Program | None:
        """The program the lot was earned under, else its shop's live one."""
        if lot.program_version_id in self.versions:
            return self.versions[lot.program_version_id]
        if lot.program_id not in self.live:
            version = programs.live_version(self.session, lot.program_id)
            self.live[lot.program_id] = None if version is None else programs.parsed(version)
        return self.live[lot.program_id]

    def of(self, lot: Any) -> tuple[int, ...]:
        program = self.program(lot)
        return () if program is None else program.earn.expiry_reminder_days
