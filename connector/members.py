"""Joining the program: an e-mail and, if the customer wants, a name and a birthday. Nothing more.

A join is idempotent: joining twice keeps the first join date and pays the signup bonus once
(its ledger key names the customer). A logged-in customer (a verified platform id) joins as that
account; the e-mail they type is not proof they own it, so it never links the account to another
customer's history: that link comes from the platform's own customer and order webhooks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector import programs
from connector.awards import write_award
from connector.customers import find_customer, new_customer
from connector.models import Customer, Shop
from rules import bonuses
from rules.events import normalise_email

# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200


class JoinRefused(ValueError):
    """What the person typed cannot be accepted; the message says what to fix."""


@dataclass(frozen=True)
class Joined:
    customer_id: int
    newly_joined: bool
    points_awarded: int


def valid_email(text: str | None) -> str:
    email = normalise_email(text)
    if not email or len(email) > 320 or not _EMAIL.match(email):
        raise JoinRefused(f"{(text or '').strip()!r} is not an e-mail address")
    return email


def parse_birthday(text: str | None, today: date) -> date | None:
    """An ISO date (YYYY-MM-DD) in the past, or None for an empty value."""
    if text is None or not text.strip():
        return None
    try:
        born = date.fromisoformat(text.strip())
    except ValueError:
        raise JoinRefused(f"birthday {text.strip()!r} is not a date like 1990-04-25") from None
    if born > today or born.year < 1900:
        raise JoinRefused(f"birthday {born.isoformat()} is not a plausible date of birth")
    return born


def _name(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    return cleaned[:MAX_NAME] or None


def _customer_for(session: Session, shop: Shop, customer_ref: str | None,
                  email: str) -> Customer:
    if customer_ref is not None:
        customer = find_customer(session, shop, customer_ref, None)
        if customer is not None:
            session.refresh(customer, with_for_update=True)
            if customer.email is None and find_customer(session, shop, None, email) is None:
                customer.email = email
            return customer
        if find_customer(session, shop, None, email) is not None:
            raise JoinRefused("that e-mail already belongs to a member: your points join your "
                              "account once the store confirms your e-mail address")
    else:
        customer = find_customer(session, shop, None, email)
        if customer is not None:
            session.refresh(customer, with_for_update=True)
            return customer
    return new_customer(session, shop, email, customer_ref)


def join(session: Session, shop: Shop, email: str | None, now: datetime, *,
         customer_ref: str | None = None, first_name: str | None = None,
         last_name: str | None = None, birthday: date | None = None,
         welcome_points: int = 0) -> Joined:
    """Enrol a customer; fields already known are kept (a join never overwrites a birthday, so
    it cannot be moved to earn a second birthday bonus in a year)."""
    customer = _customer_for(session, shop, customer_ref, valid_email(email))
    customer.first_name = customer.first_name or _name(first_name)
    customer.last_name = customer.last_name or _name(last_name)
    if customer.birthday is None:
        customer.birthday = birthday
    newly = customer.joined_at is None
    if newly:
        customer.joined_at = now
    # The welcome bonus is for people this join enrols, not for members who were already in.
    return Joined(customer.id, newly, _join_bonuses(session, shop, customer, now,
                                                    welcome_points if newly else 0))


def _join_bonuses(session: Session, shop: Shop, customer: Customer, now: datetime,
                  welcome_points: int) -> int:
    version = programs.version_in_force(session, shop.program_id, now)
    if version is None:
        return 0
    program = programs.parsed(version)
    awards = [bonuses.signup_award(program, str(customer.id))]
    if welcome_points > 0:
        awards.append(bonuses.Award(bonuses.BONUS, welcome_points, f"welcome:{customer.id}",
                                    "welcome bonus"))
    paid = 0
    for award in filter(None, awards):
        if write_award(session, shop, customer, award, version.id, now, program):
            paid += award.points
    return paid


def members(session: Session, program_id: int) -> list[Customer]:
    return list(session.scalars(select(Customer).where(
        Customer.program_id == program_id, Customer.joined_at.is_not(None))
        .order_by(Customer.joined_at, Customer.id)))
