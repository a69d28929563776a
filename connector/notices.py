"""E-mails the program owes its members: the birthday bonus with its greeting, and a reminder
before a lot of points expires (connector.expiry_reminders), sent by connector.notice_sending.

Safe to run every hour: each notice is recorded once under its unique key, and the birthday bonus
once under its ledger key, in the same transaction.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import extract, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from connector import ledger, programs
from connector.awards import write_award
from connector.expiry_reminders import record_expiry_reminders
from connector.models import Customer, CustomerAccount, Notice, Shop
from connector.notice_sending import SendReport, send_due
from connector.services import Services
from rules import bonuses
from rules.program import Program

__all__ = ["DailyReport", "SendReport", "record_birthdays", "record_expiry_reminders",
           "run_daily", "send_due"]


@dataclass(frozen=True)
class DailyReport:
    birthdays: int
    reminders: int
    sent: int
    failed: int
    skipped: int
    waiting: int


def run_daily(services: Services, now: datetime) -> DailyReport:
    """Record today's birthdays and reminders, then send what is due. Idempotent."""
    with services.db.transaction() as session:
        birthdays = record_birthdays(session, now)
    with services.db.transaction() as session:
        reminders = record_expiry_reminders(session, now)
    sent = send_due(services, now)
    return DailyReport(birthdays, reminders, sent.sent, sent.failed, sent.skipped, sent.waiting)


def record_birthdays(session: Session, now: datetime) -> int:
    """Pay the birthday bonus to members whose birthday is today (UTC) and record the e-mail
    that tells them. Returns how many notices were recorded."""
    today = now.date()
    recorded = 0
    in_use = select(Shop.program_id).where(Shop.status == "active").distinct()
    for program_id in session.scalars(in_use).all():
        version = programs.version_in_force(session, program_id, now)
        if version is None:
            continue
        program = programs.parsed(version)
        if program.bonuses.birthday <= 0:  # no bonus, no birthday e-mail either
            continue
        for customer in session.scalars(_celebrating(program_id, today)).all():
            recorded += _celebrate(session, customer, program, version.id, now)
    return recorded


def _celebrating(program_id: int, today: date) -> Select[tuple[Customer]]:
    """Members with an e-mail born on today's month and day (and 29 February on the 28th of
    a common year); rules.bonuses decides exactly."""
    days = [today.day]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append(29)
    return (select(Customer)
            .where(Customer.program_id == program_id, Customer.joined_at.is_not(None),
                   Customer.email.is_not(None), Customer.birthday.is_not(None),
                   extract("month", Customer.birthday) == today.month,
                   extract("day", Customer.birthday).in_(days))
            .order_by(Customer.id))


def _celebrate(session: Session, customer: Customer, program: Program, version_id: int,
               now: datetime) -> int:
    award = bonuses.birthday_award(program, str(customer.id), customer.birthday, now.date())
    key = f"birthday:{customer.id}:{now.year}"
    if award is None or _notice_exists(session, key):
        return 0
    # One writer per customer: a concurrent run waits here, then finds the notice recorded.
    session.refresh(customer, with_for_update=True)
    shop = _home_shop(session, customer)
    if shop is None or _notice_exists(session, key):
        return 0
    write_award(session, shop, customer, award, version_id, now, program)
    balance = ledger.balance(session, customer, now).available
    first_name = " ".join((customer.first_name or "").split())  # no line break in a subject
    greeting = f"Happy birthday, {first_name}" if first_name else "Happy birthday"
    notice = Notice(
        customer_id=customer.id, shop_id=shop.id, kind="birthday", key=key, due_at=now,
        status="due", attempts=0,
        subject=f"{greeting}: {award.points} points from {program.name}",
        body=(f"{greeting}!\n\n{program.name} has added {award.points} points to your account "
              f"as a birthday present.\nYour balance is now {balance} points.\n"))
    session.add(notice)
    session.flush()
    return 1


def _notice_exists(session: Session, key: str) -> bool:
    return session.scalar(select(Notice.id).where(Notice.key == key)) is not None


def _home_shop(session: Session, customer: Customer) -> Shop | None:
    """The active shop the customer has an account on, else the program's first active shop."""
    linked = (select(Shop).join(CustomerAccount, CustomerAccount.shop_id == Shop.id)
              .where(CustomerAccount.customer_id == customer.id, Shop.status == "active")
              .order_by(CustomerAccount.id).limit(1))
    any_shop = (select(Shop).where(Shop.program_id == customer.program_id,
                                   Shop.status == "active").order_by(Shop.id).limit(1))
    return session.scalar(linked) or session.scalar(any_shop)

