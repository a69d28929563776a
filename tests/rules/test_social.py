"""Share bonuses (rules.social) under the example program: 25 points per distinct verified visit,
at most 2 paid visits per sharer a day, 100 points when a shared visit becomes a paid order.

`run` plays the connector's part: it remembers the visit keys already counted and how many
visits counted per sharer per UTC day, and asks `decide_visit` about each visit in turn.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.events import OrderStatus
from rules.program import Program
from rules.social import (
    ShareVisit,
    VisitDecision,
    conversion_award,
    decide_visit,
    is_bot,
    visit_key,
)
from tests.rules.builders import example_program, small_program

MORNING = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
PINTEREST_APP = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]")
BOTS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0 A", "Pinterestbot/1.0 (+http://www.pinterest.com/bot.html)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0", "Wget/1.21.4", "python-requests/2.31.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/124.0.0.0 Safari/537.36",
]
SHARERS = {"ann-fb": "ann", "ann-x": "ann", "ben-fb": "ben"}


def program(social: str) -> Program:
    return small_program(f"[social]\n{social}\n")


def visit(visitor: str = "fp-1", code: str = "ann-fb", agent: str | None = CHROME,
          at: datetime = MORNING, is_sharer: bool = False) -> ShareVisit:
    return ShareVisit(code, visitor, agent, at, is_sharer)


def run(program: Program, visits: Iterable[ShareVisit]) -> list[VisitDecision]:
    """Decide visits in order, remembering counted keys and per-sharer daily counts."""
    seen: set[str] = set()
    counted: Counter[tuple[str, date]] = Counter()
    decisions = []
    for shared in visits:
        sharer_day = (SHARERS.get(shared.share_code, shared.share_code),
                      shared.at.astimezone(UTC).date())
        decision = decide_visit(program, shared, counted[sharer_day], visit_key(shared) in seen)
        if decision.counted:
            seen.add(decision.key)
            counted[sharer_day] += 1
        decisions.append(decision)
    return decisions


def points(decisions: Iterable[VisitDecision]) -> list[int]:
    return [decision.points for decision in decisions]


# --- bots -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("agent", BOTS)
def test_link_previews_crawlers_and_scripts_are_bots(agent: str) -> None:
    assert is_bot(agent)


@pytest.mark.parametrize("agent", [None, "", "   "])
def test_a_visit_without_a_user_agent_counts_as_a_bot(agent: str | None) -> None:
    assert is_bot(agent)


@pytest.mark.parametrize("agent", [CHROME, IPHONE, PINTEREST_APP])
def test_browsers_and_in_app_browsers_are_people(agent: str) -> None:
    assert not is_bot(agent)


def test_bots_never_count(example: Program) -> None:
    decisions = run(example, [visit(f"fp-{n}", agent=agent) for n, agent in enumerate(BOTS)])
    assert not any(decision.counted for decision in decisions)
    assert sum(points(decisions)) == 0


# --- distinct visits, the sharer, the daily cap ---------------------------------------------------

def test_visit_key_is_one_per_visitor_per_share_per_utc_day() -> None:
    late_in_tokyo = datetime(2026, 5, 5, 1, 0, tzinfo=timezone(timedelta(hours=9)))
    assert visit_key(visit()) == "share:ann-fb:fp-1:2026-05-04"
    assert visit_key(visit(at=late_in_tokyo)) == "share:ann-fb:fp-1:2026-05-04"


def test_a_thousand_visits_from_one_visitor_in_a_day_count_once(example: Program) -> None:
    visits = [visit(at=MORNING + timedelta(seconds=n)) for n in range(1000)]
    decisions = run(example_program(), visits)
    assert [d.counted for d in decisions].count(True) == 1
    assert sum(points(decisions)) == 25
    assert decisions[1].reason == "this visitor already came through this share today"


def test_the_sharers_own_visit_never_counts(example: Program) -> None:
    decision = decide_visit(example, visit(is_sharer=True), 0, False)
    assert decision == VisitDecision(False, 0, "the sharer's own visit", visit_key(visit()))


def test_distinct_visitors_earn_until_the_daily_cap_then_count_for_nothing(
        example: Program) -> None:
    decisions = run(example, [visit("fp-1"), visit("fp-2"), visit("fp-3")])
    assert points(decisions) == [25, 25, 0]
    assert decisions[2].counted
    assert decisions[2].reason == "daily cap reached"


def test_the_cap_is_per_sharer_across_their_share_codes(example: Program) -> None:
    decisions = run(example, [visit("fp-1", "ann-fb"), visit("fp-2", "ann-x"),
                              visit("fp-3", "ann-x"), visit("fp-3", "ben-fb")])
    assert points(decisions) == [25, 25, 0, 25]


def test_the_cap_starts_again_the_next_day(example: Program) -> None:
    tomorrow = MORNING + timedelta(days=1)
    decisions = run(example, [visit("fp-1"), visit("fp-2"), visit("fp-3"),
                              visit("fp-1", at=tomorrow), visit("fp-3", at=tomorrow)])
    assert points(decisions) == [25, 25, 0, 25, 25]


def test_without_a_daily_cap_every_distinct_visitor_earns() -> None:
    uncapped = program("share_points = 5")
    assert points(run(uncapped, [visit(f"fp-{n}") for n in range(10)])) == [5] * 10


def test_a_program_without_social_cannot_decide_a_visit() -> None:
    bare = small_program(name="T")
    with pytest.raises(ValueError, match=r"no \[social\] section"):
        decide_visit(bare, visit(), 0, False)


# --- conversions ----------------------------------------------------------------------------------

def test_a_shared_visit_that_becomes_a_paid_order_pays_once_per_order(example: Program) -> None:
    paid = conversion_award(example, "ann-fb", "1001", OrderStatus.PAID)
    fulfilled = conversion_award(example, "ann-fb", "1001", OrderStatus.FULFILLED)
    assert paid == ("share-order:ann-fb:1001", 100)
    assert fulfilled == paid  # the same ledger key: the repeat is a no-op
    assert conversion_award(example, "ann-fb", "1002", OrderStatus.PAID) != paid


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CANCELLED,
                                    OrderStatus.REFUNDED])
def test_an_unpaid_order_pays_no_conversion(example: Program, status: OrderStatus) -> None:
    assert conversion_award(example, "ann-fb", "1001", status) is None


def test_no_conversion_award_when_the_program_pays_none() -> None:
    assert conversion_award(program("share_points = 5"), "ann-fb", "1001",
                            OrderStatus.PAID) is None


# --- property: the daily cap holds whatever arrives -----------------------------------------------

visits_strategy = st.lists(st.builds(
    ShareVisit,
    share_code=st.sampled_from(sorted(SHARERS)),
    visitor_fingerprint=st.sampled_from([f"fp-{n}" for n in range(8)]),
    user_agent=st.sampled_from([CHROME, IPHONE, PINTEREST_APP, None, "", *BOTS[:3]]),
    at=st.integers(0, 36 * 3600).map(lambda s: MORNING + timedelta(seconds=s)),
    is_sharer=st.booleans(),
), max_size=200)


@given(visits_strategy)
def test_points_per_sharer_per_day_never_exceed_the_cap(visits: list[ShareVisit]) -> None:
    totals: Counter[tuple[str, date]] = Counter()
    keys: Counter[str] = Counter()
    for shared, decision in zip(visits, run(example_program(), visits), strict=True):
        totals[SHARERS[shared.share_code], shared.at.date()] += decision.points
        keys[decision.key] += decision.counted
        assert decision.points in (0, 25)
        assert not decision.counted or not (is_bot(shared.user_agent) or shared.is_sharer)
    assert all(total <= 25 * 2 for total in totals.values())
    assert all(count <= 1 for count in keys.values())
