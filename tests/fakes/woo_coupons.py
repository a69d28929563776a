"""Coupon routes of the fake WooCommerce REST API, behaving like WooCommerce 7.9.

Codes are lower-cased on save and unique ignoring case; `amount`, `minimum_amount` and
`maximum_amount` must be strings (stored as sent); fields outside the coupon schema are ignored;
deleting without `force=true` trashes the coupon yet answers 500, an unknown id is a 404
`woocommerce_rest_shop_coupon_invalid_id`; batches take at most 100 items and report per-item
errors inside a 200. `usage_count` (0 on a new coupon) and `used_by` are read-only over REST:
tests mark a coupon used by setting them on its record in `fake.coupons`.
"""
from __future__ import annotations

import copy

from tests.fakes.woo_api import (
    Reply,
    WooError,
    batch,
    bool_param,
    choice_param,
    date_param,
    get_item,
    invalid_param,
    links,
    missing_params,
    now,
    paginate,
    upsert_meta,
)

DISCOUNT_TYPES = ("percent", "fixed_cart", "fixed_product")
COUPON_DEFAULTS = {
    "amount": "0.00", "discount_type": "fixed_cart", "description": "", "date_expires": None,
    "date_expires_gmt": None, "usage_count": 0, "individual_use": False, "product_ids": [],
    "excluded_product_ids": [], "usage_limit": None, "usage_limit_per_user": None,
    "limit_usage_to_x_items": None, "free_shipping": False, "product_categories": [],
    "excluded_product_categories": [], "exclude_sale_items": False, "minimum_amount": "0.00",
    "maximum_amount": "0.00", "email_restrictions": [], "used_by": [], "meta_data": [],
}
COUPON_READ_ONLY = {"usage_count", "used_by"}


def _save_coupon(fake, coupon: dict, body) -> dict:
    """Validate `body` and apply it to `coupon` (a new one has no id yet); return the coupon."""
    if not isinstance(body, dict):
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
    if "id" not in coupon and not body.get("code"):
        raise missing_params("code")
    for name in ("amount", "minimum_amount", "maximum_amount"):
        if name in body and not isinstance(body[name], str):
            raise invalid_param(name, f"{name} is not of type string.")
    if "discount_type" in body:
        choice_param(body, "discount_type", "fixed_cart", DISCOUNT_TYPES)
    if "code" in body:
        code = str(body["code"]).strip().lower()
        if any(c.get("code") == code and c.get("id") != coupon.get("id")
               for c in fake.coupons.values()):
            raise WooError(400, "woocommerce_rest_coupon_code_already_exists",
                           "The coupon code already exists")
    updated = copy.deepcopy(coupon)
    for name, value in body.items():
        if name == "code":
            updated["code"] = str(value).strip().lower()
        elif name == "email_restrictions":
            updated[name] = [str(email).strip().lower() for email in value or []]
        elif name in ("date_expires", "date_expires_gmt"):
            date = date_param({name: value}, name) if value else None
            updated["date_expires"] = updated["date_expires_gmt"] = (
                date.strftime("%Y-%m-%dT%H:%M:%S") if date else None)
        elif name == "meta_data":
            updated["meta_data"] = upsert_meta(fake, updated.get("meta_data", []), value)
        elif name in COUPON_DEFAULTS and name not in COUPON_READ_ONLY:
            updated[name] = copy.deepcopy(value)
    stamp = now()
    if "id" not in updated:
        coupon_id = fake.next_id("post")
        updated = {"id": coupon_id, "code": updated["code"], "status": "publish",
                   "date_created": stamp, "date_created_gmt": stamp, **updated,
                   "_links": links(fake, "coupons", coupon_id)}
    updated["date_modified"] = updated["date_modified_gmt"] = stamp
    fake.coupons[updated["id"]] = updated
    return copy.deepcopy(updated)


def coupons_list(fake, request):
    code = request.params.get("code", "").strip().lower()
    found = [copy.deepcopy(c) for _, c in sorted(fake.coupons.items(), reverse=True)
             if not code or c.get("code") == code]
    return paginate(fake, request, found)


def coupons_create(fake, request):
    return Reply(201, _save_coupon(fake, copy.deepcopy(COUPON_DEFAULTS), request.body))


def coupons_get(fake, request, item_id):
    return Reply(200, copy.deepcopy(get_item(fake.coupons, item_id,
                                         "woocommerce_rest_shop_coupon_invalid_id")))


def coupons_update(fake, request, item_id):
    coupon = get_item(fake.coupons, item_id, "woocommerce_rest_shop_coupon_invalid_id", 400)
    return Reply(200, _save_coupon(fake, coupon, request.body))


def _delete_coupon(fake, item_id, force: bool) -> dict:
    coupon = get_item(fake.coupons, item_id, "woocommerce_rest_shop_coupon_invalid_id")
    del fake.coupons[coupon["id"]]
    if not force:  # 7.9 trashes the coupon, then reports a failure
        raise WooError(500, "woocommerce_rest_cannot_delete",
                       "The shop_coupon cannot be deleted.")
    return copy.deepcopy(coupon)


def coupons_delete(fake, request, item_id):
    return Reply(200, _delete_coupon(fake, item_id, bool_param(request.params, "force")))


def coupons_batch(fake, request):
    def update(item):
        item_id = item.get("id") if isinstance(item, dict) else None
        coupon = get_item(fake.coupons, item_id, "woocommerce_rest_shop_coupon_invalid_id", 400)
        return _save_coupon(fake, coupon, {k: v for k, v in item.items() if k != "id"})

    return batch(request, lambda item: _save_coupon(fake, copy.deepcopy(COUPON_DEFAULTS), item),
                 update, lambda item_id: _delete_coupon(fake, item_id, True))
