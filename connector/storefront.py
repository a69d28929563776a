"""The storefront through Shopify's app proxy: the logged-in customer's balance, tier and
rewards, and redeeming a reward into a code. Only a verified `logged_in_customer_id` names the
customer; redeeming is once per request id."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from adapters.shopify.proxy import ProxyRefused, verify_proxy
from connector.customers import find_customer
from connector.models import Shop
from connector.placement import live_program
from connector.redemptions import CODE_PURPOSE, RedemptionRefused, redeem
from connector.statements import customer_statement
from connector.types import utcnow
from rules.redemption import affordable

blueprint = Blueprint("storefront", __name__, url_prefix="/proxy")


class _Refused(Exception):
    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status, self.code = status, code


@blueprint.errorhandler(_Refused)
def _refused(exc: _Refused):
    return jsonify(error=str(exc), code=exc.code), exc.status


def _caller():
    """(services, shop id, customer id) of a verified proxy request; raises _Refused."""
    services = current_app.extensions["loyalty"]
    pairs = list(request.args.items(multi=True))
    with services.db.reading() as session:
        shop = session.scalar(select(Shop).where(Shop.platform == "shopify",
                                                 Shop.ref == request.args.get("shop", ""),
                                                 Shop.status == "active"))
        secret = services.box.decrypt(shop.webhook_secret_enc) if shop and \
            shop.webhook_secret_enc else None
        shop_id = shop.id if shop else None
    if shop_id is None or secret is None:
        raise _Refused(404, "no active Shopify shop by that name", "unknown-shop")
    try:
        customer = verify_proxy(pairs, secret, time.time())
    except ProxyRefused as exc:
        raise _Refused(401, str(exc), "bad-signature") from None
    if customer is None:
        raise _Refused(401, "log in to see your points", "not-logged-in")
    return services, shop_id, customer


@blueprint.get("/balance")
def balance():
    services, shop_id, customer_ref = _caller()
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        statement = customer_statement(session, shop, customer_ref, None)
        program = live_program(session, shop)
    if statement is None:
        return jsonify(balance=0, pending=0, tier=None, rewards=[], history=[])
    offer = affordable(program, statement["balance"], statement["tier"]) if program else ()
    return jsonify(balance=statement["balance"], pending=statement["pending"],
                   tier=statement["tier"],
                   rewards=[{"id": r.id, "cost": r.cost, "type": r.type,
                             "value": str(r.value) if r.value is not None else None}
                            for r in offer],
                   history=[{k: e[k] for k in ("kind", "points", "created_at", "reason")}
                            for e in statement["entries"][-50:]])


@blueprint.post("/redeem")
def redeem_reward():
    services, shop_id, customer_ref = _caller()
    reward_id = request.args.get("reward") or request.form.get("reward", "")
    request_id = request.args.get("request_id") or request.form.get("request_id", "")
    if not reward_id or not request_id:
        raise _Refused(400, "reward and request_id are required", "bad-request")
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        customer = find_customer(session, shop, customer_ref, None)
        if customer is None:
            raise _Refused(409, "no points yet", "insufficient-points")
        try:
            done = redeem(session, shop, customer, reward_id, request_id[:100], utcnow(),
                          services.box.derive(CODE_PURPOSE))
        except RedemptionRefused as exc:
            raise _Refused(409, str(exc), "refused") from None
    return jsonify(code=done.code, reward=done.reward_id, points=done.points,
                   status=done.status, repeated=done.repeated)
