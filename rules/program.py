"""Load a loyalty program file (TOML) into rules.program_model values, or say what is wrong.

Each section is declared as data: TOML key -> converter. A converter takes the raw value and the
place it was found, and returns the typed value or raises ProgramError naming that key. A key is
required when its model field has no default. Checks spanning several keys run once the section
(or the whole program) is built. Array positions in error keys count from 0: `tiers[1]`.
"""
from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NoReturn

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
    program: Program = _PROGRAM(data, _At(source, ""))
    return program


@dataclasses.dataclass(frozen=True)
class _At:
    """Where a value sits in the program file, so an error can name it."""

    source: str
    key: str

    def child(self, name: str) -> _At:
        return _At(self.source, f"{self.key}.{name}" if self.key else name)

    def item(self, index: int) -> _At:
        return _At(self.source, f"{self.key}[{index}]")

    def fail(self, message: str) -> NoReturn:
        raise ProgramError(self.source, self.key or "<toml>", message)


Convert = Callable[[Any, _At], Any]
_TOML_KINDS = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array",
               dict: "table"}
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")


def _describe(value: object) -> str:
    kind = _TOML_KINDS.get(type(value), "date/time")
    return kind if kind in ("array", "table") else f"{kind} {value!r}"


def _text(value: object, at: _At) -> str:
    if not isinstance(value, str) or not value.strip():
        at.fail(f"expected a non-empty string, got {_describe(value)}")
    return value


def _whole(value: object, at: _At, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        at.fail(f"expected a whole number, got {_describe(value)}")
    if value < minimum:
        at.fail(f"expected a whole number >= {minimum}, got {value}")
    return value


def _count(value: object, at: _At) -> int:
    return _whole(value, at, 0)


def _positive(value: object, at: _At) -> int:
    return _whole(value, at, 1)


def _flag(value: object, at: _At) -> bool:
    if not isinstance(value, bool):
        at.fail(f"expected true or false, got {_describe(value)}")
    return value


def _one_of(*choices: str) -> Convert:
    def convert(value: object, at: _At) -> str:
        if not isinstance(value, str) or value not in choices:
            at.fail(f"expected one of {', '.join(choices)}, got {value!r}")
        return value
    return convert


def _decimal(value: object, at: _At, money: bool) -> Decimal:
    if isinstance(value, float):
        name = at.key.rsplit(".", 1)[-1]
        at.fail(f'expected an exact number: write it as a string, {name} = "{_exact(value, money)}"'
                f", not the float {value!r} (TOML floats are inexact)")
    number = _parse_exact(value)
    if number is None:
        at.fail(f'expected a whole number or a decimal string such as "5.00", '
                f"got {_describe(value)}")
    if number < 0:
        at.fail(f"expected a number >= 0, got {value!r}")
    return number


def _parse_exact(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    return None


def _exact(value: float, money: bool) -> str:
    """The string a merchant should have written instead of the float `value`."""
    if not math.isfinite(value):
        return "5.00"
    exact = Decimal(repr(value))
    exponent = exact.as_tuple().exponent
    if money and isinstance(exponent, int) and exponent >= -2:
        exact = exact.quantize(Decimal("0.01"))
    return str(exact)


def _money(value: object, at: _At) -> Decimal:
    return _decimal(value, at, money=True)


def _rate(value: object, at: _At) -> Decimal:
    return _decimal(value, at, money=False)


def _percent(value: object, at: _At) -> Decimal:
    number = _rate(value, at)
    if not 0 < number <= 100:
        at.fail(f"expected a percentage above 0 and at most 100, got {value!r}")
    return number


def _currency(value: object, at: _At) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        at.fail(f'expected a 3-letter upper-case currency code such as "USD", '
                f"got {_describe(value)}")
    return value


def _tuple_of(item: Convert) -> Convert:
    def convert(value: object, at: _At) -> tuple[Any, ...]:
        if not isinstance(value, list):
            at.fail(f"expected an array, got {_describe(value)}")
        return tuple(item(element, at.item(index)) for index, element in enumerate(value))
    return convert


def _set_of(item: Convert) -> Convert:
    tuple_of = _tuple_of(item)
    return lambda value, at: frozenset(tuple_of(value, at))


def _reminder_days(value: object, at: _At) -> tuple[int, ...]:
    return tuple(sorted(set(_tuple_of(_positive)(value, at)), reverse=True))


def _per_currency(value: object, at: _At) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(value, dict):
        at.fail(f'expected a table of currency = rate, such as EUR = "0.9", got {_describe(value)}')
    rates = {_currency(code, at.child(code)): _rate(rate, at.child(code))
             for code, rate in value.items()}
    return tuple(sorted(rates.items()))


def _window_days(value: object, at: _At) -> int | None:
    if value == "lifetime":
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        at.fail(f'expected a whole number of days or "lifetime", got {_describe(value)}')
    return _positive(value, at)


def _section(cls: type, fields: Mapping[str, Convert],
             check: Callable[[Any, _At], None] | None = None) -> Convert:
    required = [field.name for field in dataclasses.fields(cls)
                if field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING]

    def convert(value: object, at: _At) -> Any:
        if not isinstance(value, dict):
            at.fail(f"expected a table, got {_describe(value)}")
        _reject_unknown_keys(value, fields, at)
        for name in required:
            if name not in value:
                at.child(name).fail("required key is missing")
        built = cls(**{name: fields[name](value[name], at.child(name))
                       for name in fields if name in value})
        if check is not None:
            check(built, at)
        return built
    return convert


def _reject_unknown_keys(table: dict[str, Any], fields: Mapping[str, Convert], at: _At) -> None:
    for key in table:
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            at.child(key).fail(f"unknown key{hint}; allowed keys: {', '.join(fields)}")


def _check_earn(earn: EarnRules, at: _At) -> None:
    if earn.expiry_reminder_days and earn.expire_days is None:
        at.child("expiry_reminder_days").fail(
            "reminders need earn.expire_days; points that never expire need no reminder")


def _check_tier_rules(rules: TierRules, at: _At) -> None:
    if rules.downgrade == "end_of_window" and rules.window_days is None:
        at.child("downgrade").fail(
            'end_of_window needs tier_rules.window_days; with a lifetime window use "never"')


def _check_punch_card(card: PunchCard, at: _At) -> None:
    if not card.skus:
        at.child("skus").fail("expected at least one sku that earns a punch")


def _check_reward(reward: Reward, at: _At) -> None:
    _check_reward_value(reward.type, reward.value, at.child("value"))
    if reward.type == "free_product" and reward.sku is None:
        at.child("sku").fail("required key is missing: a free_product reward needs the product sku")
    if reward.type != "free_product" and reward.sku is not None:
        at.child("sku").fail(f"only a free_product reward has a sku, this is {reward.type}")


def _check_reward_value(reward_type: str, value: Decimal | None, at: _At) -> None:
    if reward_type not in ("fixed_amount", "percentage"):
        if value is not None:
            at.fail(f"a {reward_type} reward has no value; remove it")
    elif value is None:
        at.fail(f"required key is missing: a {reward_type} reward needs a value")
    elif reward_type == "percentage" and not 0 < value <= 100:
        at.fail(f"expected a percentage above 0 and at most 100, got {value}")
    elif reward_type == "fixed_amount" and value == 0:
        at.fail("expected an amount above 0, got 0")


def _check_program(program: Program, at: _At) -> None:
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


def _check_tier_ladder(tiers: tuple[Tier, ...], at: _At) -> None:
    _reject_duplicates([tier.name for tier in tiers], at, "name")
    if tiers and tiers[0].threshold != 0:
        at.item(0).child("threshold").fail(
            f"expected 0 for the first tier, where every customer starts; got {tiers[0].threshold}")
    for index, (lower, tier) in enumerate(itertools.pairwise(tiers), start=1):
        if tier.threshold <= lower.threshold:
            at.item(index).child("threshold").fail(
                f"expected more than the tier before ({lower.name}: {lower.threshold}), got "
                f"{tier.threshold}; list tiers from the lowest threshold to the highest")


def _reject_duplicates(names: list[str], at: _At, key: str) -> None:
    for index, name in enumerate(names):
        if name in names[:index]:
            at.item(index).child(key).fail(f"duplicate {key} {name!r}; each must be unique")


def _check_reward_references(program: Program, at: _At) -> None:
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


_PROGRAM: Convert = _section(Program, {
    "name": _text,
    "currency": _currency,
    "earn": _section(EarnRules, {
        "points_per_unit": _rate,
        "base": _one_of("merchandise", "merchandise_shipping", "merchandise_shipping_tax"),
        "rounding": _one_of("floor", "round_half_up", "ceil"),
        "on_status": _one_of("paid", "fulfilled"),
        "pending_days": _count,
        "expire_days": _positive,
        "expiry_reminder_days": _reminder_days,
        "guests_earn": _flag,
        "exclude_tags": _set_of(_text),
        "exclude_skus": _set_of(_text),
        "channels": _set_of(_one_of("online", "pos")),
        "per_currency": _per_currency,
    }, check=_check_earn),
    "bonuses": _section(Bonuses, {
        "signup": _count, "first_order": _count, "birthday": _count, "newsletter": _count,
        "review": _count, "review_daily_cap": _positive,
    }),
    "tiers": _tuple_of(_section(Tier, {
        "name": _text, "threshold": _money, "multiplier": _rate, "tag": _text,
        "perks": _tuple_of(_text),
    })),
    "tier_rules": _section(TierRules, {
        "basis": _one_of("spend", "points"),
        "window_days": _window_days,
        "downgrade": _one_of("never", "end_of_window"),
        "grace_days": _count,
    }, check=_check_tier_rules),
    "referral": _section(Referral, {
        "referrer_points": _count, "friend_reward": _text, "min_order": _money,
        "first_order_only": _flag, "max_per_referrer_per_month": _positive,
        "block_self_referral": _flag,
    }),
    "social": _section(Social, {
        "share_points": _count, "share_daily_cap": _positive, "share_order_points": _count,
        "networks": _tuple_of(_text),
    }),
    "punch_card": _section(PunchCard, {
        "name": _text, "skus": _set_of(_text), "punches": _positive, "reward": _text,
    }, check=_check_punch_card),
    "membership": _section(Membership, {
        "sku": _text, "tier": _text, "days": _positive, "trial_days": _count,
    }),
    "cashback": _section(Cashback, {"percent": _percent, "min_credit": _money}),
    "rewards": _tuple_of(_section(Reward, {
        "id": _text,
        "cost": _count,
        "type": _one_of("fixed_amount", "percentage", "free_shipping", "free_product"),
        "value": _money,
        "min_order": _money,
        "expires_days": _positive,
        "sku": _text,
    }, check=_check_reward)),
}, check=_check_program)
