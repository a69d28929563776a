"""Pushing rewards to a WooCommerce store: coupons for codes, customer meta for the tier.

Codes are deterministic (DESIGN.md), so a coupon that "already exists" and carries our meta is
the one an earlier, interrupted attempt created: success, never a second coupon. Revoking
deletes a coupon only while it is ours (our meta) and unused.
"""
from __future__ import annotations

from decimal import Decimal

from adapters.base import Credentials, TransportError
from adapters.woocommerce.rest import StoreError, call, client
from rules.redemption import CodeSpec

TIER_META_KEY = "loyalty_tier"
POINTS_META_KEY, TIER_NAME_META_KEY = "loyalty_points", "loyalty_tier_name"
# Marks a coupon as ours (and its coupon.created echo as one to ignore); the value says why it
# was issued: "redemption", "referral", "birthday"...
CODE_META_KEY = "_loyalty_source"
CODE_EXISTS = "woocommerce_rest_coupon_code_already_exists"


def push_tier(credentials: Credentials, customer_ref: str, tag: str | None) -> None:
    """Write the tier tag into the customer's meta (WooCommerce has no customer tags).

    REST cannot delete a meta key, so leaving every tier writes an empty value.
    """
    call(client(credentials), "put", f"customers/{customer_ref}",
         {"meta_data": [{"key": TIER_META_KEY, "value": tag or ""}]})


def push_profile(credentials: Credentials, customer_ref: str, points: int,
                 tier: str | None) -> None:
    call(client(credentials), "put", f"customers/{customer_ref}", {"meta_data": [
        {"key": POINTS_META_KEY, "value": str(points)},
        {"key": TIER_NAME_META_KEY, "value": tier or ""}]})


def _amount(value: Decimal | None) -> str:
    return format(value if value is not None else Decimal(0), "f")  # a string, never a number


def coupon_body(spec: CodeSpec, product_ids: list[int]) -> dict:
    body: dict = {
        "code": spec.code,
        "description": f"Loyalty reward {spec.reward_id}",
        "discount_type": "percent" if spec.type in ("percentage", "free_product") else "fixed_cart",
        "amount": "100" if spec.type == "free_product" else _amount(spec.value),
        "individual_use": True,
        "usage_limit": 1,
        "usage_limit_per_user": 1,
        "free_shipping": spec.type == "free_shipping",
        "meta_data": [{"key": CODE_META_KEY, "value": "redemption"}],
    }
    if spec.email:
        body["email_restrictions"] = [spec.email]
    if spec.expires_at is not None:
        body["date_expires_gmt"] = spec.expires_at.strftime("%Y-%m-%dT%H:%M:%S")
    if spec.min_order is not None:
        body["minimum_amount"] = _amount(spec.min_order)
    if product_ids:
        body["product_ids"] = product_ids
        body["limit_usage_to_x_items"] = 1
    return body


def _product_ids(api, spec: CodeSpec) -> list[int]:
    if spec.type != "free_product":
        return []
    found = call(api, "get", "products", params={"sku": spec.sku}) or []
    if not found:
        raise TransportError(f"free product reward {spec.reward_id}: the store has no product "
                             f"with SKU {spec.sku!r}", permanent=True)
    return [int(found[0]["id"])]


def is_ours(coupon: dict) -> bool:
    # Plugins write all sorts into meta_data: whatever is not a list of objects is not ours.
    meta = coupon.get("meta_data")
    return isinstance(meta, list) and any(
        isinstance(entry, dict) and entry.get("key") == CODE_META_KEY for entry in meta)


def create_code(credentials: Credentials, spec: CodeSpec) -> str:
    """Create the coupon for `spec`; returns its id on the store."""
    api = client(credentials)
    try:
        created = call(api, "post", "coupons", coupon_body(spec, _product_ids(api, spec)))
        return str(created["id"])
    except StoreError as exc:
        if exc.code != CODE_EXISTS:
            raise
    coupon = _find_coupon(api, spec.code)
    if coupon is None:
        raise TransportError(f"the store says coupon {spec.code} exists but does not list it "
                             "(trashed? empty the coupon trash)")
    if is_ours(coupon):
        return str(coupon["id"])
    raise TransportError(f"coupon code {spec.code} is taken on the store by a coupon "
                         "this service did not create", permanent=True)


def _find_coupon(api, code: str) -> dict | None:
    # Codes are unique ignoring case, and WooCommerce stores them lower-cased.
    for coupon in call(api, "get", "coupons", params={"code": code.lower()}) or []:
        if str(coupon.get("code", "")).lower() == code.lower():
            return coupon
    return None


def revoke_code(credentials: Credentials, code: str) -> bool:
    """Delete our unused coupon `code`: True once it is gone, False if a customer already used
    it; a coupon the merchant or another app made is never touched (TransportError)."""
    api = client(credentials)
    coupon = _find_coupon(api, code)
    if coupon is None:
        return True
    if not is_ours(coupon):
        raise TransportError(f"coupon code {code} on the store was not created by this service: "
                             "it was left alone; delete it in WooCommerce if it must go",
                             permanent=True)
    if int(coupon.get("usage_count") or 0) > 0:
        return False
    try:
        # Without force=true WooCommerce 7.9 moves the coupon to the trash yet answers 500.
        call(api, "delete", f"coupons/{coupon['id']}", params={"force": "true"})
    except StoreError as exc:
        if exc.status != 404:  # 404: deleted since we looked, which is what we wanted
            raise
    return True
