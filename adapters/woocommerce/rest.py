"""Calling a store's REST v3 API through the `woocommerce` package, with errors mapped.

The package never raises on an HTTP error status and defaults to a 5 s timeout, so every call
here passes the shop's timeout and maps the status itself (PLATFORMS.md, "The Python woocommerce
client"): 401/403 mean the keys were revoked, other 4xx cannot be fixed by a retry, and 429,
5xx and network errors are transient.
"""
from __future__ import annotations

from typing import Any

import requests
from woocommerce import API

from adapters.base import Credentials, TransportError

_REFUSED = {401: "refused the API keys (revoked?)", 403: "refused the API keys (no write "
            "permission? connect with read_write)"}
_PERMANENT = {400: "rejected the request", 404: "has no such record",
              413: "refused a batch over its limit"}


class StoreError(TransportError):
    """The store answered with an error body: `status` and WooCommerce's error `code`."""

    def __init__(self, message: str, status: int, code: str | None, **kwargs: bool):
        super().__init__(message, **kwargs)
        self.status, self.code = status, code


def client(credentials: Credentials) -> API:
    if not credentials.key or not credentials.secret:
        raise TransportError("the shop has no REST API keys: reconnect it", permanent=True,
                             revoked=True)
    return API(url=(credentials.api_base or credentials.shop_ref).rstrip("/"),
               consumer_key=credentials.key, consumer_secret=credentials.secret,
               version="wc/v3", timeout=credentials.timeout)


def _error_code(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def checked(response: requests.Response, what: str) -> requests.Response:
    status = response.status_code
    if 200 <= status < 300:
        return response
    detail, code = response.text[:300], _error_code(response)
    if status in _REFUSED:
        raise StoreError(f"{what}: the store {_REFUSED[status]} ({status}): {detail}", status,
                         code, revoked=True)
    if status in _PERMANENT:
        raise StoreError(f"{what}: the store {_PERMANENT[status]} ({status}): {detail}", status,
                         code, permanent=True)
    raise StoreError(f"{what}: the store answered {status}: {detail}", status, code)


def request(api: API, method: str, endpoint: str, data: Any = None,
            params: dict | None = None) -> requests.Response:
    """One call; returns the response (2xx) or raises StoreError / TransportError."""
    what = f"{method.upper()} {endpoint}"
    try:
        if method in ("post", "put"):
            response = getattr(api, method)(endpoint, data, params=dict(params or {}))
        else:
            response = getattr(api, method)(endpoint, params=dict(params or {}))
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransportError(f"{what}: {type(exc).__name__}: the store did not answer") from exc
    return checked(response, what)


def call(api: API, method: str, endpoint: str, data: Any = None,
         params: dict | None = None) -> Any:
    """One call, returning the decoded JSON body."""
    response = request(api, method, endpoint, data, params)
    try:
        return response.json() if response.content else None
    except ValueError as exc:
        raise TransportError(f"{method.upper()} {endpoint}: the store answered "
                             f"{response.status_code} with a body that is not JSON") from exc
