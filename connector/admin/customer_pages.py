"""The admin's customer pages: search, one customer's file, and manual adjustments with a reason.

An adjustment form carries a request id made when the form is shown, so submitting the same form
twice counts once (connector.adjustments keys the ledger entry on it)."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from connector.adjustments import AdjustmentRefused, adjust
from connector.admin import auth, blueprint, scope
from connector.admin.customer_queries import (
    adjustable_shops,
    customer_file,
    search_customers,
    visible_customer,
)
from connector.types import utcnow

log = logging.getLogger("loyalty.admin")


@dataclass
class AdjustmentForm:
    """What the adjustment form shows: the values entered (kept after an error) and the error."""

    points: str = ""
    reason: str = ""
    shop_id: int | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    error: str | None = None


class UnknownShop(ValueError):
    """The form named a shop that is not one of the customer's shops the user may see."""


def _services():
    return current_app.extensions["loyalty"]


@blueprint.get("/customers")
@auth.login_required
def customers_page():
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int)
    with _services().db.reading() as session:
        programs = scope.program_ids(session, g.admin_user)
        found = search_customers(session, programs, query, page, utcnow())
    return render_template("admin/customers.html", query=query, found=found)


def _customer_page(customer_id: int, form: AdjustmentForm, status: int = 200):
    with _services().db.reading() as session:
        user = g.admin_user
        customer = visible_customer(session, scope.program_ids(session, user), customer_id)
        if customer is None:
            abort(404, description="no customer with that id")
        shops = scope.shop_ids(session, user)
        file = customer_file(session, customer, shops, utcnow())
        offered = adjustable_shops(session, customer, shops)
    return render_template("admin/customer.html", file=file, shops=offered, form=form), status


@blueprint.get("/customers/<int:customer_id>")
@auth.login_required
def customer_page(customer_id: int):
    return _customer_page(customer_id, AdjustmentForm())


def _form_from_request() -> tuple[AdjustmentForm, int | None]:
    """The submitted form, and its points when they are a whole number."""
    form = AdjustmentForm(points=request.form.get("points", "").strip(),
                          reason=request.form.get("reason", ""),
                          shop_id=request.form.get("shop", type=int),
                          request_id=request.form.get("request_id", "").strip())
    try:
        return form, int(form.points)
    except ValueError:
        return form, None


@blueprint.post("/customers/<int:customer_id>/adjust")
@auth.login_required
def customer_adjust(customer_id: int):
    form, points = _form_from_request()
    user = g.admin_user
    if points is None:
        form.error = ("points must be a whole number, e.g. 50 to add or -50 to remove "
                      f"(got {form.points!r})")
        return _customer_page(customer_id, form, 400)
    try:
        with _services().db.transaction() as session:
            customer = visible_customer(session, scope.program_ids(session, user), customer_id)
            if customer is None:
                abort(404, description="no customer with that id")
            shops = adjustable_shops(session, customer, scope.shop_ids(session, user))
            shop = next((s for s in shops if s.id == form.shop_id), None)
            if shop is None:
                raise UnknownShop("choose one of the customer's shops for the adjustment")
            done = adjust(session, shop, customer, points, form.reason,
                          actor=f"admin:{user.username}", request_id=form.request_id,
                          now=utcnow())
    except UnknownShop as exc:
        form.error = str(exc)
        return _customer_page(customer_id, form, 400)
    except AdjustmentRefused as exc:
        form.error = str(exc)
        return _customer_page(customer_id, form, 409)
    log.info("admin.points-adjusted", extra={"customer_id": customer_id, "points": points,
                                             "actor": user.username, "repeated": done.repeated})
    again = " (this form was already submitted: counted once)" if done.repeated else ""
    flash(f"{points:+d} points: {form.reason.strip()}{again}")
    return redirect(url_for("admin.customer_page", customer_id=customer_id))
