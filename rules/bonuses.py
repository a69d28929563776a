"""Bonus points for signup, first order, birthday, newsletter and reviews (`[bonuses]`).

Each function decides one bonus from facts the caller already knows (how many paid orders came
before, how many reviews were paid today) and returns a ledger-ready Award, or None when nothing
is due. The Award's `source_key` is the ledger's idempotency key (unique per shop): a repeated
decision yields the same key, so the ledger writes it once. That key is also what limits a bonus
to once ever (signup, first order, newsletter) or once a year (birthday).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from rules.events import OrderEvent
from rules.program import Program

BONUS = "bonus"  # the ledger entry kind every award here is written as


@dataclass(frozen=True)
class Award:
    """Points to credit, under a source key the ledger writes at most once per shop."""

    kind: str
    points: int
    source_key: str
    reason: str


def _award(points: int, source_key: str, reason: str) -> Award | None:
    return Award(BONUS, points, source_key, reason) if points > 0 else None


def signup_award(program: Program, customer_key: str) -> Award | None:
    """The signup bonus, once per customer."""
    return _award(program.bonuses.signup, f"signup:{customer_key}", "signup bonus")


def first_order_award(program: Program, customer_key: str, order: OrderEvent,
                      paid_orders_before: int) -> Award | None:
    """The first-order bonus, when `order` was paid and no paid order came before it.

    The key names the customer, not the order, so it is paid once per customer ever even if two
    orders both believe they were first.
    """
    if not order.was_paid or paid_orders_before > 0:
        return None
    return _award(program.bonuses.first_order, f"first-order:{customer_key}",
                  f"first order bonus (order {order.order_id})")


def birthday_in(year: int, birthday: date) -> date:
    """The day the birthday is celebrated in `year`: 29 February falls on the 28th off leap years."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def birthday_award(program: Program, customer_key: str, birthday: date | None,
                   today: date) -> Award | None:
    """The birthday bonus on the birthday itself, once per calendar year."""
    if birthday is None or birthday_in(today.year, birthday) != today:
        return None
    return _award(program.bonuses.birthday, f"birthday:{customer_key}:{today.year}",
                  f"birthday bonus {today.year}")


def action_award(program: Program, customer_key: str, action: str, action_key: str,
                 actions_today: int) -> Award | None:
    """A bonus for an action: `newsletter` once ever, `review` per review up to the daily cap.

    `actions_today` is how many review awards the customer already got today; `action_key` is the
    action's own idempotency key (the review id). Actions the program does not know earn nothing.
    """
    bonuses = program.bonuses
    if action == "newsletter":
        return _award(bonuses.newsletter, f"newsletter:{customer_key}", "newsletter signup bonus")
    if action == "review":
        cap = bonuses.review_daily_cap
        if cap is not None and actions_today >= cap:
            return None
        return _award(bonuses.review, f"review:{action_key}", "review bonus")
    return None
