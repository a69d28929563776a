"""The fixture deliveries the fuzz tests start from, and the property every parse must hold:
events of the declared types with finite, bounded money and aware UTC times, or a BadPayload
whose message starts with the field's path."""
from __future__ import annotations

import functools
import json
import re
import types
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Union, get_args, get_origin, get_type_hints

from adapters import REGISTRY, BadPayload
from adapters.woocommerce.payload import MAX_AMOUNT
from rules.events import Event, OrderEvent
from tests.support import SHOPIFY_FIXTURES, WOO_FIXTURES

SHOP = {"woocommerce": "http://127.0.0.1:8000/", "shopify": "loyalty-test.myshopify.com"}
EVENT_TYPES = get_args(Event)
# "line_items[0].total: ...", "refunds (sum of totals): ...": the field's path comes first.
FIELD_FIRST = re.compile(r"[A-Za-z_][\w.\[\]]*(?: \([^)]*\))?: \S")


@dataclass(frozen=True)
class Case:
    platform: str
    name: str
    topic: str
    body: str

    def __str__(self) -> str:
        return f"{self.platform}-{self.name}-{self.topic}"


def _cases() -> list[Case]:
    found, seen = [], set()
    for platform, folder in (("woocommerce", WOO_FIXTURES), ("shopify", SHOPIFY_FIXTURES)):
        for path in sorted(folder.glob("[0-9]*.json")):
            delivery = json.loads(path.read_text(encoding="utf-8"))
            body = delivery["body"]
            topic = REGISTRY[platform].delivery_meta(dict(delivery["headers"]),
                                                     body.encode()).topic
            if topic != "ping" and (topic, body) not in seen:  # the ping is not JSON
                seen.add((topic, body))
                found.append(Case(platform, path.name[:2], topic, body))
    # No captured deletion: WooCommerce sends only the id (shared/PLATFORMS.md).
    return [*found, Case("woocommerce", "xx", "order.deleted", '{"id":13}')]


CASES = _cases()


def _conforms(value: Any, hint: Any) -> bool:
    """`value` has the type a rules.events field declares (bool is not an int)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, arg) for arg in get_args(hint))
    if origin is tuple:
        return isinstance(value, tuple) and all(_conforms(item, get_args(hint)[0])
                                                for item in value)
    if origin is dict:
        key, item = get_args(hint)
        return isinstance(value, dict) and all(_conforms(k, key) and _conforms(v, item)
                                               for k, v in value.items())
    if hint is type(None):
        return value is None
    if hint is int:
        return type(value) is int
    return isinstance(value, hint)


_hints = functools.cache(get_type_hints)


def _assert_sound(value: Any, where: str) -> None:
    if is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        for field in fields(value):
            inner = getattr(value, field.name)
            assert _conforms(inner, hints[field.name]), f"{where}.{field.name}: {inner!r}"
            _assert_sound(inner, f"{where}.{field.name}")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            _assert_sound(item, f"{where}[{index}]")
    elif isinstance(value, Decimal):
        assert value.is_finite() and abs(value) <= MAX_AMOUNT, f"{where}: {value}"
    elif isinstance(value, datetime):
        assert value.utcoffset() == timedelta(0), f"{where}: {value!r} is not aware UTC"
    elif isinstance(value, int) and not isinstance(value, bool):
        assert value >= 0, f"{where}: {value}"


def parse_soundly(case: Case, payload: Any) -> None:
    """Parse `payload` as `case`'s topic: the events are sound, or BadPayload names the field.
    Any other exception propagates: that is the bug."""
    try:
        events = REGISTRY[case.platform].parse(case.topic, payload, SHOP[case.platform])
    except BadPayload as exc:
        assert FIELD_FIRST.match(str(exc)), f"BadPayload message names no field: {exc}"
        return
    assert isinstance(events, list) and events
    for event in events:
        assert isinstance(event, EVENT_TYPES)
        _assert_sound(event, type(event).__name__)
        if isinstance(event, OrderEvent):
            _assert_sound(event.merchandise, "OrderEvent.merchandise")
            for line in event.line_items:
                assert line.unit_price.is_finite()
