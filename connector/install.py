"""HTTP side of connecting a store: start (operator), the store's callback, the return page."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from sqlalchemy.exc import DBAPIError

from connector.operator import operator_required
from connector.shopify_install import InstallError, complete_install, start_install
from connector.woo_connect import (
    ConnectRefused,
    complete_connect,
    connect_outcome,
    start_connect,
    url_problems,
)

blueprint = Blueprint("install", __name__, template_folder="templates")
log = logging.getLogger("loyalty.connect")


def _services():
    return current_app.extensions["loyalty"]


@blueprint.get("/woocommerce/connect")
@operator_required
def woocommerce_connect():
    store_url = request.args.get("store_url", "")
    program = request.args.get("program", "")
    if program and not program.isdigit():
        return jsonify(error="program: expected a program id", code="bad-request"), 400
    try:
        started = start_connect(_services(), store_url, int(program) if program else None)
    except ConnectRefused as exc:
        return jsonify(error=str(exc), code="bad-request"), exc.status
    if started.problems:  # say it before the merchant finds out from lost orders
        return render_template("woocommerce/connect_warning.html", store_url=store_url,
                               problems=started.problems, authorize_url=started.authorize_url)
    return redirect(started.authorize_url, code=302)


@blueprint.post("/woocommerce/callback")
def woocommerce_callback():
    payload = request.get_json(silent=True, force=True)
    try:
        shop_id = complete_connect(_services(), payload)
    except ConnectRefused as exc:
        log.warning("connect.refused", extra={"status": exc.status, "error": str(exc)})
        return jsonify(error=str(exc), code="connect-refused"), exc.status
    except DBAPIError:
        return jsonify(error="storage unavailable, retry later", code="unavailable"), 503
    return jsonify(status="connected", shop_id=shop_id), 200


@blueprint.get("/woocommerce/return")
def woocommerce_return():
    state = request.args.get("user_id", "")
    if request.args.get("success") != "1":
        return render_template("woocommerce/connect_result.html", status="declined",
                               problems=[], shop_id=None, store_url=None), 200
    try:
        status, shop_id, store_url = connect_outcome(_services(), state)
    except ConnectRefused as exc:
        return jsonify(error=str(exc), code="unknown-token"), exc.status
    return render_template("woocommerce/connect_result.html", status=status, shop_id=shop_id,
                           store_url=store_url, problems=url_problems(_services(), store_url))


@blueprint.get("/shopify/install")
def shopify_install():
    try:
        return redirect(start_install(_services(), request.args.get("shop")), code=302)
    except InstallError as exc:
        return jsonify(error=str(exc), code="install-refused"), exc.status


@blueprint.get("/shopify/callback")
def shopify_callback():
    try:
        shop_id = complete_install(_services(), request.args.to_dict())
    except InstallError as exc:
        log.warning("install.refused", extra={"status": exc.status, "error": str(exc)})
        return jsonify(error=str(exc), code="install-refused"), exc.status
    except DBAPIError:
        return jsonify(error="storage unavailable, retry later", code="unavailable"), 503
    return render_template("shopify/installed.html", shop_id=shop_id,
                           shop=request.args.get("shop"))
