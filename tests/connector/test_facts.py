"""An order's last applied fact is kept as JSON (connector.facts): read back, it is the same
fact, every field and type, or a refund reported on its own would be applied to another order."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from adapters import REGISTRY
from connector.facts import order_from_json, order_to_json
from rules.events import LineItem, OrderEvent, OrderStatus
from tests.e2e.workload import unique_deliveries

AT = datetime(2026, 11, 23, 4, 0, 20, 123456, tzinfo=UTC)


def test_every_field_of_a_fact_survives_the_json():
    fact = OrderEvent(
        platform="shopify", shop_ref="bench.myshopify.com", order_id="820982911946154508",
        customer_ref="115310627314723954", email="ann@example.com", currency="EUR",
        status=OrderStatus.FULFILLED, created_at=AT, updated_at=AT, paid_at=None,
        line_items=(LineItem("MUG", "632910392", 2, Decimal("19.90"), "Mug"),
                    LineItem(None, None, 1, Decimal("0.10"))),
        shipping=Decimal("4.95"), tax=Decimal("3.17"), discounts=Decimal("1.00"),
        discount_codes=("SPRING", "REF-ANN"), referral_code="ABCD2345",
        refunded=Decimal("0.10"), channel="pos", test=True, ip_digest="ip#",
        address_digest="addr#", payment_digest="card#")
    text = order_to_json(fact)
    assert order_from_json(text) == fact
    stored = json.loads(text)
    assert stored["line_items"][0] == {"sku": "MUG", "product_id": "632910392", "quantity": 2,
                                       "total": "19.90", "name": "Mug"}
    assert (stored["refunded"], stored["updated_at"]) == ("0.10", AT.isoformat())


def test_the_facts_of_a_busy_day_read_back_unchanged():
    facts = [event for delivery in unique_deliveries(30)
             for event in REGISTRY["woocommerce"].parse(
                 delivery.headers["X-WC-Webhook-Topic"], json.loads(delivery.body), "http://s/")
             if isinstance(event, OrderEvent)]
    assert len(facts) > 30
    assert [order_from_json(order_to_json(fact)) for fact in facts] == facts
