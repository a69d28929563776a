"""Who is calling: `Authorization: Bearer lk_...`, a key good for one shop.

Checked before every API view: no key, or an unknown, mistyped or revoked one, is 401; a key
for another shop than the path names is 403. The customer in a path must belong to the shop's
program (404 otherwise), so one shop's key never reaches another program's customers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, request
from sqlalchemy import Row, and_, bindparam, select
from sqlalchemy.orm import Session

from connector.api.errors import refuse
from connector.api_keys import KEY_COLUMNS, authenticate, authenticate_with, needs_touch, touch
from connector.db import run_prepared
from connector.ledger import CUSTOMER_CARD, Balance, balance_of
from connector.models import ApiKey, Customer, Shop
from connector.request_reads import request_reader
from connector.services import Services
from connector.types import utcnow

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="loyalty"'}


@dataclass(frozen=True)
class Caller:
    key_id: int
    key_name: str
    shop_id: int

    @property
    def actor(self) -> str:
        """How the caller's changes are signed in the ledger."""
        return f"api:{self.key_name}"


def services() -> Services:
    return current_app.extensions["loyalty"]


def _presented() -> str:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        refuse(401, "send your API key in the header `Authorization: Bearer lk_...` "
               "(make one with `loyalty api-key create`)", CHALLENGE)
    return token.strip()


def _wants_card() -> bool:
    """Whether the view is a GET that shows one customer's card (its class says `reads_card`)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return request.method == "GET" and getattr(getattr(view, "view_class", None),
                                               "reads_card", False)


def require_key() -> None:
    """Before every API view: authenticate the key and hold it to the shop in the path. For a
    view that reads one customer's card, the card comes in the same statement as the key (one
    round trip on PostgreSQL instead of two), for customer_with_balance."""
    presented = _presented()
    db, now = services().db, utcnow()
    # a read, through the request's read session: only once a minute does a call write (touch)
    customer_id = (request.view_args or {}).get("customer_id")
    if customer_id is not None and _wants_card():
        key, row = authenticate_with(request_reader(), presented, _KEY_WITH_CARD,
                                     customer_id=customer_id, now=now)
        g.api_card = row if row is not None and row.id is not None else None
    else:
        key = authenticate(request_reader(), presented, now)
    if key is None:
        refuse(401, "the API key is unknown, mistyped or revoked", CHALLENGE)
    caller = Caller(key.id, key.name, key.shop_id)
    if needs_touch(key, now):
        with db.transaction() as session:
            touch(session, caller.key_id, now)
    wanted = (request.view_args or {}).get("shop_id")
    if wanted != caller.shop_id:
        refuse(403, f"this key is for shop {caller.shop_id}, not shop {wanted}")
    g.api_caller = caller


def caller() -> Caller:
    return g.api_caller


def shop_of(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:  # the key's shop was deleted under it
        refuse(404, f"no shop {shop_id}")
    return shop


_SHOPS = Shop.__table__
# The API's most frequent call, so built once: the program's customer, pending points and all
_CUSTOMER_IN_SHOP = select(*CUSTOMER_CARD).join(
    _SHOPS, _SHOPS.c.program_id == Customer.__table__.c.program_id).where(
    _SHOPS.c.id == bindparam("shop_id"), Customer.__table__.c.id == bindparam("customer_id"))


# ... and the same card joined to the caller's key, read by require_key for a view that says
# `reads_card`: the key's shop is the path's (or the call is refused before the view)
_KEYS = ApiKey.__table__
_KEY_WITH_CARD = select(*KEY_COLUMNS, *CUSTOMER_CARD).select_from(
    _KEYS.join(_SHOPS, _SHOPS.c.id == _KEYS.c.shop_id).outerjoin(
        Customer.__table__, and_(Customer.__table__.c.program_id == _SHOPS.c.program_id,
                                 Customer.__table__.c.id == bindparam("customer_id")))).where(
    _KEYS.c.prefix == bindparam("prefix"))


def customer_with_balance(session: Session, shop_id: int, customer_id: int,
                          now: datetime) -> tuple[Row, Balance]:
    """The program's customer (a row of ledger.CUSTOMER_CARD) and their balance at `now`, in
    one query (none when require_key read it with the key); the same 404s as shop_of and
    customer_of."""
    found = g.pop("api_card", None)
    if found is None or found.id != customer_id:
        found = run_prepared(session, _CUSTOMER_IN_SHOP, flush=False, shop_id=shop_id,
                             customer_id=customer_id, now=now).first()
    if found is None:
        customer_of(session, shop_of(session, shop_id), customer_id)  # says which is missing
        refuse(404, f"no customer {customer_id} in the program of shop {shop_id}")
    return found, balance_of(found, found.pending)


def customer_of(session: Session, shop: Shop, customer_id: int) -> Customer:
    """The program's customer, or 404 (also for another program's customer)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.program_id != shop.program_id:
        refuse(404, f"no customer {customer_id} in the program of shop {shop.id}")
    return customer
