"""Readers for the values of a program file: one per kind of TOML value a key may hold.

A reader takes the raw value and the place it was found (`At`), and returns the typed value or
raises ProgramError naming that key. `section` builds a reader for a whole table from a mapping
of key -> reader; rules/program.py declares the program's sections with these.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NoReturn

from rules.program_model import ProgramError

__all__ = [
    "At", "Convert", "count", "currency", "flag", "money", "one_of", "per_currency", "percent",
    "positive", "rate", "reminder_days", "section", "set_of", "text", "tuple_of", "window_days",
]


@dataclasses.dataclass(frozen=True)
class At:
    """Where a value sits in the program file, so an error can name it."""

    source: str
    key: str

    def child(self, name: str) -> At:
        return At(self.source, f"{self.key}.{name}" if self.key else name)

    def item(self, index: int) -> At:
        return At(self.source, f"{self.key}[{index}]")

    def fail(self, message: str) -> NoReturn:
        raise ProgramError(self.source, self.key or "<toml>", message)


Convert = Callable[[Any, At], Any]
_TOML_KINDS = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array",
               dict: "table"}
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")


def _describe(value: object) -> str:
    kind = _TOML_KINDS.get(type(value), "date/time")
    return kind if kind in ("array", "table") else f"{kind} {value!r}"


def text(value: object, at: At) -> str:
    if not isinstance(value, str) or not value.strip():
        at.fail(f"expected a non-empty string, got {_describe(value)}")
    return value


def _whole(value: object, at: At, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        at.fail(f"expected a whole number, got {_describe(value)}")
    if value < minimum:
        at.fail(f"expected a whole number >= {minimum}, got {value}")
    return value


def count(value: object, at: At) -> int:
    return _whole(value, at, 0)


def positive(value: object, at: At) -> int:
    return _whole(value, at, 1)


def flag(value: object, at: At) -> bool:
    if not isinstance(value, bool):
        at.fail(f"expected true or false, got {_describe(value)}")
    return value


def one_of(*choices: str) -> Convert:
    def convert(value: object, at: At) -> str:
        if not isinstance(value, str) or value not in choices:
            at.fail(f"expected one of {', '.join(choices)}, got {value!r}")
        return value
    return convert


def _decimal(value: object, at: At, is_money: bool) -> Decimal:
    if isinstance(value, float):
        name = at.key.rsplit(".", 1)[-1]
        at.fail(f'expected an exact number: write it as a string, {name} = '
                f'"{_exact(value, is_money)}", not the float {value!r} (TOML floats are inexact)')
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


def _exact(value: float, is_money: bool) -> str:
    """The string a merchant should have written instead of the float `value`."""
    if not math.isfinite(value):
        return "5.00"
    exact = Decimal(repr(value))
    exponent = exact.as_tuple().exponent
    if is_money and isinstance(exponent, int) and exponent >= -2:
        exact = exact.quantize(Decimal("0.01"))
    return str(exact)


def money(value: object, at: At) -> Decimal:
    return _decimal(value, at, is_money=True)


def rate(value: object, at: At) -> Decimal:
    return _decimal(value, at, is_money=False)


def percent(value: object, at: At) -> Decimal:
    number = rate(value, at)
    if not 0 < number <= 100:
        at.fail(f"expected a percentage above 0 and at most 100, got {value!r}")
    return number


def currency(value: object, at: At) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        at.fail(f'expected a 3-letter upper-case currency code such as "USD", '
                f"got {_describe(value)}")
    return value


def tuple_of(item: Convert) -> Convert:
    def convert(value: object, at: At) -> tuple[Any, ...]:
        if not isinstance(value, list):
            at.fail(f"expected an array, got {_describe(value)}")
        return tuple(item(element, at.item(index)) for index, element in enumerate(value))
    return convert


def set_of(item: Convert) -> Convert:
    convert_tuple = tuple_of(item)
    return lambda value, at: frozenset(convert_tuple(value, at))


def reminder_days(value: object, at: At) -> tuple[int, ...]:
    return tuple(sorted(set(tuple_of(positive)(value, at)), reverse=True))


def per_currency(value: object, at: At) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(value, dict):
        at.fail(f'expected a table of currency = rate, such as EUR = "0.9", got {_describe(value)}')
    rates = {currency(code, at.child(code)): rate(points, at.child(code))
             for code, points in value.items()}
    return tuple(sorted(rates.items()))


def window_days(value: object, at: At) -> int | None:
    if value == "lifetime":
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        at.fail(f'expected a whole number of days or "lifetime", got {_describe(value)}')
    return positive(value, at)


def section(cls: type, fields: Mapping[str, Convert],
            check: Callable[[Any, At], None] | None = None) -> Convert:
    """A reader for a table that builds `cls`; a key is required when its field has no default."""
    required = [field.name for field in dataclasses.fields(cls)
                if field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING]

    def convert(value: object, at: At) -> Any:
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


def _reject_unknown_keys(table: dict[str, Any], fields: Mapping[str, Convert], at: At) -> None:
    for key in table:
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            at.child(key).fail(f"unknown key{hint}; allowed keys: {', '.join(fields)}")
