"""Pushing to a WooCommerce store through REST v3 with the `woocommerce` package.

The package never raises on an HTTP error status and defaults to a 5 s timeout: every call here
passes a longer timeout and maps the status itself (PLATFORMS.md, "The Python woocommerce client").
"""
from __future__ import annotations

from typing import Any

import requests
from woocommerce import API

from adapters.base import Credentials, TransportError

TIMEOUT_SECONDS = 30
TIER_META_KEY = "loyalty_tier"
_PERMANENT = {400: "rejected the request", 401: "refused the API keys (revoked?)",
              403: "refused the API keys (no write permission?)", 404: "has no such record"}


def client(credentials: Credentials) -> API:
    if not credentials.key or not credentials.secret:
        raise TransportError("the shop has no REST API keys: reconnect it", permanent=True)
    return API(url=(credentials.api_base or credentials.shop_ref).rstrip("/"),
               consumer_key=credentials.key, consumer_secret=credentials.secret,
               version="wc/v3", timeout=TIMEOUT_SECONDS)


def checked(response: requests.Response, what: str) -> Any:
    status = response.status_code
    if 200 <= status < 300:
        return response.json() if response.content else None
    detail = response.text[:300]
    if status in _PERMANENT:
        raise TransportError(f"{what}: the store {_PERMANENT[status]} ({status}): {detail}",
                             permanent=True)
    raise TransportError(f"{what}: the store answered {status}: {detail}")


def call(api: API, method: str, endpoint: str, data: dict | None = None) -> Any:
    try:
        if method == "put":
            response = api.put(endpoint, data)
        else:
            response = api.get(endpoint)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransportError(f"{method.upper()} {endpoint}: {type(exc).__name__}") from exc
    return checked(response, f"{method.upper()} {endpoint}")


def push_tier(credentials: Credentials, customer_ref: str, tag: str | None) -> None:
    """Write the tier tag into the customer's meta (WooCommerce has no customer tags).

    REST cannot delete a meta key, so leaving every tier writes an empty value.
    """
    call(client(credentials), "put", f"customers/{customer_ref}",
         {"meta_data": [{"key": TIER_META_KEY, "value": tag or ""}]})
