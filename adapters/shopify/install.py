"""Shopify's OAuth authorization-code install, with ShopifyAPI's own helpers where they fit.

ShopifyAPI builds the permission URL and checks the callback's `hmac` and `timestamp`
(`shopify.Session.validate_params`); the code is exchanged with `requests`, so the exchange
has a timeout and can be pointed at a fake Admin API in tests (ShopifyAPI's own request_token
uses urllib against https://<shop> only). Its settings are class-wide, one app per process,
which is what this service is.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import requests
import shopify

from adapters.base import TransportError

SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")
VERSION = "2026-10"


class InstallRefused(ValueError):
    """The install request or callback is not acceptable; the message says why."""


def shop_domain(raw: str | None) -> str:
    domain = (raw or "").strip().lower()
    if not SHOP_DOMAIN.fullmatch(domain):
        raise InstallRefused(f"shop: expected the store's permanent domain, like "
                             f"shop-name.myshopify.com, got {raw!r}")
    return domain


def _setup(client_id: str, client_secret: str) -> None:
    shopify.Session.setup(api_key=client_id, secret=client_secret)


def permission_url(domain: str, client_id: str, client_secret: str, scopes: list[str],
                   redirect_uri: str, state: str) -> str:
    _setup(client_id, client_secret)
    return shopify.Session(domain, VERSION).create_permission_url(scopes, redirect_uri, state)


def verify_callback(params: Mapping[str, str], client_id: str, client_secret: str) -> str:
    """The shop domain of a genuine, fresh callback; raises InstallRefused otherwise."""
    domain = shop_domain(params.get("shop"))
    for name in ("code", "hmac", "state", "timestamp"):
        if not params.get(name):
            raise InstallRefused(f"{name}: missing from the callback")
    if not str(params["timestamp"]).isdigit():
        raise InstallRefused("timestamp: expected seconds since 1970")
    _setup(client_id, client_secret)
    if not shopify.Session.validate_hmac(dict(params)):
        raise InstallRefused("hmac: the callback is not signed with the app's client secret")
    if not shopify.Session.validate_params(dict(params)):
        raise InstallRefused("timestamp: the callback is more than a day old")
    return domain


@dataclass(frozen=True)
class TokenGrant:
    """An offline access token; an expiring one (public apps must use them from 2027) lives
    `expires_in` seconds and is renewed with `refresh_token`, which rotates on every use."""

    access_token: str
    expires_in: int | None = None
    refresh_token: str | None = None


def _token_call(domain: str, body: dict, api_base: str | None, timeout: float,
                what: str) -> TokenGrant:
    url = (api_base or f"https://{domain}").rstrip("/") + "/admin/oauth/access_token"
    try:
        response = requests.post(url, json=body, timeout=timeout)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransportError(f"Shopify did not answer the {what}: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise TransportError(f"Shopify answered the {what} with {response.status_code}")
    if response.status_code != 200:
        raise InstallRefused(f"{what}: Shopify refused it ({response.status_code}): "
                             f"{response.text[:200]}")
    data = response.json() or {}
    token, expires_in = data.get("access_token"), data.get("expires_in")
    if not isinstance(token, str) or not token:
        raise InstallRefused(f"Shopify's {what} answer carried no access_token")
    return TokenGrant(token, int(expires_in) if isinstance(expires_in, int) else None,
                      data.get("refresh_token") or None)


def exchange_code(domain: str, code: str, client_id: str, client_secret: str,
                  api_base: str | None = None, timeout: float = 30.0) -> TokenGrant:
    """An expiring offline access token for the shop, from the one-time code."""
    return _token_call(domain, {"client_id": client_id, "client_secret": client_secret,
                                "code": code, "expiring": 1}, api_base, timeout, "code")


def refresh(domain: str, refresh_token: str, client_id: str, client_secret: str,
            api_base: str | None = None, timeout: float = 30.0) -> TokenGrant:
    """A new access token (and refresh token) before or after the old one expired."""
    return _token_call(domain, {"client_id": client_id, "client_secret": client_secret,
                                "grant_type": "refresh_token", "refresh_token": refresh_token},
                       api_base, timeout, "token refresh")
