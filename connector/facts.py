"""An order's last applied fact, kept as JSON so a refund reported on its own (Shopify
refunds/create carries the refund, not the order) can be applied to the order as it stood."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from decimal import Decimal

from rules.events import LineItem, OrderEvent, OrderStatus

_MONEY = ("shipping", "tax", "discounts", "refunded")
_MOMENTS = ("created_at", "updated_at", "paid_at")


_ORDER_FIELDS = tuple(field.name for field in dataclasses.fields(OrderEvent))
_LINE_FIELDS = tuple(field.name for field in dataclasses.fields(LineItem))


def order_to_json(order: OrderEvent) -> str:
    # Fields read one level deep (dataclasses.asdict deep-copies every value: about 4% of
    # the worker's time on a fact written once per delivery).
    data = {name: getattr(order, name) for name in _ORDER_FIELDS}
    data["status"] = order.status.value
    for key in _MONEY:
        data[key] = str(data[key])
    for key in _MOMENTS:
        data[key] = data[key].isoformat() if data[key] is not None else None
    data["line_items"] = [{name: getattr(line, name) for name in _LINE_FIELDS}
                          | {"total": str(line.total)} for line in order.line_items]
    data["discount_codes"] = list(order.discount_codes)
    return json.dumps(data, sort_keys=True)


def order_from_json(text: str) -> OrderEvent:
    data = json.loads(text)
    data["status"] = OrderStatus(data["status"])
    for key in _MONEY:
        data[key] = Decimal(data[key])
    for key in _MOMENTS:
        data[key] = datetime.fromisoformat(data[key]) if data[key] is not None else None
    data["line_items"] = tuple(LineItem(**dict(line, total=Decimal(line["total"])))
                               for line in data["line_items"])
    data["discount_codes"] = tuple(data["discount_codes"])
    return OrderEvent(**data)
