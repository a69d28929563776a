"""Code discounts of the fake Shopify: `discountCode{Basic,FreeShipping}Create`, lookup by code,
`discountCodeDelete`.

Handlers take `(fake, arguments)` with `fake.lock` held and return the field's value. Codes are
unique across all code discounts ignoring case; `fake.discounts` is keyed by the upper-cased code
and holds the input as given plus "id" and "__typename". Tests mark a code used by setting its
record's "asyncUsageCount" (0 when absent), which the lookup reports.
"""
from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from decimal import Decimal

from tests.fakes.shopify_graphql import parse_datetime

CUSTOMER_GID = re.compile(r"^gid://shopify/Customer/\d+$")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
_LABELS = {"title": "Title", "code": "Code", "context": "Context",
           "customerGets": "Customer gets", "value": "Value", "items": "Items"}


def user_error(field: list | None, message: str, code: str | None = None) -> dict:
    """A `userErrors[]` entry; `code` None gives a plain UserError, which has no "code" key."""
    error = {"field": field, "message": message}
    return error if code is None else {**error, "code": code}


def create_basic(fake, arguments: dict) -> dict:
    return _create(fake, arguments["basicCodeDiscount"], "basicCodeDiscount",
                   "DiscountCodeBasic")


def create_free_shipping(fake, arguments: dict) -> dict:
    return _create(fake, arguments["freeShippingCodeDiscount"], "freeShippingCodeDiscount",
                   "DiscountCodeFreeShipping")


def by_code(fake, arguments: dict) -> dict | None:
    record = fake.discounts.get(arguments["code"].upper())
    return discount_node(record) if record else None


def delete(fake, arguments: dict) -> dict:
    """Remove the code discount whose DiscountCodeNode gid is `id`."""
    for key, record in list(fake.discounts.items()):
        if record["id"] == arguments["id"]:
            del fake.discounts[key]
            return {"deletedCodeDiscountId": record["id"], "userErrors": []}
    return {"deletedCodeDiscountId": None,
            "userErrors": [user_error(["id"], "Discount does not exist", "INVALID")]}


def discount_node(record: dict) -> dict:
    keep = ("title", "startsAt", "endsAt", "usageLimit", "appliesOncePerCustomer",
            "combinesWith", "customerGets", "minimumRequirement", "context")
    discount = {"__typename": record["__typename"], "status": _status(record),
                "asyncUsageCount": record.get("asyncUsageCount", 0), "codes": {"nodes": [{"code": record["code"]}]},
                **{name: copy.deepcopy(record[name]) for name in keep if name in record}}
    return {"id": record["id"], "codeDiscount": discount}


def _create(fake, data: dict, input_name: str, typename: str) -> dict:
    errors = _errors(fake, data, input_name, typename)
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    record = {**copy.deepcopy(data), "id": f"gid://shopify/DiscountCodeNode/"
                                           f"{fake.next_id('DiscountCodeNode')}",
              "__typename": typename}
    fake.discounts[data["code"].upper()] = record
    return {"codeDiscountNode": discount_node(record), "userErrors": []}


def _errors(fake, data: dict, input_name: str, typename: str) -> list[dict]:
    required = ["title", "code", "context"]
    if typename == "DiscountCodeBasic":
        required.append("customerGets")
    errors = []
    for name in required:
        value = data.get(name) or (data.get("customerSelection") if name == "context" else None)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(_blank([input_name, name]))
    code = data.get("code")
    if isinstance(code, str) and len(code) > 255:
        errors.append(user_error([input_name, "code"], "Code is too long (maximum is 255 "
                                                       "characters)", "TOO_LONG"))
    elif isinstance(code, str) and code.strip() and code.upper() in fake.discounts:
        errors.append(user_error([input_name, "code"],
                                 "Code must be unique. Please try a different code.", "TAKEN"))
    for customer in ((data.get("context") or {}).get("customers") or {}).get("add") or []:
        if not isinstance(customer, str) or not CUSTOMER_GID.match(customer):
            errors.append(user_error([input_name, "context", "customers", "add"],
                                     f"Customer {customer!r} does not exist", "INVALID"))
    if isinstance(data.get("customerGets"), dict):
        errors += _customer_gets_errors(data["customerGets"], [input_name, "customerGets"])
    subtotal = ((data.get("minimumRequirement") or {}).get("subtotal") or {})
    if "greaterThanOrEqualToSubtotal" in subtotal:
        errors += _amount_errors(subtotal["greaterThanOrEqualToSubtotal"],
                                 [input_name, "minimumRequirement", "subtotal",
                                  "greaterThanOrEqualToSubtotal"])
    return errors


def _customer_gets_errors(gets: dict, path: list) -> list[dict]:
    errors = [_blank([*path, "items"])] if not gets.get("items") else []
    value = gets.get("value")
    kinds = [k for k in ("percentage", "discountAmount", "discountOnQuantity")
             if isinstance(value, dict) and value.get(k) is not None]
    if not kinds:
        return [*errors, _blank([*path, "value"])]
    if "percentage" in kinds:
        percentage = value["percentage"]
        if (not isinstance(percentage, int | float) or isinstance(percentage, bool)
                or not 0 < percentage <= 1):
            errors.append(user_error([*path, "value", "percentage"],
                                     "Value must be a fraction greater than 0 and at most 1 "
                                     "(0.1 is 10%)", "INVALID"))
    if "discountAmount" in kinds:
        amount = (value["discountAmount"] or {}).get("amount")
        errors += _amount_errors(amount, [*path, "value", "discountAmount", "amount"])
    return errors


def _amount_errors(amount, path: list) -> list[dict]:
    if isinstance(amount, str) and _DECIMAL.match(amount) and Decimal(amount) > 0:
        return []
    return [user_error(path, f"Amount {amount!r} must be a positive decimal string such as "
                             '"10.00"', "INVALID")]


def _blank(path: list) -> dict:
    return user_error(path, f"{_LABELS.get(path[-1], path[-1])} can't be blank", "BLANK")


def _status(record: dict) -> str:
    now = datetime.now(UTC)
    starts, ends = (parse_datetime(record.get(k)) for k in ("startsAt", "endsAt"))
    if starts and starts > now:
        return "SCHEDULED"
    if ends and ends <= now:
        return "EXPIRED"
    return "ACTIVE"
