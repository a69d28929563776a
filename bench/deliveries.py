"""Real-sized signed webhook deliveries for the load generator, each a distinct delivery.

WooCommerce: the captured order 13 (shared/fixtures) with its own id per delivery (Woo dedupes
on the body). Shopify: the generated orders/paid delivery (tests/fixtures/shopify) with its own
order id and X-Shopify-Event-Id. Written one per line for bench/wrk/deliveries.lua.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from pathlib import Path

from tests.support import load_woo_fixture, shopify_delivery

SENTINEL = 987_654_321_987
SHOPIFY_DOMAIN = "bench-store.myshopify.com"


def _template(platform: str) -> tuple[str, dict[str, str]]:
    if platform == "woocommerce":
        delivery = load_woo_fixture("04")
        payload, headers = json.loads(delivery["body"]), dict(delivery["headers"])
    else:
        raw, headers = shopify_delivery("03")
        payload = json.loads(raw)
    payload["id"] = SENTINEL
    keep = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "host")}
    return json.dumps(payload), keep


def _signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def stored_part(path: Path, stored_bodies: set[bytes]) -> Path:
    """The deliveries of a file that the inbox holds (sha256 of the body), to send again."""
    part = path.with_name(path.stem + "-again.tsv")
    with path.open() as source, part.open("w") as out:
        for line in source:
            body = line.rstrip("\n").split("\t", 2)[2].encode()
            if hashlib.sha256(body).digest() in stored_bodies:
                out.write(line)
    return part


def write_requests(path: Path, platform: str, count: int, first_id: int, secret: str,
                   shop_id: int = 1) -> int:
    """Write `count` distinct deliveries to `path`; the average body size in bytes."""
    body_text, headers = _template(platform)
    url = f"/webhooks/woocommerce/{shop_id}" if platform == "woocommerce" else "/webhooks/shopify"
    signature_header = ("X-WC-Webhook-Signature" if platform == "woocommerce"
                        else "X-Shopify-Hmac-Sha256")
    size = 0
    with path.open("w") as out:
        for n in range(count):
            body = body_text.replace(str(SENTINEL), str(first_id + n)).encode()
            size += len(body)
            line_headers = dict(headers, **{signature_header: _signature(secret, body)})
            if platform == "shopify":
                line_headers["X-Shopify-Shop-Domain"] = SHOPIFY_DOMAIN
                line_headers["X-Shopify-Event-Id"] = str(uuid.uuid4())
                line_headers["X-Shopify-Webhook-Id"] = str(uuid.uuid4())
            head = "\x1f".join(f"{k}\x1e{v}" for k, v in line_headers.items())
            out.write(f"{url}\t{head}\t{body.decode()}\n")
    return size // max(count, 1)
