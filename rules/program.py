"""Load a loyalty program file (TOML) into rules.program_model values, or say what is wrong.

Each section is declared as data: TOML key -> reader (rules/program_fields.py). A reader takes the
raw value and the place it was found, and returns the typed value or raises ProgramError naming
that key. A key is required when its model field has no default. Checks spanning several keys run
once the section (or the whole program) is built. Array positions in error keys count from 0:
`tiers[1]`.
"""
from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rules.program_fields import (
    At,
    Convert,
    count,
    currency,
    flag,
    money,
    one_of,
    per_currency,
    percent,
    positive,
    rate,
    reminder_days,
    section,
    set_of,
    text,
    tuple_of,
    window_days,
)
from rules.program_model import (
    Bonuses,
    Cashback,
    EarnRules,
    Membership,
    Program,
    ProgramError,
    PunchCard,
    Referral,
    Reward,
    Social,
    Tier,
    TierRules,
)

__all__ = [
    "Bonuses", "Cashback", "EarnRules", "Membership", "Program", "ProgramError", "PunchCard",
    "Referral", "Reward", "Social", "Tier", "TierRules", "load_program", "program_from_dict",
]


def load_program(text: str, source: str = "<program>") -> Program:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ProgramError(source, "<toml>", str(err)) from None
    return program_from_dict(data, source)


def program_from_dict(data: dict[str, Any], source: str = "<program>") -> Program:
    program: Program = _PROGRAM(data, At(source, ""))
    return program


def _check_earn(earn: EarnRules, at: At) -> None:
    if earn.expiry_reminder_days and earn.expire_days is None:
        at.child("expiry_reminder_days").fail(
            "reminders need earn.expire_days; points that never expire need no reminder")


def _check_tier_rules(rules: TierRules, at: At) -> None:
    if rules.downgrade == "end_of_window" and rules.window_days is None:
        at.child("downgrade").fail(
            'end_of_window needs tier_rules.window_days; with a lifetime window use "never"')


def _check_punch_card(card: PunchCard, at: At) -> None:
    if not card.skus:
        at.child("skus").fail("expected at least one sku that earns a punch")


def _check_reward(reward: Reward, at: At) -> None:
    _check_reward_value(reward.type, reward.value, at.child("value"))
    if reward.type == "free_product" and reward.sku is None:
        at.child("sku").fail("required key is missing: a free_product reward needs the product sku")
    if reward.type != "free_product" and reward.sku is not None:
        at.child("sku").fail(f"only a free_product reward has a sku, this is {reward.type}")


def _check_reward_value(reward_type: str, value: Decimal | None, at: At) -> None:
    if reward_type not in ("fixed_amount", "percentage"):
        if value is not None:
            at.fail(f"a {reward_type} reward has no value; remove it")
    elif value is None:
        at.fail(f"required key is missing: a {reward_type} reward needs a value")
    elif reward_type == "percentage" and not 0 < value <= 100:
        at.fail(f"expected a percentage above 0 and at most 100, got {value}")
    elif reward_type == "fixed_amount" and value == 0:
        at.fail("expected an amount above 0, got 0")


def _check_program(program: Program, at: At) -> None:
    if program.currency in dict(program.earn.per_currency):
        at.child("earn").child("per_currency").child(program.currency).fail(
            "this is the program currency, which earns at earn.points_per_unit; remove it")
    _check_tier_ladder(program.tiers, at.child("tiers"))
    _reject_duplicates([reward.id for reward in program.rewards], at.child("rewards"), "id")
    _check_reward_references(program, at)
    if program.membership and program.tier_named(program.membership.tier) is None:
        tier_names = ", ".join(tier.name for tier in program.tiers) or "none"
        at.child("membership").child("tier").fail(
            f"no tier named {program.membership.tier!r}; tiers: {tier_names}")


def _check_tier_ladder(tiers: tuple[Tier, ...], at: At) -> None:
    _reject_duplicates([tier.name for tier in tiers], at, "name")
    if tiers and tiers[0].threshold != 0:
        at.item(0).child("threshold").fail(
            f"expected 0 for the first tier, where every customer starts; got {tiers[0].threshold}")
    for index, (lower, tier) in enumerate(itertools.pairwise(tiers), start=1):
        if tier.threshold <= lower.threshold:
            at.item(index).child("threshold").fail(
                f"expected more than the tier before ({lower.name}: {lower.threshold}), got "
                f"{tier.threshold}; list tiers from the lowest threshold to the highest")


def _reject_duplicates(names: list[str], at: At, key: str) -> None:
    for index, name in enumerate(names):
        if name in names[:index]:
            at.item(index).child(key).fail(f"duplicate {key} {name!r}; each must be unique")


def _check_reward_references(program: Program, at: At) -> None:
    known = [reward.id for reward in program.rewards]
    for key, reward_id in _reward_references(program):
        if reward_id not in known:
            raise ProgramError(at.source, key, f"no reward with id {reward_id!r}; "
                               f"reward ids: {', '.join(known) or 'none'}")


def _reward_references(program: Program) -> Iterator[tuple[str, str]]:
    for index, tier in enumerate(program.tiers):
        yield from ((f"tiers[{index}].perks", perk) for perk in tier.perks)
    if program.referral is not None and program.referral.friend_reward is not None:
        yield "referral.friend_reward", program.referral.friend_reward
    if program.punch_card is not None:
        yield "punch_card.reward", program.punch_card.reward


_PROGRAM: Convert = section(Program, {
    "name": text,
    "currency": currency,
    "earn": section(EarnRules, {
        "points_per_unit": rate,
        "base": one_of("merchandise", "merchandise_shipping", "merchandise_shipping_tax"),
        "rounding": one_of("floor", "round_half_up", "ceil"),
        "on_status": one_of("paid", "fulfilled"),
        "pending_days": count,
        "expire_days": positive,
        "expiry_reminder_days": reminder_days,
        "guests_earn": flag,
        "exclude_tags": set_of(text),
        "exclude_skus": set_of(text),
        "channels": set_of(one_of("online", "pos")),
        "per_currency": per_currency,
    }, check=_check_earn),
    "bonuses": section(Bonuses, {
        "signup": count, "first_order": count, "birthday": count, "newsletter": count,
        "review": count, "review_daily_cap": positive,
    }),
    "tiers": tuple_of(section(Tier, {
        "name": text, "threshold": money, "multiplier": rate, "tag": text,
        "perks": tuple_of(text),
    })),
    "tier_rules": section(TierRules, {
        "basis": one_of("spend", "points"),
        "window_days": window_days,
        "downgrade": one_of("never", "end_of_window"),
        "grace_days": count,
    }, check=_check_tier_rules),
    "referral": section(Referral, {
        "referrer_points": count, "friend_reward": text, "min_order": money,
        "first_order_only": flag, "max_per_referrer_per_month": positive,
        "block_self_referral": flag,
    }),
    "social": section(Social, {
        "share_points": count, "share_daily_cap": positive, "share_order_points": count,
        "networks": tuple_of(text),
    }),
    "punch_card": section(PunchCard, {
        "name": text, "skus": set_of(text), "punches": positive, "reward": text,
    }, check=_check_punch_card),
    "membership": section(Membership, {
        "sku": text, "tier": text, "days": positive, "trial_days": count,
    }),
    "cashback": section(Cashback, {"percent": percent, "min_credit": money}),
    "rewards": tuple_of(section(Reward, {
        "id": text,
        "cost": count,
        "type": one_of("fixed_amount", "percentage", "free_shipping", "free_product"),
        "value": money,
        "min_order": money,
        "expires_days": positive,
        "sku": text,
    }, check=_check_reward)),
}, check=_check_program)
