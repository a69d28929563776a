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
from sqlalchemy import Row, and_, bindparam, select
from sqlalchemy.orm import Session

from adapters.shopify.proxy import ProxyRefused, verify_proxy
from adapters.woocommerce.storefront import StorefrontRefused, verify_storefront
from connector.db import run_prepared
from connector.ledger import CUSTOMER_CARD
from connector.models import Customer, CustomerAccount, Shop
from connector.programs import live_digest
from connector.request_reads import request_reader
from connector.secrets import SecretBox
from connector.types import utcnow


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
    # For with_card calls: the verified customer's card (ledger.CUSTOMER_CARD), read with the shop;
    # None for a visitor or a shopper with no points yet. card_read says it was read.
    card: Row | None = None
    card_read: bool = False


def storefront_secret(session: Session, box: SecretBox, shop: Shop) -> str:
    """The WooCommerce shop's storefront secret, made on first use."""
    if shop.storefront_secret_enc is None:
        shop.storefront_secret_enc = box.encrypt(secrets.token_urlsafe(32))
        session.flush()
    return box.decrypt(shop.storefront_secret_enc)


_SHOPS = Shop.__table__


_ACCOUNTS, _CUSTOMERS = CustomerAccount.__table__, Customer.__table__
# A card read with the shop: the account the request names, and its customer
_CARD_OF_NAMED = _ACCOUNTS.join(_CUSTOMERS, _CUSTOMERS.c.id == _ACCOUNTS.c.customer_id)


def _active_shop(platform: str, secret, where, with_card: bool = False):
    """The active shop's ids, its live program's digest and the secret its calls are signed
    with: built once at import, as each storefront call runs one before anything else. With
    the card: also the card of the customer the request names (`bindparam("customer_ref")`,
    still unverified), so that a balance is two round trips on PostgreSQL, not three."""
    shop = (_SHOPS.c.id.label("shop_id"), _SHOPS.c.program_id.label("shop_program_id"),
            live_digest(_SHOPS.c.program_id).label("program_digest"), secret.label("secret"))
    query = select(*shop, *CUSTOMER_CARD).select_from(_SHOPS.outerjoin(_CARD_OF_NAMED, and_(
        _ACCOUNTS.c.shop_id == _SHOPS.c.id,
        _ACCOUNTS.c.platform_customer_id == bindparam("customer_ref")))) if with_card \
        else select(*shop)
    return query.where(_SHOPS.c.platform == platform, _SHOPS.c.status == "active", where)


def _statements(platform: str, secret, where) -> dict[bool, object]:
    return {with_card: _active_shop(platform, secret, where, with_card)
            for with_card in (False, True)}


_SHOPIFY = _statements("shopify", _SHOPS.c.webhook_secret_enc, _SHOPS.c.ref == bindparam("ref"))
_WOOCOMMERCE = _statements("woocommerce", _SHOPS.c.storefront_secret_enc,
                           _SHOPS.c.id == bindparam("shop_id"))


def _shop_secret(platform: str, statements: dict, named: str | None, with_card: bool,
                 **params) -> tuple[Caller, str | None]:
    """The caller's shop (the customer still to be verified) and the secret its calls are
    signed with, read through the request's read session, which the view reads through too.
    `named`: the customer the request names, whose card comes along `with_card`."""
    with_card = with_card and bool(named)
    if with_card:
        params.update(customer_ref=named, now=utcnow())
    found = run_prepared(request_reader(), statements[with_card], flush=False,
                         **params).first()
    if found is None:
        raise Refused(404, f"no active {platform} shop here", "unknown-shop")
    box = current_app.extensions["loyalty"].box
    card = found if with_card and found.id is not None else None
    return (Caller(found.shop_id, found.shop_program_id, found.program_digest, named, card,
                   with_card),
            box.decrypt(found.secret) if found.secret else None)


def _verified(shop: Caller, customer: str | None) -> Caller:
    """The caller as the signature says; the card read with the shop is theirs only if the
    signed customer is the one the request named."""
    if customer == shop.customer_ref:
        return shop
    return dataclasses.replace(shop, customer_ref=customer, card=None, card_read=False)


def shopify_caller(with_card: bool = False) -> Caller:
    shop, secret = _shop_secret("shopify", _SHOPIFY, request.args.get("logged_in_customer_id"),
                                with_card, ref=request.args.get("shop", ""))
    if secret is None:
        raise Refused(404, "the shop has no app secret on record", "unknown-shop")
    try:
        customer = verify_proxy(list(request.args.items(multi=True)), secret, time.time())
    except ProxyRefused as exc:
        raise Refused(401, str(exc), "bad-signature") from None
    return _verified(shop, customer)


def param(name: str) -> str:
    """A request value from the query, the form or a JSON body (at most 200 characters)."""
    body = request.get_json(silent=True) if request.is_json else None
    value = request.args.get(name) or request.form.get(name) or (
        body.get(name) if isinstance(body, dict) else None)
    return str(value or "")[:200]


def woocommerce_caller(shop_id: int, with_card: bool = False) -> Caller:
    shop, secret = _shop_secret("woocommerce", _WOOCOMMERCE, param("customer"), with_card,
                                shop_id=shop_id)
    if secret is None:
        raise Refused(401, "this shop has no storefront secret yet: run `loyalty shop "
                      "storefront-secret` and put it in the storefront snippet", "no-secret")
    try:
        customer = verify_storefront(param("customer"), param("ts"), param("sig"), secret,
                                     time.time())
    except StorefrontRefused as exc:
        raise Refused(401, str(exc), "bad-signature") from None
    return _verified(shop, customer)

