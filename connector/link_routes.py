"""`/r/<code>` and `/s/<code>?n=<network>`: record the visit, set a first-party cookie, and
send the visitor on to the store with the code in the landing URL (`?ref=<code>`), where the
adapters find it again on the order (landing_site, cart attribute or order meta)."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request

from connector.links import find_link, storefront_base, with_code
from connector.models import ReferralLink, ShareLink, Shop
from connector.placement import live_program
from connector.types import utcnow
from connector.visits import (
    VISITOR_PURPOSE,
    record_referral_visit,
    record_share_visit,
    visitor,
)

blueprint = Blueprint("links", __name__)
COOKIE_DAYS = 30


def request_visitor(services, customer_id: int | None = None):
    """The visitor making this request (keyed fingerprint of address and browser)."""
    return visitor(services.box.derive(VISITOR_PURPOSE), request.remote_addr,
                   request.headers.get("User-Agent"), customer_id)


def _unknown(kind: str, code: str):
    return render_template("links/unknown.html", kind=kind, code=code[:32]), 404


def _onward(target: str, cookie: str, code: str):
    response = redirect(target, 302)
    response.set_cookie(cookie, code, max_age=COOKIE_DAYS * 86400, samesite="Lax",
                        secure=request.is_secure)
    response.headers["Cache-Control"] = "no-store"  # every visit must reach us to be counted
    response.headers["Referrer-Policy"] = "no-referrer-when-downgrade"
    return response


@blueprint.get("/r/<code>")
def referral(code: str):
    services = current_app.extensions["loyalty"]
    with services.db.transaction() as session:
        link = find_link(session, code)
        if not isinstance(link, ReferralLink):
            return _unknown("referral", code)
        record_referral_visit(session, link, request_visitor(services), utcnow())
        target = with_code(storefront_base(session.get(Shop, link.shop_id)), link.code)
    return _onward(target, "loyalty_ref", link.code)


@blueprint.get("/s/<code>")
def share(code: str):
    services = current_app.extensions["loyalty"]
    with services.db.transaction() as session:
        link = find_link(session, code)
        if not isinstance(link, ShareLink):
            return _unknown("share", code)
        program = live_program(session, session.get(Shop, link.shop_id))
        networks = program.social.networks if program and program.social else ()
        network = request.args.get("n", "").strip().lower()
        record_share_visit(session, link, request_visitor(services),
                           network if network in networks else None, utcnow())
        target = with_code(link.target_url, link.code)
    return _onward(target, "loyalty_share", link.code)
