"""Deterministic, realistic WooCommerce 7.9 order bodies (customers: see `woo_customers`).

Shaped like the captured fixture `04-order.created-paid-customer-coupon.json`: money as
two-decimal strings computed with `Decimal`, `line_items[].price` a JSON number,
`coupon_lines[].discount` unpadded, dates in WooCommerce's offset-less format (the store runs
on UTC, so local and `_gmt` dates are equal).

Invariants of every generated order (checked by the tests):
    Σ line_items[].total + shipping_total == total - total_tax
    discount_total == Σ (line subtotal - line total)
    total_tax == cart_tax + shipping_tax
    date_created_gmt <= date_modified_gmt, ids and date_created ascending together
"""
from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tests.fakes.woo_customers import (
    STORE_URL,
    address,
    customer_email,
    customer_ids,
    make_customer,
    make_customers,
    profile_for,
    wc_date,
)

__all__ = ["FIRST_ORDER_ID", "STORE_URL", "customer_email", "customer_ids", "make_customer",
           "make_customers", "make_orders"]

FIRST_ORDER_ID = 1000
CENT = Decimal("0.01")

# product_id, name, sku, unit price (excluding tax)
PRODUCTS = (
    (10, "Coffee Beans 1kg", "BEANS-1KG", Decimal("25.00")),
    (11, "Ceramic Mug", "MUG-01", Decimal("12.50")),
    (12, "Espresso Cups (set of 2)", "CUPS-2", Decimal("18.90")),
    (13, "Pour-over Kit", "POUR-KIT", Decimal("39.00")),
    (14, "Paper Filters x100", "FILTER-100", Decimal("4.95")),
    (15, "Tea Sampler", "TEA-SAMPLER", Decimal("14.20")),
    (16, "Hand Grinder", "GRINDER-M", Decimal("89.00")),
    (17, "Decaf Beans 500g", "DECAF-500", Decimal("11.75")),
)
# code, discount_type, amount; their ids are post ids below the generated orders
COUPONS = (("welcome10", "percent", Decimal(10)), ("save5", "fixed_cart", Decimal(5)),
           ("loy-7k2m9q", "fixed_cart", Decimal(10)))
COUPON_IDS = {"welcome10": 900, "save5": 901, "loy-7k2m9q": 902}
STATUS_WEIGHTS = {"processing": 37, "completed": 33, "pending": 8, "on-hold": 8,
                  "cancelled": 6, "failed": 5, "refunded": 3}
GATEWAYS = {"stripe": "Credit Card (Stripe)", "paypal": "PayPal", "cod": "Cash on delivery",
            "bacs": "Direct bank transfer"}
USER_AGENTS = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0",
)
FLAT_RATE = Decimal("4.90")
FREE_SHIPPING_FROM = Decimal("60.00")
PARTIAL_REFUND_SHARE = 1 / 7  # of processing/completed orders: ~10% of all orders


def money(value: Decimal) -> str:
    """WooCommerce's two-decimal money string."""
    return str(value.quantize(CENT, ROUND_HALF_UP))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _unpadded(value: Decimal) -> str:
    """`coupon_lines[].discount` style: "6.25", "5", "0"."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


class _Ids:
    """Order item ids and meta ids are global sequences in WooCommerce."""

    def __init__(self, first_refund_id: int):
        self.item, self.meta, self.refund = 0, 100_000, first_refund_id - 1

    def next_item(self) -> int:
        self.item += 1
        return self.item

    def next_meta(self) -> int:
        self.meta += 1
        return self.meta

    def next_refund(self) -> int:
        self.refund += 1
        return self.refund


def make_orders(count: int, seed: int = 0, start: datetime = datetime(2026, 1, 5, tzinfo=UTC),
                customers: int = 40, *, store_url: str = STORE_URL) -> list[dict]:
    """`count` orders with ids FIRST_ORDER_ID.., created in ascending order after `start`.

    About 70% processing/completed (a seventh of those with a partial refund), some pending,
    on-hold, cancelled, failed, ~3% fully refunded; ~15% guests (customer_id 0). Registered
    buyers come from `customer_ids(customers)` with `customer_email(id)`.
    """
    rng = random.Random(seed)
    ids = _Ids(first_refund_id=FIRST_ORDER_ID + count)
    pool = customer_ids(customers)
    guests = max(5, customers // 3)
    moment = start.astimezone(UTC)
    orders = []
    for n in range(count):
        moment += timedelta(seconds=rng.randint(5 * 60, 4 * 3600))
        if rng.random() < 0.15:
            guest = rng.randint(1, guests)
            buyer = (0, f"guest{guest}@example.net", profile_for(f"guest-{guest}"))
        else:
            cid = rng.choice(pool)
            buyer = (cid, customer_email(cid), profile_for(f"customer-{cid}"))
        orders.append(_make_order(rng, ids, FIRST_ORDER_ID + n, moment, buyer, store_url))
    return orders


def _make_lines(rng: random.Random, ids: _Ids, rate: int | None, rate_id: int):
    picked = rng.sample(PRODUCTS, rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0])
    lines = []
    for product_id, name, sku, price in picked:
        quantity = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        lines.append({"id": ids.next_item(), "name": name, "product_id": product_id,
                      "variation_id": 0, "quantity": quantity, "tax_class": "",
                      "subtotal": price * quantity, "sku": sku})
    subtotal = sum(line["subtotal"] for line in lines)
    coupon = rng.choice(COUPONS) if rng.random() < 0.2 and subtotal >= 20 else None
    discounts = _discounts(coupon, [line["subtotal"] for line in lines])
    for line, discount in zip(lines, discounts):
        line["total"] = line["subtotal"] - discount
        line["subtotal_tax"] = _round(line["subtotal"] * rate / 100) if rate else Decimal(0)
        line["total_tax"] = _round(line["total"] * rate / 100) if rate else Decimal(0)
    return lines, coupon, discounts


def _discounts(coupon, subtotals: list[Decimal]) -> list[Decimal]:
    if coupon is None:
        return [Decimal(0)] * len(subtotals)
    _, kind, amount = coupon
    if kind == "percent":
        return [_round(sub * amount / 100) for sub in subtotals]
    whole = sum(subtotals)  # fixed_cart: split by share, the rounding rest on the last line
    shares = [_round(amount * sub / whole) for sub in subtotals[:-1]]
    return shares + [amount - sum(shares)]


def _format_line(line: dict, rate_id: int) -> dict:
    taxes = ([{"id": rate_id, "total": _unpadded(line["total_tax"]),
               "subtotal": _unpadded(line["subtotal_tax"])}] if line["total_tax"] else [])
    return {"id": line["id"], "name": line["name"], "product_id": line["product_id"],
            "variation_id": 0, "quantity": line["quantity"], "tax_class": "",
            "subtotal": money(line["subtotal"]), "subtotal_tax": money(line["subtotal_tax"]),
            "total": money(line["total"]), "total_tax": money(line["total_tax"]),
            "taxes": taxes, "meta_data": [], "sku": line["sku"],
            "price": float(line["total"] / line["quantity"]),
            "image": {"id": "", "src": ""}, "parent_name": None}


def _timeline(rng: random.Random, status: str, created: datetime) -> dict:
    """Payment method and the paid/completed/modified moments for a status."""
    def later(low: int, high: int, base: datetime) -> datetime:
        return base + timedelta(seconds=rng.randint(low, high))

    paid = completed = None
    if status in ("pending", "failed"):
        method = rng.choice(("stripe", "paypal"))
        modified = later(2, 180, created)
    elif status == "on-hold":
        method, modified = "bacs", later(1, 5, created)
    elif status == "cancelled":
        method, modified = rng.choice(("bacs", "stripe")), later(3600, 5400, created)
    else:  # processing, completed, refunded: the order was paid
        method = (rng.choice(("stripe", "paypal")) if status == "refunded" else
                  rng.choices(("stripe", "paypal", "cod", "bacs"), weights=(55, 25, 10, 10))[0])
        if method in ("stripe", "paypal"):
            paid = later(5, 60, created)
        elif method == "bacs":
            paid = later(2 * 3600, 2 * 86400, created)
        modified = paid or later(1, 5, created)
        if status == "completed" or (status == "refunded" and rng.random() < 0.5):
            completed = later(86400, 4 * 86400, modified)
            paid = paid or completed  # cash on delivery is paid when completed
            modified = completed
    return {"method": method, "paid": paid, "completed": completed, "modified": modified}


def _make_order(rng, ids: _Ids, order_id: int, created: datetime, buyer, store_url: str) -> dict:
    customer_id, email, profile = buyer
    country = profile["country"]
    rate, tax_label, rate_id = country.vat, country.tax_label, country.rate_id
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    lines, coupon, discounts = _make_lines(rng, ids, rate, rate_id)
    items_total = sum(line["total"] for line in lines)
    shipping = Decimal("0.00") if items_total >= FREE_SHIPPING_FROM else FLAT_RATE
    shipping_tax = _round(shipping * rate / 100) if rate else Decimal(0)
    cart_tax = sum(line["total_tax"] for line in lines)
    total_tax = cart_tax + shipping_tax
    total = items_total + shipping + total_tax
    times = _timeline(rng, status, created)
    refunds = []
    partial = status in ("processing", "completed") and rng.random() < PARTIAL_REFUND_SHARE
    if status == "refunded" or partial:
        times["modified"] += timedelta(seconds=rng.randint(3600, 10 * 86400))
        if status == "refunded":
            amount, reason = total, rng.choice(("", "Order cancelled by customer"))
        else:
            line = rng.choice(lines)
            amount = line["total"] + line["total_tax"] if len(lines) > 1 else _round(total / 4)
            reason = rng.choice(("Damaged item", "Goodwill", ""))
        refunds.append({"id": ids.next_refund(), "reason": reason, "total": money(-amount)})
    order_key = "wc_order_" + "".join(rng.choices(string.ascii_letters + string.digits, k=13))
    method = times["method"]
    transaction_id = ""
    if times["paid"] and method == "stripe":
        transaction_id = "ch_" + "".join(rng.choices(string.ascii_letters + string.digits, k=24))
    elif times["paid"] and method == "paypal":
        transaction_id = "".join(rng.choices(string.ascii_uppercase + string.digits, k=17))
    meta = [{"id": ids.next_meta(), "key": "is_vat_exempt", "value": "no"}]
    if rng.random() < 0.05:
        meta.append({"id": ids.next_meta(), "key": "referral_code",
                     "value": f"REF-{rng.randint(100, 999)}"})
    shipping_line = {
        "id": ids.next_item(),
        "method_title": "Flat rate" if shipping else "Free shipping",
        "method_id": "flat_rate" if shipping else "free_shipping",
        "instance_id": "1" if shipping else "2", "total": money(shipping),
        "total_tax": money(shipping_tax),
        "taxes": [{"id": rate_id, "total": _unpadded(shipping_tax), "subtotal": ""}]
        if shipping_tax else [], "meta_data": []}
    tax_lines = ([{"id": ids.next_item(), "rate_code": f"{country.code}-{tax_label}-1",
                   "rate_id": rate_id, "label": tax_label, "compound": False,
                   "tax_total": money(cart_tax), "shipping_tax_total": money(shipping_tax),
                   "rate_percent": rate, "meta_data": []}] if rate else [])
    links = {"self": [{"href": f"{store_url}wp-json/wc/v3/orders/{order_id}"}],
             "collection": [{"href": f"{store_url}wp-json/wc/v3/orders"}]}
    if customer_id:
        links["customer"] = [{"href": f"{store_url}wp-json/wc/v3/customers/{customer_id}"}]
    return {
        "id": order_id, "parent_id": 0, "status": status, "currency": "EUR",
        "version": "7.9.0", "prices_include_tax": False,
        "date_created": wc_date(created), "date_modified": wc_date(times["modified"]),
        "discount_total": money(sum(discounts)),
        "discount_tax": money(sum(line["subtotal_tax"] - line["total_tax"] for line in lines)),
        "shipping_total": money(shipping), "shipping_tax": money(shipping_tax),
        "cart_tax": money(cart_tax), "total": money(total), "total_tax": money(total_tax),
        "customer_id": customer_id, "order_key": order_key,
        "billing": address(profile, email), "shipping": address(profile, None),
        "payment_method": method, "payment_method_title": GATEWAYS[method],
        "transaction_id": transaction_id,
        "customer_ip_address": f"198.51.100.{rng.randint(2, 254)}",
        "customer_user_agent": rng.choice(USER_AGENTS), "created_via": "checkout",
        "customer_note": "", "date_completed": wc_date(times["completed"]),
        "date_paid": wc_date(times["paid"]), "cart_hash": f"{rng.getrandbits(128):032x}",
        "number": str(order_id), "meta_data": meta,
        "line_items": [_format_line(line, rate_id) for line in lines],
        "tax_lines": tax_lines, "shipping_lines": [shipping_line], "fee_lines": [],
        "coupon_lines": _coupon_lines(ids, coupon, sum(discounts), lines),
        "refunds": refunds,
        "payment_url": f"{store_url}checkout/order-pay/{order_id}/?pay_for_order=true"
                       f"&key={order_key}",
        "is_editable": status in ("pending", "on-hold"),
        "needs_payment": status in ("pending", "failed") and total > 0,
        "needs_processing": True,
        "date_created_gmt": wc_date(created), "date_modified_gmt": wc_date(times["modified"]),
        "date_completed_gmt": wc_date(times["completed"]),
        "date_paid_gmt": wc_date(times["paid"]),
        "currency_symbol": "€", "_links": links,
    }


def _coupon_lines(ids: _Ids, coupon, discount: Decimal, lines: list[dict]) -> list[dict]:
    if coupon is None:
        return []
    code, kind, amount = coupon
    discount_tax = sum(line["subtotal_tax"] - line["total_tax"] for line in lines)
    snapshot = {"id": COUPON_IDS[code], "code": code, "amount": _unpadded(amount),
                "status": "publish", "discount_type": kind, "description": "",
                "usage_count": 0, "individual_use": False, "product_ids": [],
                "excluded_product_ids": [], "usage_limit": None, "usage_limit_per_user": None,
                "limit_usage_to_x_items": None, "free_shipping": False,
                "product_categories": [], "excluded_product_categories": [],
                "exclude_sale_items": False, "minimum_amount": "", "maximum_amount": "",
                "email_restrictions": [], "virtual": False, "meta_data": []}
    meta = {"id": ids.next_meta(), "key": "coupon_data", "value": snapshot,
            "display_key": "coupon_data", "display_value": dict(snapshot)}
    return [{"id": ids.next_item(), "code": code, "discount": _unpadded(discount),
             "discount_tax": _unpadded(discount_tax), "meta_data": [meta]}]
