"""A fake Shopify storefront for the theme block: it renders blocks/loyalty-panel.liquid (with
python-liquid, Shopify's filters stubbed), serves the extension's assets, and plays the app
proxy: /apps/loyalty/<action> goes to the service's /proxy/<action> with `shop`,
`logged_in_customer_id`, `path_prefix`, `timestamp` and `signature` added, as Shopify adds them.

    with FakeStorefront(service_url, SHOPIFY_DOMAIN, SHOPIFY_SECRET, customer_id="7001") as shop:
        page.goto(shop.url)   # the block, logged in as customer 7001; customer_id=None: a guest
"""
from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests
from liquid import Environment
from werkzeug.wrappers import Request, Response

from adapters.shopify.proxy import proxy_signature
from tests.fakes.server import LocalServer

EXTENSION = (Path(__file__).resolve().parents[2] / "integrations" / "shopify" / "extensions"
             / "loyalty-theme")
BLOCK = EXTENSION / "blocks" / "loyalty-panel.liquid"
PATH_PREFIX = "/apps/loyalty"
ROUTES = {"account_login_url": "/account/login", "account_register_url": "/account/register"}
_SCHEMA = re.compile(r"{%-?\s*schema\s*-?%}(.*?){%-?\s*endschema\s*-?%}", re.DOTALL)
_ASSET_TYPES = {".js": "text/javascript", ".css": "text/css"}


def block_schema(source: str) -> dict:
    """The block's {% schema %} JSON (Shopify reads it; Liquid never renders it)."""
    found = _SCHEMA.search(source)
    if found is None:
        raise AssertionError(f"{BLOCK.name}: no {{% schema %}} block")
    return json.loads(found.group(1))


def _translate(key: str) -> str:
    value = json.loads((EXTENSION / "locales" / "en.default.json").read_text())
    for part in key.split("."):
        value = value[part]  # a KeyError here: the block uses a key the locale lacks
    return value


def render_block(customer: dict | None) -> str:
    """The block as Shopify renders it, with each setting at its schema default."""
    source = BLOCK.read_text()
    settings = {s["id"]: s.get("default") for s in block_schema(source)["settings"]}
    env = Environment()
    env.filters["asset_url"] = lambda name: f"/assets/{name}"
    env.filters["stylesheet_tag"] = \
        lambda url: f'<link rel="stylesheet" href="{url}" media="all">'
    env.filters["t"] = _translate
    template = env.from_string(_SCHEMA.sub("", source))
    return template.render(customer=customer, routes=ROUTES,
                           block={"settings": settings, "shopify_attributes": ""})


def _page(block: str) -> str:
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Loyalty test shop</title></head><body><main>"
            f"{block}</main></body></html>")


class FakeStorefront(LocalServer):
    _name = "fake-shopify-storefront"

    def __init__(self, service_url: str, shop: str, secret: str, customer_id: str | None):
        self.service_url, self.shop, self.secret = service_url.rstrip("/"), shop, secret
        self.customer_id = customer_id  # None: nobody is logged in
        self.proxied: list[str] = []  # the actions called through the proxy
        self._stopping = threading.Event()

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path == "/":
            customer = {"id": int(self.customer_id)} if self.customer_id else None
            response = Response(_page(render_block(customer)), content_type="text/html")
        elif path.startswith("/assets/"):
            response = self._asset(path.removeprefix("/assets/"))
        elif path.startswith(PATH_PREFIX + "/"):
            response = self._proxy(request, path.removeprefix(PATH_PREFIX + "/"))
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def _asset(self, name: str) -> Response:
        asset = EXTENSION / "assets" / name
        if "/" in name or not asset.is_file():
            return Response("not found", status=404)
        return Response(asset.read_bytes(), content_type=_ASSET_TYPES.get(asset.suffix))

    def _proxy(self, request: Request, action: str) -> Response:
        self.proxied.append(action)
        pairs = [*request.args.items(multi=True), ("shop", self.shop),
                 ("logged_in_customer_id", self.customer_id or ""),
                 ("path_prefix", PATH_PREFIX), ("timestamp", str(int(time.time())))]
        pairs.append(("signature", proxy_signature(pairs, self.secret)))
        answer = requests.request(
            request.method, f"{self.service_url}/proxy/{action}?{urlencode(pairs)}",
            data=request.get_data(), timeout=30,
            headers={"Content-Type": request.content_type or "application/octet-stream"})
        return Response(answer.content, status=answer.status_code,
                        content_type=answer.headers.get("Content-Type"))
