"""Expiry reminders (rules.reminders): due once their moment before expiry has passed, only while
the lot still has points and has not expired, each under a key that lets it be sent once."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.reminders import reminder_key, reminders_due
from tests.rules.builders import example_program

EXPIRES = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
DAYS = example_program().earn.expiry_reminder_days


def test_the_example_program_reminds_30_and_7_days_before_expiry() -> None:
    assert DAYS == (30, 7)


@pytest.mark.parametrize(("before_expiry", "due"), [
    (31 * DAY, ()),
    (30 * DAY + timedelta(seconds=1), ()),
    (30 * DAY, (30,)),
    (10 * DAY, (30,)),
    (7 * DAY, (30, 7)),
    (timedelta(seconds=1), (30, 7)),
    (timedelta(0), ()),  # expired: nothing left to remind about
    (-DAY, ()),
])
def test_reminders_fall_due_as_expiry_approaches(before_expiry: timedelta,
                                                 due: tuple[int, ...]) -> None:
    assert reminders_due(EXPIRES, 120, DAYS, EXPIRES - before_expiry) == due


def test_a_lot_with_no_points_left_gets_no_reminder() -> None:
    assert reminders_due(EXPIRES, 0, DAYS, EXPIRES - 3 * DAY) == ()


def test_no_reminder_days_means_no_reminders() -> None:
    assert reminders_due(EXPIRES, 50, (), EXPIRES - DAY) == ()


def test_reminder_keys_are_one_per_lot_and_offset() -> None:
    assert reminder_key("lot-42", 30) == "lot-42:remind:30"
    assert len({reminder_key("lot-42", 30), reminder_key("lot-42", 7),
                reminder_key("lot-4", 30)}) == 3


@given(st.integers(min_value=-100 * 24, max_value=100 * 24),
       st.lists(st.integers(min_value=0, max_value=90), max_size=5),
       st.integers(min_value=-5, max_value=500))
def test_due_reminders_have_passed_their_moment_before_expiry(hours: int, days: list[int],
                                                             remaining: int) -> None:
    now = EXPIRES - timedelta(hours=hours)
    due = reminders_due(EXPIRES, remaining, tuple(days), now)
    assert set(due) <= set(days) and len(due) == len(set(due))
    assert all(EXPIRES - timedelta(days=d) <= now < EXPIRES for d in due)
    if remaining > 0 and now < EXPIRES:
        assert set(due) == {d for d in days if EXPIRES - timedelta(days=d) <= now}
