"""Typed reads from a decoded WooCommerce body.

Every reader raises BadPayload whose message starts with the field's path
(`line_items[1].total: ...`), so a failed inbox row says which field broke and how.
`null` and a missing key are the same thing to WooCommerce's REST layer, and to us.
"""

from __future__ import annotations

import re
import reprlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.base import BadPayload

# wc_format_decimal() output: optional minus, digits, optional fraction, unpadded ("5") allowed.
# Never an exponent, NaN or INF; the digit caps keep sums exact in the default 28-digit context.
_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,10})?")
_DIGITS = re.compile(r"[0-9]{1,19}")
_MAX_INT = 2**63 - 1  # WordPress ids are BIGINT UNSIGNED in practice below this

# No amount in an event may exceed this either way. Real orders stay far below a trillion even
# in currencies with tiny units (10**12 IDR or VND is tens of millions of euros); a larger amount
# is a broken body. Points are amount x rate stored in BIGINT columns, and the adapters' sums and
# products (price x quantity) must stay exact in the default 28-digit Decimal context: both hold
# with room to spare below this bound.
MAX_AMOUNT = Decimal(10**12)

# A wrong value is shown cut short, and never walked deeper than two levels: a deeply nested list
# in a body must not exhaust the stack while we describe it.
_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = _SHORT.maxlong = _SHORT.maxother = 40


def _shown(value: Any) -> str:
    text = _SHORT.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def in_range(name: str, amount: Decimal) -> Decimal:
    """`amount` unchanged, or BadPayload naming `name` when it is beyond MAX_AMOUNT."""
    if not -MAX_AMOUNT <= amount <= MAX_AMOUNT:
        raise BadPayload(f"{name}: amount out of range: {amount} (at most {MAX_AMOUNT:,} "
                         "either way)")
    return amount


class Payload:
    """One JSON object of a delivery, with its path for error messages."""

    def __init__(self, data: dict[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path

    @classmethod
    def root(cls, data: Any, what: str) -> Payload:
        if not isinstance(data, dict):
            raise BadPayload(f"payload: expected the {what} as a JSON object, got {_shown(data)}")
        return cls(data)

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def wrong(self, key: str, expected: str, value: Any) -> BadPayload:
        return BadPayload(f"{self.name(key)}: expected {expected}, got {_shown(value)}")

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def required(self, key: str) -> Any:
        value = self.data.get(key)
        if value is None:
            raise BadPayload(f"{self.name(key)}: missing")
        return value

    # text -------------------------------------------------------------------------------------

    def text(self, key: str) -> str:
        return self._text(key, self.required(key))

    def text_or_none(self, key: str) -> str | None:
        value = self.data.get(key)
        return None if value is None else self._text(key, value)

    def _text(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.wrong(key, "a string", value)
        if not value.isascii():
            try:  # JSON's \ud800 escapes decode to lone surrogates, which nothing can store
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise self.wrong(key, "valid Unicode text", value) from None
        return value

    # whole numbers and ids --------------------------------------------------------------------

    def whole(self, key: str) -> int:
        return self._whole(key, self.required(key))

    def whole_or_none(self, key: str) -> int | None:
        value = self.data.get(key)
        return None if value is None else self._whole(key, value)

    def _whole(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
            raise self.wrong(key, "a whole number >= 0", value)
        return value

    def ident(self, key: str) -> str:
        """A resource id: WooCommerce sends an integer; a digit string is accepted too."""
        value = self.required(key)
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            return str(int(value))
        return str(self._whole(key, value))

    # money ------------------------------------------------------------------------------------

    def money(self, key: str) -> Decimal:
        return self._money(key, self.required(key))

    def money_or_zero(self, key: str) -> Decimal:
        value = self.data.get(key)
        return Decimal(0) if value is None else self._money(key, value)

    def _money(self, key: str, value: Any) -> Decimal:
        # A JSON number would have passed through float: only strings are exact.
        if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
            raise self.wrong(key, 'a decimal string like "12.50"', value)
        return in_range(self.name(key), Decimal(value))

    # time -------------------------------------------------------------------------------------

    def moment(self, key: str) -> datetime:
        return self._moment(key, self.required(key))

    def moment_or_none(self, key: str) -> datetime | None:
        value = self.data.get(key)
        return None if value in (None, "") else self._moment(key, value)

    def _moment(self, key: str, value: Any) -> datetime:
        """A `*_gmt` field: ISO 8601 without offset, meaning UTC."""
        expected = 'a UTC date-time like "2026-11-23T03:55:08"'
        if not isinstance(value, str):
            raise self.wrong(key, expected, value)
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise self.wrong(key, expected, value) from None

    # nested objects ---------------------------------------------------------------------------

    def record_or_none(self, key: str) -> Payload | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.wrong(key, "an object", value)
        return Payload(value, self.name(key))

    def records(self, key: str, *, required: bool = False) -> list[Payload]:
        """A list of objects; missing means empty unless `required`."""
        value = self.required(key) if required else self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.wrong(key, "a list", value)
        found = []
        for index, item in enumerate(value):
            name = f"{self.name(key)}[{index}]"
            if not isinstance(item, dict):
                raise BadPayload(f"{name}: expected an object, got {_shown(item)}")
            found.append(Payload(item, name))
        return found
