"""Strict reads of what only Shopify sends: money bags, JSON booleans, lists of ids.

The shared `Payload` (adapters/woocommerce/payload.py) already reads Shopify's text, ids, decimal
strings, objects and lists, and converts Shopify's offset times to UTC; these functions take one
and add the rest, with the same errors: BadPayload whose message starts with the field's path.
"""

from __future__ import annotations

import re
from decimal import Decimal

from adapters.base import BadPayload
from adapters.woocommerce.payload import Payload, in_range

__all__ = ["Payload", "flag", "ident_or_none", "ids", "in_range", "required_record",
           "shop_money", "shop_money_or_zero"]

_DIGITS = re.compile(r"[0-9]{1,19}")
_MAX_ID = 2**63 - 1  # Shopify ids are int64


def shop_money(record: Payload, key: str) -> Decimal:
    """The amount in the shop's currency: `{key}_set.shop_money.amount`, else the plain `key`."""
    amount = _shop_money_or_none(record, key)
    if amount is None:
        raise BadPayload(f"{record.name(key)}: missing")
    return amount


def shop_money_or_zero(record: Payload, key: str) -> Decimal:
    amount = _shop_money_or_none(record, key)
    return Decimal(0) if amount is None else amount


def _shop_money_or_none(record: Payload, key: str) -> Decimal | None:
    # The plain field and presentment_money can be in the buyer's currency; only the bag's
    # shop_money is certain to be the shop's.
    bag = record.record_or_none(f"{key}_set")
    if bag is None:
        return None if record.get(key) is None else record.money(key)
    return required_record(bag, "shop_money").money("amount")


def flag(record: Payload, key: str) -> bool:
    """A JSON boolean; missing or null is false."""
    value = record.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise record.wrong(key, "true or false", value)
    return value


def ident_or_none(record: Payload, key: str) -> str | None:
    return None if record.get(key) is None else record.ident(key)


def ids(record: Payload, key: str) -> tuple[str, ...]:
    """A list of resource ids (integers, or digit strings) as strings; missing means none."""
    value = record.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise record.wrong(key, "a list of ids", value)
    found = []
    for index, item in enumerate(value):
        if isinstance(item, str) and _DIGITS.fullmatch(item):
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= _MAX_ID:
            raise record.wrong(f"{key}[{index}]", "an id (a whole number)", value[index])
        found.append(str(item))
    return tuple(found)


def required_record(record: Payload, key: str) -> Payload:
    found = record.record_or_none(key)
    if found is None:
        raise BadPayload(f"{record.name(key)}: missing")
    return found
