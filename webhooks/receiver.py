"""HTTP glue for webhook deliveries: read the raw body, hand it to the connector, answer JSON."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from connector import telemetry
from connector.receiving import Receipt, receive

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger("loyalty.webhooks")


def _answer(receipt: Receipt, platform: str, shop_id: str):
    level = logging.INFO if receipt.status < 400 else logging.WARNING
    log.log(level, receipt.event, extra={"platform": platform, "shop_id": shop_id,
                                         "status": receipt.status})
    telemetry.delivery_answered(platform, receipt.event)
    return jsonify(receipt.body), receipt.status


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    receipt = Receipt(413, "webhook.too-large",
                      {"error": f"body larger than {limit} bytes", "code": "too-large"})
    platform = (request.endpoint or "?").rpartition(".")[2]  # the view is named after it
    return _answer(receipt, platform, (request.view_args or {}).get("shop_id", "?"))


@blueprint.post("/woocommerce/<shop_id>")
def woocommerce(shop_id: str):
    raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    numeric = int(shop_id) if shop_id.isdigit() and len(shop_id) < 19 else None
    services = current_app.extensions["loyalty"]
    return _answer(receive(services, "woocommerce", numeric, request.headers, raw),
                   "woocommerce", shop_id)


@blueprint.post("/shopify")
def shopify():
    raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    services = current_app.extensions["loyalty"]
    domain = request.headers.get("X-Shopify-Shop-Domain", "?")[:100]
    return _answer(receive(services, "shopify", None, request.headers, raw), "shopify", domain)
