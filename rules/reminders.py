"""Reminders before a lot of points expires: which are due now, and a key to send each once.

The program lists `earn.expiry_reminder_days` (e.g. [30, 7]); each is a moment that many days
before the lot's expiry. A reminder is due once its moment has passed, while the lot still has
points and has not expired. The caller records `reminder_key` with a unique constraint, so a
reminder already sent is never sent again however often this is asked.
"""
from __future__ import annotations

from datetime import datetime, timedelta


def reminders_due(expires_at: datetime, remaining: int, reminder_days: tuple[int, ...],
                  now: datetime) -> tuple[int, ...]:
    """The reminder offsets (days before expiry) whose moment has passed at `now`."""
    if remaining <= 0 or expires_at <= now:
        return ()
    due = (days for days in reminder_days if expires_at - timedelta(days=days) <= now)
    return tuple(dict.fromkeys(due))


def reminder_key(lot_id: str, days: int) -> str:
    return f"{lot_id}:remind:{days}"
