"""Routes of the fake WooCommerce REST API (wc/v3), behaving like WooCommerce 7.9.

Every handler runs with `fake.lock` held; see `woo_api` for the conventions. Coupons are in
`woo_coupons`.
"""
from __future__ import annotations

import copy
import secrets
from urllib.parse import urlparse

from werkzeug.routing import Map, Rule

from tests.fakes import woo_coupons as coupons
from tests.fakes.woo_api import (
    Reply,
    WooError,
    bool_param,
    choice_param,
    date_param,
    get_item,
    invalid_param,
    links,
    missing_params,
    now,
    object_body,
    paginate,
    parse_wc_date,
    upsert_meta,
)

EDIT = ["POST", "PUT", "PATCH"]
WEBHOOK_STATUSES = ("active", "paused", "disabled")
WEBHOOK_RESOURCES = ("coupon", "customer", "order", "product")
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored")
ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded",
                  "failed", "checkout-draft", "trash")
CUSTOMER_READ_ONLY = {"id", "role", "date_created", "date_created_gmt", "date_modified",
                      "date_modified_gmt", "is_paying_customer", "avatar_url", "_links"}


# -- system status ---------------------------------------------------------------------------

def system_status(fake, request):
    return Reply(200, {"environment": {"home_url": fake.url, "site_url": fake.url,
                                       "version": "7.9.0", "wp_version": "6.1.9"},
                       "settings": {"api_enabled": True, "currency": "EUR",
                                    "currency_symbol": "€"}})


# -- webhooks --------------------------------------------------------------------------------

def _webhook_view(hook: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in hook.items() if k not in ("secret", "pending_delivery")}


def _applied(hook: dict, body: dict) -> dict:
    """`hook` changed by `body`, validated first: a refused change leaves nothing behind."""
    hook = dict(hook)
    if "status" in body:
        hook["status"] = choice_param(body, "status", "active", WEBHOOK_STATUSES)
    if "topic" in body:
        resource, _, event = str(body["topic"]).partition(".")
        if not (resource == "action" and event or
                resource in WEBHOOK_RESOURCES and event in WEBHOOK_EVENTS):
            raise WooError(400, "woocommerce_rest_webhook_invalid_topic",
                           "Webhook topic is required and must be valid.")
        hook.update(topic=body["topic"], resource=resource, event=event)
    if "delivery_url" in body:
        url = urlparse(str(body["delivery_url"]))
        if url.scheme not in ("http", "https") or not url.netloc:
            raise invalid_param("delivery_url", "Invalid URL.")
        hook["delivery_url"] = body["delivery_url"]
    for name in ("name", "secret"):
        if name in body:
            hook[name] = str(body[name])
    hook["date_modified"] = hook["date_modified_gmt"] = now()
    return hook


def webhooks_list(fake, request):
    wanted = choice_param(request.params, "status", "all", ("all", *WEBHOOK_STATUSES))
    hooks = [_webhook_view(h) for _, h in sorted(fake.webhooks.items(), reverse=True)
             if wanted in ("all", h["status"])]
    return paginate(fake, request, hooks)


def webhooks_create(fake, request):
    body = object_body(request)
    missing = [name for name in ("topic", "delivery_url") if not body.get(name)]
    if missing:
        raise missing_params(*missing)
    stamp = now()
    hook = _applied({"id": 0, "name": "", "status": "active", "topic": "", "resource": "",
                     "event": "", "hooks": [], "delivery_url": "", "date_created": stamp,
                     "date_created_gmt": stamp},
                    {**body, "secret": body.get("secret") or secrets.token_urlsafe(38)[:50]})
    hook_id = fake.next_id("webhook")
    hook.update(id=hook_id, name=hook["name"] or f"Webhook created on {stamp}",
                pending_delivery=True, _links=links(fake, "webhooks", hook_id))
    fake.webhooks[hook_id] = hook
    return Reply(201, _webhook_view(hook), ping=[hook_id] if fake.ping_webhooks else [])


def webhooks_get(fake, request, item_id):
    return Reply(200, _webhook_view(get_item(fake.webhooks, item_id,
                                         "woocommerce_rest_webhook_invalid_id")))


def webhooks_update(fake, request, item_id):
    hook = get_item(fake.webhooks, item_id, "woocommerce_rest_webhook_invalid_id")
    updated = _applied(hook, object_body(request))
    if updated["delivery_url"] != hook["delivery_url"]:
        updated["pending_delivery"] = True
    fake.webhooks[hook["id"]] = updated
    ping = fake.ping_webhooks and updated["status"] == "active" and updated["pending_delivery"]
    return Reply(200, _webhook_view(updated), ping=[hook["id"]] if ping else [])


def webhooks_delete(fake, request, item_id):
    if not bool_param(request.params, "force"):
        raise WooError(501, "woocommerce_rest_trash_not_supported",
                       "Webhooks do not support trashing.")
    hook = get_item(fake.webhooks, item_id, "woocommerce_rest_webhook_invalid_id")
    del fake.webhooks[hook["id"]]
    return Reply(200, _webhook_view(hook))


# -- customers -------------------------------------------------------------------------------

def _customer(fake, item_id) -> dict:
    return get_item(fake.customers, item_id, "woocommerce_rest_invalid_id",
                    message="Invalid resource ID.")


def customers_list(fake, request):
    email = request.params.get("email", "").strip().lower()
    role = request.params.get("role", "customer")
    found = [copy.deepcopy(c) for _, c in sorted(fake.customers.items())
             if (not email or str(c.get("email", "")).lower() == email)
             and role in ("all", c.get("role", "customer"))]
    return paginate(fake, request, found)


def customers_get(fake, request, item_id):
    return Reply(200, copy.deepcopy(_customer(fake, item_id)))


def customers_update(fake, request, item_id):
    customer = _customer(fake, item_id)
    body = object_body(request)
    if "username" in body and body["username"] != customer.get("username"):
        raise WooError(400, "woocommerce_rest_customer_invalid_argument",
                       "Username isn't editable.")
    updated = copy.deepcopy(customer)
    for name, value in body.items():
        if name == "meta_data":
            updated["meta_data"] = upsert_meta(fake, updated.get("meta_data", []), value)
        elif name in ("billing", "shipping") and isinstance(value, dict):
            updated[name] = {**updated.get(name, {}), **value}
        elif name not in CUSTOMER_READ_ONLY:  # `role` is ignored, as WooCommerce does
            updated[name] = copy.deepcopy(value)
    updated["date_modified"] = updated["date_modified_gmt"] = now()
    fake.customers[customer["id"]] = updated
    return Reply(200, copy.deepcopy(updated))


# -- orders ----------------------------------------------------------------------------------

def orders_list(fake, request):
    params = request.params
    known = set(ORDER_STATUSES) | {str(o.get("status")) for o in fake.orders.values()}
    wanted = [s.strip() for s in params.get("status", "any").split(",") if s.strip()]
    for status in wanted:
        if status != "any" and status not in known:
            raise invalid_param("status", f"status[0] is not one of {', '.join(sorted(known))}.")
    gmt = "_gmt" if bool_param(params, "dates_are_gmt") else ""
    limits = {(f"date_modified{gmt}", "after"): date_param(params, "modified_after"),
              (f"date_modified{gmt}", "before"): date_param(params, "modified_before"),
              (f"date_created{gmt}", "after"): date_param(params, "after"),
              (f"date_created{gmt}", "before"): date_param(params, "before")}
    customer = params.get("customer")

    def matches(order: dict) -> bool:
        status = order.get("status")
        if not any(status == w or (w == "any" and status != "trash") for w in wanted or ["any"]):
            return False
        if customer is not None and str(order.get("customer_id")) != customer:
            return False
        for (name, side), limit in limits.items():
            value = parse_wc_date(order.get(name)) if limit else None
            if limit and (value is None or (value <= limit if side == "after" else value >= limit)):
                return False
        return True

    orderby = choice_param(params, "orderby", "date",
                           ("date", "modified", "id", "include", "title", "slug"))
    descending = choice_param(params, "order", "desc", ("asc", "desc")) == "desc"
    field = {"date": "date_created_gmt", "modified": "date_modified_gmt"}.get(orderby)
    found = sorted((o for o in fake.orders.values() if matches(o)), reverse=descending,
                   key=lambda o: (str(o.get(field) or "") if field else "", o["id"]))
    return paginate(fake, request, [copy.deepcopy(o) for o in found])


def orders_get(fake, request, item_id):
    return Reply(200, copy.deepcopy(get_item(fake.orders, item_id,
                                         "woocommerce_rest_shop_order_invalid_id")))


# -- products --------------------------------------------------------------------------------

def products_list(fake, request):
    skus = {s.strip() for s in request.params.get("sku", "").split(",") if s.strip()}
    found = [copy.deepcopy(p) for _, p in sorted(fake.products.items(), reverse=True)
             if not skus or p.get("sku") in skus]
    return paginate(fake, request, found)


def products_get(fake, request, item_id):
    return Reply(200, copy.deepcopy(get_item(fake.products, item_id,
                                         "woocommerce_rest_product_invalid_id")))


URLS = Map([
    Rule("/system_status", endpoint=system_status, methods=["GET"]),
    Rule("/webhooks", endpoint=webhooks_list, methods=["GET"]),
    Rule("/webhooks", endpoint=webhooks_create, methods=["POST"]),
    Rule("/webhooks/<int:item_id>", endpoint=webhooks_get, methods=["GET"]),
    Rule("/webhooks/<int:item_id>", endpoint=webhooks_update, methods=EDIT),
    Rule("/webhooks/<int:item_id>", endpoint=webhooks_delete, methods=["DELETE"]),
    Rule("/coupons", endpoint=coupons.coupons_list, methods=["GET"]),
    Rule("/coupons", endpoint=coupons.coupons_create, methods=["POST"]),
    Rule("/coupons/batch", endpoint=coupons.coupons_batch, methods=EDIT),
    Rule("/coupons/<int:item_id>", endpoint=coupons.coupons_get, methods=["GET"]),
    Rule("/coupons/<int:item_id>", endpoint=coupons.coupons_update, methods=EDIT),
    Rule("/coupons/<int:item_id>", endpoint=coupons.coupons_delete, methods=["DELETE"]),
    Rule("/customers", endpoint=customers_list, methods=["GET"]),
    Rule("/customers/<int:item_id>", endpoint=customers_get, methods=["GET"]),
    Rule("/customers/<int:item_id>", endpoint=customers_update, methods=EDIT),
    Rule("/orders", endpoint=orders_list, methods=["GET"]),
    Rule("/orders/<int:item_id>", endpoint=orders_get, methods=["GET"]),
    Rule("/products", endpoint=products_list, methods=["GET"]),
    Rule("/products/<int:item_id>", endpoint=products_get, methods=["GET"]),
], strict_slashes=False)
