"""Referral decisions (rules.referral) under the example program: referrer 500 points, friend
"welcome-10", friend's first paid order only, at least 30.00 of merchandise, 10 awards per
referrer a month, self-referral blocked.

Every decision records all nine checks with hashed identities, and a stored decision replays
under a changed program.
"""
from __future__ import annotations

import dataclasses
import functools
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from rules.events import OrderStatus
from rules.identity import identity_hash, normalised_address
from rules.program import Program, load_program
from rules.referral import (
    Party,
    ReferralDecision,
    ReferralFacts,
    cancelled_by_refund,
    decide_referral,
    friend_code_key,
    referral_release_at,
    referrer_award_key,
    replay,
)
from tests.rules.builders import small_program
from tests.support import EXAMPLE_PROGRAM

RULE_ORDER = [
    "self_referral_email", "self_referral_address", "self_referral_payment", "self_referral_ip",
    "existing_customer", "first_order_only", "minimum_order", "monthly_cap", "order_paid",
]
ALICE = Party("alice@example.com", "12 Main St., Apt 4", "fp_alice_visa", "203.0.113.7")
BOB = Party("bob@example.net", "99 Elm Road", "fp_bob_mc", "198.51.100.23")


@functools.cache
def example_with(old: str, new: str) -> Program:
    """The example program with one line of its [referral] section changed."""
    text = EXAMPLE_PROGRAM.read_text()
    assert text.count(old) == 1
    return load_program(text.replace(old, new), "variant.toml")


def program(referral: str = "") -> Program:
    """A minimal program in USD whose [referral] pays the referrer 500 points."""
    return small_program(f"pending_days = 14\n[referral]\nreferrer_points = 500\n{referral}\n")


def facts(**changes: object) -> ReferralFacts:
    """Alice referred Bob, whose first order (45.00, paid) is being decided."""
    base = ReferralFacts(
        referrer=ALICE, friend=BOB, friend_paid_orders_before=0,
        friend_was_customer_before_referral=False, referrer_awards_this_month=3,
        order_merchandise=Decimal("45.00"), order_status=OrderStatus.PAID,
    )
    return dataclasses.replace(base, **changes)


def bob(**changes: object) -> Party:
    return dataclasses.replace(BOB, **changes)


def failed(decision: ReferralDecision) -> list[str]:
    return [check.rule for check in decision.checks if not check.passed]


# --- approval -------------------------------------------------------------------------------------

def test_new_friends_first_paid_order_pays_500_points_and_a_welcome_code(example: Program) -> None:
    decision = decide_referral(example, facts())
    assert decision.approved
    assert (decision.referrer_points, decision.friend_reward) == (500, "welcome-10")
    assert decision.refused_by is None
    assert [check.rule for check in decision.checks] == RULE_ORDER
    assert failed(decision) == []


def test_order_of_exactly_the_minimum_is_approved(example: Program) -> None:
    assert decide_referral(example, facts(order_merchandise=Decimal("30.00"))).approved


# --- each rule refuses, by name -------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "changes"), [
    ("self_referral_email", {"friend": bob(email="  Alice@Example.COM ")}),
    ("self_referral_address", {"friend": bob(address="12 main street, apartment 4")}),
    ("self_referral_payment", {"friend": bob(payment_fingerprint="fp_alice_visa")}),
    ("self_referral_ip", {"friend": bob(ip="203.0.113.7")}),
    ("existing_customer", {"friend_was_customer_before_referral": True}),
    ("first_order_only", {"friend_paid_orders_before": 1}),
    ("minimum_order", {"order_merchandise": Decimal("29.99")}),
    ("monthly_cap", {"referrer_awards_this_month": 10}),
    ("order_paid", {"order_status": OrderStatus.PENDING}),
    ("order_paid", {"order_status": OrderStatus.REFUNDED}),
])
def test_each_rule_refuses_under_its_own_name(example: Program, rule: str,
                                              changes: dict[str, object]) -> None:
    decision = decide_referral(example, facts(**changes))
    assert not decision.approved
    assert decision.refused_by == rule
    assert failed(decision) == [rule]
    assert (decision.referrer_points, decision.friend_reward) == (0, None)
    assert [check.rule for check in decision.checks] == RULE_ORDER


def test_every_check_is_recorded_after_the_first_failure(example: Program) -> None:
    decision = decide_referral(example, facts(
        friend=bob(email="alice@example.com"), order_merchandise=Decimal("12.00"),
        order_status=OrderStatus.CANCELLED))
    assert decision.refused_by == "self_referral_email"
    assert failed(decision) == ["self_referral_email", "minimum_order", "order_paid"]
    assert len(decision.checks) == len(RULE_ORDER)


def test_refusal_says_what_was_wrong_with_the_inputs_it_saw(example: Program) -> None:
    decision = decide_referral(example, facts(order_merchandise=Decimal("25.00")))
    check = decision.checks[RULE_ORDER.index("minimum_order")]
    assert check.inputs == {"order_merchandise": "25.00", "min_order": "30.00"}
    assert check.reason == "merchandise 25.00 is below the minimum 30.00"


def test_unknown_identities_on_both_sides_are_not_a_self_referral(example: Program) -> None:
    nobody = Party(None, None, None, None)
    assert decide_referral(example, facts(referrer=nobody, friend=nobody)).approved


# --- rules the program turns off ------------------------------------------------------------------

def test_self_referral_is_not_checked_when_the_program_allows_it() -> None:
    allowing = program("block_self_referral = false")
    decision = decide_referral(allowing, facts(friend=ALICE))
    assert decision.approved
    self_checks = decision.checks[:4]
    assert all(check.passed for check in self_checks)
    assert {check.reason for check in self_checks} == {"not checked: block_self_referral is off"}


def test_later_orders_earn_when_first_order_only_is_off() -> None:
    assert decide_referral(program("first_order_only = false"),
                           facts(friend_paid_orders_before=4)).approved


def test_without_a_monthly_cap_any_number_of_awards_is_approved() -> None:
    decision = decide_referral(program(), facts(referrer_awards_this_month=500))
    assert decision.approved
    assert decision.friend_reward is None  # this program issues no friend reward


def test_a_program_without_referrals_cannot_decide_one() -> None:
    bare = small_program(name="T")
    with pytest.raises(ValueError, match=r"no \[referral\] section"):
        decide_referral(bare, facts())


# --- records: hashed, JSON-ready, replayable ------------------------------------------------------

def test_recorded_inputs_hold_hashes_never_the_clear_identities(example: Program) -> None:
    record = json.dumps(decide_referral(example, facts()).to_record())
    for clear in ("alice", "example.com", "Main", "203.0.113.7", "fp_alice", "bob", "Elm"):
        assert clear not in record
    assert identity_hash("alice@example.com") in record
    assert len(identity_hash("alice@example.com") or "") == 16


def test_identities_are_normalised_before_hashing() -> None:
    shouting = Party(" ALICE@example.com", "12 MAIN STREET apartment 4", " fp_alice_visa ",
                     "203.0.113.7 ")
    assert shouting.digest() == ALICE.digest()
    assert ALICE.digest().digest() == ALICE.digest()


@pytest.mark.parametrize(("written", "same_as"), [
    ("12 Main St., Apt 4", "12  main street apartment 4"),
    ("5 Park Ave", "5 park avenue"),
    ("7 Mill Rd.", "7 MILL ROAD"),
])
def test_addresses_compare_equal_after_normalising(written: str, same_as: str) -> None:
    assert normalised_address(written) == normalised_address(same_as)


def test_blank_address_normalises_to_nothing() -> None:
    assert normalised_address(" ,. ") is None
    assert normalised_address(None) is None


def test_decision_record_round_trips_through_json(example: Program) -> None:
    decision = decide_referral(example, facts(friend=bob(ip="203.0.113.7")))
    record = json.loads(json.dumps(decision.to_record()))
    assert ReferralDecision.from_record(record) == decision


def test_facts_record_round_trips_to_the_same_decision(example: Program) -> None:
    original = facts(friend=bob(address="12 main street apartment 4"))
    rebuilt = ReferralFacts.from_record(json.loads(json.dumps(original.to_record())))
    assert rebuilt.to_record() == original.to_record()
    assert decide_referral(example, rebuilt) == decide_referral(example, original)


def test_replay_under_the_same_program_gives_the_same_decision(example: Program) -> None:
    decision = decide_referral(example, facts(referrer_awards_this_month=10))
    assert replay(example, decision.to_record()) == decision


def test_replay_under_a_raised_minimum_order_refuses(example: Program) -> None:
    stored = decide_referral(example, facts()).to_record()
    raised = example_with('min_order = "30.00"', 'min_order = "100.00"')
    decision = replay(raised, stored)
    assert not decision.approved
    assert decision.refused_by == "minimum_order"
    assert decision.checks[RULE_ORDER.index("minimum_order")].inputs["min_order"] == "100.00"


def test_replay_with_self_referral_allowed_approves_a_blocked_one(example: Program) -> None:
    stored = decide_referral(example, facts(friend=bob(payment_fingerprint="fp_alice_visa")))
    allowing = example_with("block_self_referral = true", "block_self_referral = false")
    assert stored.refused_by == "self_referral_payment"
    assert replay(allowing, stored.to_record()).approved


# --- keys, release and refunds --------------------------------------------------------------------

def test_both_sides_have_their_own_key_per_friend_order() -> None:
    assert referrer_award_key("order:1001") == "referral:order:1001:referrer"
    assert friend_code_key("order:1001") == "referral:order:1001:friend"


def test_referrer_points_release_when_the_pending_period_ends(example: Program) -> None:
    paid_at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert referral_release_at(paid_at, example) == paid_at + timedelta(days=14)


@pytest.mark.parametrize(("status", "share", "merchandise", "cancelled"), [
    (OrderStatus.REFUNDED, Decimal(1), Decimal("45.00"), True),
    (OrderStatus.CANCELLED, Decimal(0), Decimal("45.00"), True),
    (OrderStatus.PAID, Decimal(1), Decimal("45.00"), True),  # refunded in full, still "paid"
    (OrderStatus.PAID, Decimal("0.2"), Decimal("45.00"), False),  # keeps 36.00
    (OrderStatus.FULFILLED, Decimal("0.5"), Decimal("45.00"), True),  # keeps 22.50 < 30.00
    (OrderStatus.PAID, Decimal(2) / Decimal(3), Decimal("90.00"), False),  # keeps exactly 30.00
    (OrderStatus.PAID, Decimal(0), Decimal("45.00"), False),
])
def test_refund_in_the_window_cancels_both_sides_below_the_minimum(
        example: Program, status: OrderStatus, share: Decimal, merchandise: Decimal,
        cancelled: bool) -> None:
    assert cancelled_by_refund(status, share, merchandise=merchandise,
                               program=example) is cancelled
