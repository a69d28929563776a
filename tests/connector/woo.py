"""Posting captured (or edited, re-signed) WooCommerce deliveries in tests."""
from __future__ import annotations

import json

from tests.support import load_woo_fixture, woo_signature

ORDER_FIXTURES = ("04", "06", "07")  # paid (processing), completed, partial refund of 10.00


def fixture_delivery(name: str) -> tuple[bytes, dict[str, str]]:
    delivery = load_woo_fixture(name)
    return delivery["body"].encode(), dict(delivery["headers"])


def edited_delivery(name: str, **changes) -> tuple[bytes, dict[str, str]]:
    """A fixture's body with some fields changed, re-signed with the test secret."""
    body, headers = fixture_delivery(name)
    payload = json.loads(body)
    payload.update(changes)
    raw = json.dumps(payload).encode()
    headers = dict(headers, **{"X-WC-Webhook-Signature": woo_signature(raw),
                               "Content-Length": str(len(raw))})
    return raw, headers


def full_refund_delivery() -> tuple[bytes, dict[str, str]]:
    """Order 13 refunded in full after the partial refund (status `refunded`)."""
    return edited_delivery("07", status="refunded", date_modified_gmt="2026-11-23T03:58:00",
                           refunds=[{"id": 15, "reason": "", "total": "-51.25"},
                                    {"id": 14, "reason": "Damaged mug", "total": "-10.00"}])


def post(client, shop_id: int, body: bytes, headers: dict[str, str]):
    return client.post(f"/webhooks/woocommerce/{shop_id}", data=body, headers=headers)
