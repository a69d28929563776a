"""The customer's side of the program, on both platforms: balance and history, the rewards
catalogue with what they can afford, redeeming (a code on the store, once per request id),
their referral and share links, and joining.

Shopify: through the app proxy, `/proxy/<action>`. WooCommerce: `/storefront/woocommerce/<shop
id>/<action>`, signed by the merchant's snippet. The customer comes only from the signature
(connector.storefront_auth); the answers are JSON, errors `{"error", "code"}`.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.orm import Session

from connector import links, programs
from connector.balance_reads import history_and_paid_orders
from connector.customers import card_by_account, find_customer
from connector.ledger import balance_of
from connector.link_routes import request_visitor
from connector.members import JoinRefused, join, parse_birthday
from connector.models import Customer, Shop
from connector.placement import live_program
from connector.redemptions import CODE_PURPOSE, RedemptionRefused, redeem
from connector.request_reads import request_reader
from connector.storefront_auth import Caller, Refused, param, shopify_caller, woocommerce_caller
from connector.storefront_views import catalogue, next_tier
from connector.types import utcnow
from rules.earning import cart_estimate

blueprint = Blueprint("storefront", __name__)
MAX_CART = Decimal(10) ** 9
HISTORY = 50  # entries the balance answer shows


@blueprint.errorhandler(Refused)
def _refused(exc: Refused):
    return jsonify(error=str(exc), code=exc.code), exc.status


def _services():
    return current_app.extensions["loyalty"]


def _program(session: Session, caller: Caller):
    """The live program, as of the signature check's read of the shop."""
    return programs.program_of_digest(session, caller.program_id, caller.program_digest)


def _logged_in(caller: Caller) -> str:
    """The shopper's platform customer id; 401 for a visitor who is not logged in."""
    if caller.customer_ref is None:
        raise Refused(401, "log in to see your points", "not-logged-in")
    return caller.customer_ref


def _card(session: Session, caller: Caller):
    """The logged-in shopper's card (ledger.CUSTOMER_CARD: tier, totals, pending now) in one
    statement, or None for a visitor or a shopper who has no points yet."""
    if not caller.customer_ref:
        return None
    if caller.card_read:  # with the shop, by the signature check
        return caller.card
    return card_by_account(session, caller.shop_id, caller.customer_ref, utcnow())


def _customer(session: Session, caller: Caller, shop: Shop) -> Customer | None:
    return find_customer(session, shop, _logged_in(caller), None)


def balance(caller: Caller):
    session = request_reader()  # the signature check's read session
    now = utcnow()
    _logged_in(caller)
    customer = _card(session, caller)
    program = _program(session, caller)
    if customer is None:
        return jsonify(member=False, balance=0, pending=0, tier=None, next_tier=None,
                       rewards=[], history=[])
    totals = balance_of(customer, customer.pending)
    by_spend = program is not None and bool(program.tiers) and program.tier_rules.basis == "spend"
    history, paid = history_and_paid_orders(session, customer.id, HISTORY, by_spend)
    progress = next_tier(session, customer, program, now, paid if by_spend else None) \
        if program else None
    offer = catalogue(program, totals.available, customer.tier) if program else []
    return jsonify(member=customer.joined_at is not None, balance=totals.available,
                   pending=totals.pending, tier=customer.tier, next_tier=progress,
                   rewards=[r for r in offer if r["affordable"]], history=history)


def estimate(caller: Caller):
    """Points the shopper's cart would earn: `amount` (after discounts) in `currency`."""
    try:
        amount = Decimal(param("amount"))
    except InvalidOperation:
        raise Refused(400, "amount: expected a decimal such as 42.50", "bad-request") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_CART:
        raise Refused(400, f"amount: expected 0 to {MAX_CART}", "bad-request")
    session = request_reader()  # the signature check's read session
    program = _program(session, caller)
    card = _card(session, caller)
    tier = card.tier if card is not None else None
    if program is None:
        raise Refused(404, "this shop has no published program", "no-program")
    currency = (param("currency") or program.currency).upper()[:3]
    return jsonify(points=cart_estimate(amount, currency, program, tier), currency=currency,
                   tier=tier)


def rewards(caller: Caller):
    session = request_reader()  # the signature check's read session
    program = _program(session, caller)
    card = _card(session, caller)
    points = balance_of(card, card.pending).available if card is not None else 0
    tier = card.tier if card is not None else None
    return jsonify(balance=points, rewards=catalogue(program, points, tier) if program else [])


def redeem_reward(caller: Caller):
    reward_id, request_id = param("reward"), param("request_id")
    if not reward_id or not request_id:
        raise Refused(400, "reward and request_id are required", "bad-request")
    services = _services()
    with services.db.transaction() as session:
        shop = session.get(Shop, caller.shop_id)
        customer = _customer(session, caller, shop)
        if customer is None:
            raise Refused(409, "no points yet", "insufficient-points")
        try:
            done = redeem(session, shop, customer, reward_id, request_id[:100], utcnow(),
                          services.box.derive(CODE_PURPOSE))
        except RedemptionRefused as exc:
            raise Refused(409, str(exc), "refused") from None
    return jsonify(code=done.code, reward=done.reward_id, points=done.points,
                   status=done.status, repeated=done.repeated)


def share_links(caller: Caller):
    services = _services()
    base = services.config.public_url
    with services.db.transaction() as session:
        shop = session.get(Shop, caller.shop_id)
        customer = _customer(session, caller, shop)
        if customer is None:
            raise Refused(409, "join the program first", "not-a-member")
        secret = services.box.derive(links.CODE_PURPOSE)
        referral = links.referral_link(session, shop, customer, secret).code
        page, share = param("page"), None
        if page:
            # Shopify's proxy calls come from Shopify, not the customer's browser.
            creator = None if shop.platform == "shopify" else \
                request_visitor(services, customer.id).fingerprint
            try:
                share = links.share_link(session, shop, customer, page, secret, creator)
            except links.LinkRefused as exc:
                raise Refused(400, str(exc), "bad-page") from None
            share = (share.code, share.target_url)
        program = live_program(session, shop)
    networks = program.social.networks if program and program.social else ()
    answer = {"referral": {"code": referral, "url": f"{base}/r/{referral}"}, "share": None}
    if share:
        answer["share"] = {"code": share[0], "page": share[1],
                           "links": {n: f"{base}/s/{share[0]}?n={n}" for n in networks}
                           or {"link": f"{base}/s/{share[0]}"}}
    return jsonify(answer)


def join_program(caller: Caller):
    services = _services()
    now = utcnow()
    try:
        born = parse_birthday(param("birthday"), now.date())
        with services.db.transaction() as session:
            shop = session.get(Shop, caller.shop_id)
            joined = join(session, shop, param("email"), now, customer_ref=caller.customer_ref,
                          first_name=param("first_name"), last_name=param("last_name"),
                          birthday=born)
    except JoinRefused as exc:
        raise Refused(400 if "already belongs" not in str(exc) else 409, str(exc),
                      "join-refused") from None
    return jsonify(joined=True, new=joined.newly_joined,
                   points_awarded=joined.points_awarded), 201 if joined.newly_joined else 200


ACTIONS: dict[str, tuple[str, Callable[[Caller], object]]] = {
    "balance": ("GET", balance), "rewards": ("GET", rewards), "links": ("GET", share_links),
    "redeem": ("POST", redeem_reward), "join": ("POST", join_program),
    "estimate": ("GET", estimate),
}
# The reads that show the shopper's card (_card): the signature check reads it with the shop
READS_CARD = frozenset({"balance", "rewards", "estimate"})


def _dispatch(action: str, caller_of: Callable[[bool], Caller]):
    method, view = ACTIONS.get(action, (None, None))
    if view is None:
        raise Refused(404, f"no storefront action {action!r}; try one of {', '.join(ACTIONS)}",
                      "not-found")
    if request.method != method:
        raise Refused(405, f"{action} takes {method}", "method-not-allowed")
    return view(caller_of(action in READS_CARD))


@blueprint.route("/proxy/<action>", methods=["GET", "POST"])
def shopify_action(action: str):
    return _dispatch(action, shopify_caller)


@blueprint.route("/storefront/woocommerce/<int:shop_id>/<action>",
                 methods=["GET", "POST", "OPTIONS"])
def woocommerce_action(shop_id: int, action: str):
    if request.method == "OPTIONS":  # a browser's preflight for a JSON POST
        return "", 204
    return _dispatch(action, lambda with_card: woocommerce_caller(shop_id, with_card))


@blueprint.after_request
def _cors(response):
    """The store's own pages may call the WooCommerce endpoints from the browser."""
    origin = request.headers.get("Origin", "")
    shop_id = (request.view_args or {}).get("shop_id")
    if origin and shop_id is not None and _store_origin(shop_id) == origin.rstrip("/").lower():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Vary"] = "Origin"
    return response


def _store_origin(shop_id: int) -> str | None:
    with _services().db.reading() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            return None
        parts = urlsplit(shop.ref)
        return f"{parts.scheme}://{parts.netloc}".lower()

