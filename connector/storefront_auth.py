"""Who is calling the storefront endpoints: a verified shop and, when logged in, the customer.

Shopify calls come through the app proxy, signed by Shopify (`signature`, the app's client
secret). WooCommerce calls carry `customer`, `ts` and `sig` made by the merchant's snippet with
the shop's storefront secret (adapters.woocommerce.storefront). The customer is only ever taken
from a verified signature, never from anything else in the request.
"""
from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from adapters.shopify.proxy import ProxyRefused, verify_proxy
from adapters.woocommerce.storefront import StorefrontRefused, verify_storefront
from connector.db import run_prepared
from connector.models import Shop
from connector.programs import live_digest
from connector.request_reads import request_reader
from connector.secrets import SecretBox


class Refused(Exception):
    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Caller:
    shop_id: int
    program_id: int
    program_digest: str | None  # of the live version's text (None: nothing published)
    customer_ref: str | None  # None: a visitor who is not logged in


def storefront_secret(session: Session, box: SecretBox, shop: Shop) -> str:
    """The WooCommerce shop's storefront secret, made on first use."""
    if shop.storefront_secret_enc is None:
        shop.storefront_secret_enc = box.encrypt(secrets.token_urlsafe(32))
        session.flush()
    return box.decrypt(shop.storefront_secret_enc)


_SHOPS = Shop.__table__


def _active_shop(platform: str, secret, where):
    """The active shop's ids, its live program's digest and the secret its calls are signed
    with: built once at import, as each storefront call runs one before anything else."""
    return select(_SHOPS.c.id, _SHOPS.c.program_id, live_digest(_SHOPS.c.program_id),
                  secret).where(_SHOPS.c.platform == platform, _SHOPS.c.status == "active",
                                where)


_SHOPIFY = _active_shop("shopify", _SHOPS.c.webhook_secret_enc,
                        _SHOPS.c.ref == bindparam("ref"))
_WOOCOMMERCE = _active_shop("woocommerce", _SHOPS.c.storefront_secret_enc,
                            _SHOPS.c.id == bindparam("shop_id"))


def _shop_secret(platform: str, statement, **params) -> tuple[Caller, str | None]:
    """The caller's shop (the customer still to be verified) and the secret its calls are
    signed with, read through the request's read session, which the view reads through too."""
    found = run_prepared(request_reader(), statement, flush=False, **params).first()
    if found is None:
        raise Refused(404, f"no active {platform} shop here", "unknown-shop")
    shop_id, program_id, digest, encrypted = found
    box = current_app.extensions["loyalty"].box
    return (Caller(shop_id, program_id, digest, None),
            box.decrypt(encrypted) if encrypted else None)


def shopify_caller() -> Caller:
    shop, secret = _shop_secret("shopify", _SHOPIFY, ref=request.args.get("shop", ""))
    if secret is None:
        raise Refused(404, "the shop has no app secret on record", "unknown-shop")
    try:
        customer = verify_proxy(list(request.args.items(multi=True)), secret, time.time())
    except ProxyRefused as exc:
        raise Refused(401, str(exc), "bad-signature") from None
    return dataclasses.replace(shop, customer_ref=customer)


def param(name: str) -> str:
    """A request value from the query, the form or a JSON body (at most 200 characters)."""
    body = request.get_json(silent=True) if request.is_json else None
    value = request.args.get(name) or request.form.get(name) or (
        body.get(name) if isinstance(body, dict) else None)
    return str(value or "")[:200]


def woocommerce_caller(shop_id: int) -> Caller:
    shop, secret = _shop_secret("woocommerce", _WOOCOMMERCE, shop_id=shop_id)
    if secret is None:
        raise Refused(401, "this shop has no storefront secret yet: run `loyalty shop "
                      "storefront-secret` and put it in the storefront snippet", "no-secret")
    try:
        customer = verify_storefront(param("customer"), param("ts"), param("sig"), secret,
                                     time.time())
    except StorefrontRefused as exc:
        raise Refused(401, str(exc), "bad-signature") from None
    return dataclasses.replace(shop, customer_ref=customer)

