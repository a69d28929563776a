"""Shopify orders for import tests: a webhook-shaped order (the REST JSON the orders webhooks
carry) rewritten as the Admin GraphQL Order node the `orders` query returns, and a generator
of varied paid, refunded and cancelled orders built from fixture 03."""
from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.support import shopify_delivery

FINANCIAL = {"paid": "PAID", "partially_refunded": "PARTIALLY_REFUNDED", "refunded": "REFUNDED",
             "pending": "PENDING", "voided": "VOIDED", "authorized": "AUTHORIZED"}


def _money(bag: dict | None, plain: str | None = None) -> dict:
    amount = ((bag or {}).get("shop_money") or {}).get("amount", plain)
    currency = ((bag or {}).get("shop_money") or {}).get("currency_code", "EUR")
    return {"shopMoney": {"amount": amount, "currencyCode": currency}}


def _address(address: dict | None) -> dict | None:
    if not address:
        return None
    return {"address1": address.get("address1"), "address2": address.get("address2"),
            "zip": address.get("zip"), "countryCodeV2": address.get("country_code")}


def graphql_order(order: dict) -> dict:
    customer = order.get("customer")
    return {
        "id": f"gid://shopify/Order/{order['id']}", "legacyResourceId": str(order["id"]),
        "email": order.get("email"), "createdAt": order.get("created_at"),
        "updatedAt": order.get("updated_at"), "processedAt": order.get("processed_at"),
        "cancelledAt": order.get("cancelled_at"), "test": order.get("test", False),
        "sourceName": order.get("source_name"), "taxesIncluded": order.get("taxes_included"),
        "displayFinancialStatus": FINANCIAL.get(order.get("financial_status") or "", "PENDING"),
        "displayFulfillmentStatus": ("FULFILLED" if order.get("fulfillment_status") == "fulfilled"
                                     else "UNFULFILLED"),
        "currencyCode": order.get("currency"),
        "discountCodes": [code["code"] for code in order.get("discount_codes") or []],
        "customer": ({"legacyResourceId": str(customer["id"]), "email": customer.get("email")}
                     if customer else None),
        "customAttributes": [{"key": a["name"], "value": a["value"]}
                             for a in order.get("note_attributes") or []],
        "customerJourneySummary": {"firstVisit": {"landingPage": order.get("landing_site")}},
        "clientIp": order.get("browser_ip"),
        "shippingAddress": _address(order.get("shipping_address")),
        "billingAddress": _address(order.get("billing_address")),
        "totalTaxSet": _money(order.get("total_tax_set"), order.get("total_tax")),
        "totalDiscountsSet": _money(order.get("total_discounts_set"),
                                    order.get("total_discounts")),
        "shippingLines": {"nodes": [{"originalPriceSet": _money(line.get("price_set"),
                                                                line.get("price"))}
                                    for line in order.get("shipping_lines") or []]},
        "lineItems": {"nodes": [{
            "id": f"gid://shopify/LineItem/{line['id']}", "sku": line.get("sku"),
            "name": line.get("name"), "quantity": line["quantity"],
            "isGiftCard": line.get("gift_card", False),
            "product": ({"legacyResourceId": str(line["product_id"])}
                        if line.get("product_id") else None),
            "originalUnitPriceSet": _money(line.get("price_set"), line.get("price")),
            "discountAllocations": [{"allocatedAmountSet": _money(a.get("amount_set"),
                                                                  a.get("amount"))}
                                    for a in line.get("discount_allocations") or []],
            "taxLines": [{"priceSet": _money(t.get("price_set"), t.get("price"))}
                         for t in line.get("tax_lines") or []],
        } for line in order.get("line_items") or []]},
        "refunds": [{"id": f"gid://shopify/Refund/{refund['id']}",
                     "createdAt": refund.get("created_at"),
                     "refundLineItems": {"nodes": [{
                         "lineItem": {"id": f"gid://shopify/LineItem/{item['line_item_id']}"},
                         "subtotalSet": _money(item.get("subtotal_set"),
                                               str(item.get("subtotal")))}
                         for item in refund.get("refund_line_items") or []]}}
                    for refund in order.get("refunds") or []],
    }


def make_shopify_orders(count: int, seed: int = 0, customers: int = 20) -> list[dict]:
    """Webhook-shaped orders: fixture 03's body with new ids, buyers, prices and times; some
    refunded in part or in full, some cancelled, some still pending."""
    rng = random.Random(seed)
    template = json.loads(shopify_delivery("03")[0])
    moment = datetime(2026, 10, 1, tzinfo=UTC)
    orders = []
    for n in range(count):
        moment += timedelta(minutes=rng.randint(5, 600))
        order = json.loads(json.dumps(template))
        buyer = rng.randint(1, customers)
        order.update(id=6000 + n, email=f"buyer{buyer}@example.com",
                     created_at=moment.isoformat(), processed_at=moment.isoformat(),
                     updated_at=(moment + timedelta(minutes=rng.randint(0, 90))).isoformat())
        order["customer"] = dict(order["customer"], id=8000 + buyer,
                                 email=f"buyer{buyer}@example.com")
        for line in order["line_items"]:
            price = f"{Decimal(rng.randint(500, 9000)) / 100:.2f}"
            line["price"] = line["price_set"]["shop_money"]["amount"] = price
        status = rng.choices(["paid", "partially_refunded", "refunded", "pending", "voided"],
                             [70, 10, 5, 10, 5])[0]
        order["financial_status"] = status
        if status in ("partially_refunded", "refunded"):
            line = order["line_items"][-1 if status == "partially_refunded" else 0]
            amount = line["price_set"]["shop_money"]["amount"]
            order["refunds"] = [{"id": 90000 + n, "created_at": order["updated_at"],
                                 "refund_line_items": [{
                                     "line_item_id": line["id"], "quantity": 1,
                                     "subtotal": float(amount),
                                     "subtotal_set": {"shop_money": {"amount": amount,
                                                                     "currency_code": "EUR"}}}]}]
        if status == "voided":
            order["cancelled_at"] = order["updated_at"]
        orders.append(order)
    return orders
