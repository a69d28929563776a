"""A WooCommerce customer body (customer.created, customer.updated) as one CustomerEvent.

Our own tier writes to customer meta come back as customer.updated; the event carries no points,
so the echo is harmless.
"""

from __future__ import annotations

from typing import Any

from adapters.base import BadPayload
from adapters.woocommerce.payload import Payload
from rules.events import CustomerChange, CustomerEvent, normalise_email

PLATFORM = "woocommerce"

CHANGES = {
    "customer.created": CustomerChange.CREATED,
    "customer.updated": CustomerChange.UPDATED,
}


def customer_event(topic: str, payload: Any, shop_ref: str) -> CustomerEvent:
    customer = Payload.root(payload, "customer")
    occurred_at = customer.moment_or_none("date_modified_gmt") or customer.moment_or_none(
        "date_created_gmt"
    )
    if occurred_at is None:
        raise BadPayload("date_modified_gmt: missing (and no date_created_gmt either)")
    return CustomerEvent(
        platform=PLATFORM,
        shop_ref=shop_ref,
        customer_ref=customer.ident("id"),
        change=CHANGES[topic],
        occurred_at=occurred_at,
        email=normalise_email(customer.text_or_none("email")),
        first_name=customer.text_or_none("first_name") or None,
        last_name=customer.text_or_none("last_name") or None,
    )
