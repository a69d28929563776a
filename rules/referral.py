"""Two-sided referral decisions (`[referral]`), with the fraud rules kept as data.

`decide_referral` runs every rule in a fixed order and records each check (rule, inputs, outcome,
reason) even after one fails, for the admin. Identities (email, address, payment fingerprint, IP)
are normalised then hashed (sha256 hex, first 16 characters), never kept in clear, and the
self-referral rules compare hashes. The recorded inputs together hold every fact, so `replay`
rebuilds the (hashed) facts from a stored decision and decides them under another program.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from rules.events import OrderStatus
from rules.identity import IDENTITY_FIELDS, Party
from rules.program import Program, Referral


@dataclass(frozen=True)
class ReferralFacts:
    """What the caller knows when the friend's order is decided; counts are as of that moment."""

    referrer: Party
    friend: Party
    friend_paid_orders_before: int
    friend_was_customer_before_referral: bool
    referrer_awards_this_month: int
    order_merchandise: Decimal
    order_status: OrderStatus

    def to_record(self) -> dict[str, str]:
        """Every fact as a string, identities hashed ("" when unknown)."""
        record = {f"{role}_{name}": getattr(party.digest(), name) or ""
                  for role, party in (("referrer", self.referrer), ("friend", self.friend))
                  for name in IDENTITY_FIELDS}
        others = [field.name for field in dataclasses.fields(self)[2:]]  # after the two parties
        return record | {name: _text(getattr(self, name)) for name in others}

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> ReferralFacts:
        """The facts `to_record` wrote (other keys are ignored); parties come back hashed."""
        referrer, friend = (Party(**{name: record[f"{role}_{name}"] or None
                                     for name in IDENTITY_FIELDS}, is_digest=True)
                            for role in ("referrer", "friend"))
        return cls(referrer, friend, int(record["friend_paid_orders_before"]),
                   record["friend_was_customer_before_referral"] == "true",
                   int(record["referrer_awards_this_month"]),
                   Decimal(record["order_merchandise"]), OrderStatus(record["order_status"]))


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    inputs: dict[str, str]
    passed: bool
    reason: str


@dataclass(frozen=True)
class ReferralDecision:
    approved: bool
    checks: tuple[RuleCheck, ...]
    referrer_points: int
    friend_reward: str | None
    refused_by: str | None  # the first failed rule, in the order decide_referral runs them

    def to_record(self) -> dict[str, Any]:
        """JSON-ready: str, int, bool, None, lists and dicts only."""
        return dataclasses.asdict(self) | {"checks": [dataclasses.asdict(c) for c in self.checks]}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ReferralDecision:
        checks = tuple(RuleCheck(**{**c, "inputs": dict(c["inputs"])}) for c in record["checks"])
        return cls(**{**record, "checks": checks})


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(getattr(value, "value", value))


@dataclass(frozen=True)
class FraudRule:
    """A rule as data: the facts it reads, the [referral] setting that turns it on (None: always
    on), when it refuses, and the reason the admin reads, formatted with the recorded inputs."""

    name: str
    facts: tuple[str, ...]
    setting: str | None
    refuses: Callable[[dict[str, str], Any], bool]
    refusal: str
    approval: str

    def check(self, referral: Referral, facts: dict[str, str]) -> RuleCheck:
        inputs = {key: facts[key] for key in self.facts}
        setting = getattr(referral, self.setting) if self.setting else True
        if self.setting:
            inputs[self.setting] = _text(setting)
        if setting is None or setting is False:
            return RuleCheck(self.name, inputs, True, f"not checked: {self.setting} is off")
        refused = self.refuses(facts, setting)
        reason = self.refusal if refused else self.approval
        return RuleCheck(self.name, inputs, not refused, reason.format(**inputs))


def _self_referral(name: str, field: str, label: str) -> FraudRule:
    mine, theirs = f"referrer_{field}", f"friend_{field}"
    return FraudRule(name, (mine, theirs), "block_self_referral",
                     lambda facts, _: bool(facts[mine]) and facts[mine] == facts[theirs],
                     f"the friend's {label} is the referrer's",
                     f"the {label}s differ, or one is not known")


RULES: tuple[FraudRule, ...] = (
    _self_referral("self_referral_email", "email", "email"),
    _self_referral("self_referral_address", "address", "address"),
    _self_referral("self_referral_payment", "payment_fingerprint", "payment fingerprint"),
    _self_referral("self_referral_ip", "ip", "IP address"),
    FraudRule("existing_customer", ("friend_was_customer_before_referral",), None,
              lambda facts, _: facts["friend_was_customer_before_referral"] == "true",
              "the friend was a customer before the referral", "the friend is a new customer"),
    FraudRule("first_order_only", ("friend_paid_orders_before",), "first_order_only",
              lambda facts, _: int(facts["friend_paid_orders_before"]) > 0,
              "not the friend's first paid order ({friend_paid_orders_before} before it)",
              "the friend's first paid order"),
    FraudRule("minimum_order", ("order_merchandise",), "min_order",
              lambda facts, minimum: Decimal(facts["order_merchandise"]) < minimum,
              "merchandise {order_merchandise} is below the minimum {min_order}",
              "merchandise {order_merchandise} reaches the minimum {min_order}"),
    FraudRule("monthly_cap", ("referrer_awards_this_month",), "max_per_referrer_per_month",
              lambda facts, cap: int(facts["referrer_awards_this_month"]) >= cap,
              "monthly cap reached: {referrer_awards_this_month} of {max_per_referrer_per_month}",
              "{referrer_awards_this_month} of {max_per_referrer_per_month} awards this month"),
    FraudRule("order_paid", ("order_status",), None,
              lambda facts, _: not OrderStatus(facts["order_status"]).is_paid,
              "the order is {order_status}, not paid", "the order is paid"),
)


def decide_referral(program: Program, facts: ReferralFacts) -> ReferralDecision:
    """Every rule's check, in order; approved only when all pass."""
    rules = program.referral
    if rules is None:
        raise ValueError(f"program {program.name!r} has no [referral] section")
    record = facts.to_record()
    checks = tuple(rule.check(rules, record) for rule in RULES)
    refused_by = next((check.rule for check in checks if not check.passed), None)
    if refused_by is not None:
        return ReferralDecision(False, checks, 0, None, refused_by)
    return ReferralDecision(True, checks, rules.referrer_points, rules.friend_reward, None)


def replay(program: Program, record: Mapping[str, Any]) -> ReferralDecision:
    """Decide a recorded decision (`ReferralDecision.to_record()`) again under `program`."""
    facts = {key: value for check in record["checks"] for key, value in check["inputs"].items()}
    return decide_referral(program, ReferralFacts.from_record(facts))


def referrer_award_key(friend_order_key: str) -> str:
    """The ledger key of the referrer's points for the friend's order (e.g. "order:123")."""
    return f"referral:{friend_order_key}:referrer"


def friend_code_key(friend_order_key: str) -> str:
    """The outbox key of the friend's reward code for that same order."""
    return f"referral:{friend_order_key}:friend"


def referral_release_at(paid_at: datetime, program: Program) -> datetime:
    """The referrer's points are credited when the friend's order leaves its pending period."""
    return paid_at + timedelta(days=program.earn.pending_days)


def cancelled_by_refund(status: OrderStatus, refunded_share: Decimal, *,
                        merchandise: Decimal, program: Program) -> bool:
    """Whether a refund before `referral_release_at` cancels both sides: the order is not paid
    now, or what it keeps (to a millionth: a 2/3 share can't tip 30 under 30) is below min_order."""
    if not status.is_paid or refunded_share >= 1:
        return True
    kept = merchandise - merchandise * max(refunded_share, Decimal(0))
    minimum = program.referral.min_order if program.referral else Decimal(0)
    return kept.quantize(Decimal("0.000001")) < minimum
