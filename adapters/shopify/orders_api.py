"""Reading a store's orders back through the Admin GraphQL API (import and reconcile).

Pages of `orders(query: "updated_at:>'…'", sortKey: UPDATED_AT)` are turned into the shape the
orders webhooks carry, so the same parser (adapters.shopify.orders) makes the same events and
an imported order leaves the same ledger as a delivered one. `read_orders` sees the last 60
days only; older history needs the `read_all_orders` scope.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from adapters.base import Credentials, OrderPage
from adapters.shopify.admin import AdminAPI

PAGE_SIZE = 50
_MONEY = "shopMoney { amount currencyCode }"
_ADDRESS = "address1 address2 zip countryCodeV2"
ORDERS = f"""query orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id legacyResourceId email createdAt updatedAt processedAt cancelledAt test sourceName
      taxesIncluded displayFinancialStatus displayFulfillmentStatus currencyCode discountCodes
      customer {{ legacyResourceId email }} clientIp
      shippingAddress {{ {_ADDRESS} }} billingAddress {{ {_ADDRESS} }}
      customAttributes {{ key value }}
      customerJourneySummary {{ firstVisit {{ landingPage }} }}
      totalTaxSet {{ {_MONEY} }} totalDiscountsSet {{ {_MONEY} }}
      shippingLines(first: 20) {{ nodes {{ originalPriceSet {{ {_MONEY} }} }} }}
      lineItems(first: 250) {{ nodes {{
        id sku name quantity isGiftCard product {{ legacyResourceId }}
        originalUnitPriceSet {{ {_MONEY} }}
        discountAllocations {{ allocatedAmountSet {{ {_MONEY} }} }}
        taxLines {{ priceSet {{ {_MONEY} }} }} }} }}
      refunds {{ id createdAt refundLineItems(first: 250) {{ nodes {{
        lineItem {{ id }} subtotalSet {{ {_MONEY} }} }} }} }}
    }}
  }}
}}"""


def _tail(gid: str | None) -> int | None:
    return int(str(gid).rsplit("/", 1)[-1]) if gid else None


def _amount(bag: dict | None) -> dict:
    money = (bag or {}).get("shopMoney") or {}
    return {"shop_money": {"amount": money.get("amount"),
                           "currency_code": money.get("currencyCode")}}


def _nodes(connection: dict | list | None) -> list[dict]:
    if isinstance(connection, list):
        return connection
    return list((connection or {}).get("nodes") or [])


def webhook_shape(node: dict) -> dict:
    """A GraphQL Order node as the orders webhooks carry it (the fields the parser reads)."""
    customer = node.get("customer")
    status = str(node.get("displayFinancialStatus") or "").lower() or None
    landing = ((node.get("customerJourneySummary") or {}).get("firstVisit") or {}).get(
        "landingPage")
    return {
        "id": _tail(node.get("id")) or int(node["legacyResourceId"]),
        "email": node.get("email"),
        "customer": ({"id": int(customer["legacyResourceId"]), "email": customer.get("email")}
                     if customer and customer.get("legacyResourceId") else None),
        "currency": node.get("currencyCode"),
        "financial_status": status,
        "fulfillment_status": ("fulfilled" if node.get("displayFulfillmentStatus") == "FULFILLED"
                               else None),
        "cancelled_at": node.get("cancelledAt"), "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"), "processed_at": node.get("processedAt"),
        "test": node.get("test"), "source_name": node.get("sourceName"),
        "taxes_included": node.get("taxesIncluded"),
        "total_tax_set": _amount(node.get("totalTaxSet")),
        "total_discounts_set": _amount(node.get("totalDiscountsSet")),
        "discount_codes": [{"code": code} for code in node.get("discountCodes") or []],
        "note_attributes": [{"name": a.get("key"), "value": a.get("value")}
                            for a in node.get("customAttributes") or []],
        "landing_site": landing,
        "browser_ip": node.get("clientIp"),
        "shipping_address": _address(node.get("shippingAddress")),
        "billing_address": _address(node.get("billingAddress")),
        "shipping_lines": [{"price_set": _amount(line.get("originalPriceSet"))}
                           for line in _nodes(node.get("shippingLines"))],
        "line_items": [_line(line) for line in _nodes(node.get("lineItems"))],
        "refunds": [{"id": _tail(refund.get("id")), "created_at": refund.get("createdAt"),
                     "refund_line_items": [
                         {"line_item_id": _tail((item.get("lineItem") or {}).get("id")),
                          "subtotal_set": _amount(item.get("subtotalSet"))}
                         for item in _nodes(refund.get("refundLineItems"))]}
                    for refund in node.get("refunds") or []],
    }


def _address(address: dict | None) -> dict | None:
    if not address:
        return None
    return {"address1": address.get("address1"), "address2": address.get("address2"),
            "zip": address.get("zip"), "country_code": address.get("countryCodeV2")}


def _line(line: dict) -> dict:
    product = line.get("product") or {}
    return {
        "id": _tail(line.get("id")), "sku": line.get("sku"), "name": line.get("name"),
        "quantity": line.get("quantity"), "gift_card": line.get("isGiftCard"),
        "product_id": int(product["legacyResourceId"]) if product.get("legacyResourceId")
        else None,
        "price_set": _amount(line.get("originalUnitPriceSet")),
        "discount_allocations": [{"amount_set": _amount(a.get("allocatedAmountSet"))}
                                 for a in line.get("discountAllocations") or []],
        "tax_lines": [{"price_set": _amount(t.get("priceSet"))} for t in line.get("taxLines") or []],
    }


def orders_since(credentials: Credentials, modified_after: datetime) -> Iterator[OrderPage]:
    api = AdminAPI(credentials)
    search = f"updated_at:>'{modified_after.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    cursor: str | None = None
    while True:
        data = api.execute(ORDERS, {"first": PAGE_SIZE, "after": cursor, "query": search},
                           cost=2 + PAGE_SIZE // 10)
        connection = data.get("orders") or {}
        info = connection.get("pageInfo") or {}
        cursor = info.get("endCursor") if info.get("hasNextPage") else None
        yield OrderPage([webhook_shape(node) for node in _nodes(connection)], 0, cursor)
        if cursor is None:
            return
