"""The admin's shop pages: every visible store with its health, one store in detail with its
webhooks, recent failures and API keys, and the way to reconnect it."""
from __future__ import annotations

import logging

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from connector import api_keys, webhook_health
from connector.admin import auth, blueprint, scope
from connector.models import ApiKey, Shop
from connector.types import utcnow
from connector.woo_connect import ConnectRefused, start_connect

log = logging.getLogger("loyalty.admin")


def _services():
    return current_app.extensions["loyalty"]


def _visible_shop(session: Session, shop_id: int) -> Shop:
    """The shop, if the signed-in user may see it; else the page does not exist for them."""
    shop = session.get(Shop, shop_id)
    if shop is None or not scope.may_see_shop(session, g.admin_user, shop_id):
        abort(404, description="no shop with that id")
    return shop


@blueprint.get("/shops")
@auth.login_required
def shops_page():
    with _services().db.reading() as session:
        visible = scope.shop_ids(session, g.admin_user)
        shops = list(session.scalars(select(Shop).where(Shop.id.in_(visible))
                                     .order_by(Shop.id)))
        since = utcnow() - webhook_health.RECENT
        health = webhook_health.shop_health(session, visible, since)
        return render_template("admin/shops.html", shops=shops, health=health)


def _shop_page(shop_id: int, status: int = 200, **shown):
    """The shop's page; `shown` adds a just-created key or a form error."""
    with _services().db.reading() as session:
        shop = _visible_shop(session, shop_id)
        since = utcnow() - webhook_health.RECENT
        page = render_template(
            "admin/shop.html", shop=shop, since=since,
            topics=webhook_health.last_per_topic(session, shop.id),
            counts=webhook_health.counts_by_status(session, shop.id, since),
            webhooks=webhook_health.registered_webhooks(session, shop.id),
            failures=webhook_health.latest_failures(session, shop.id),
            keys=api_keys.keys_of(session, shop.id), **shown)
    return page, status


@blueprint.get("/shops/<int:shop_id>")
@auth.login_required
def shop_page(shop_id: int):
    return _shop_page(shop_id)


@blueprint.post("/shops/<int:shop_id>/keys")
@auth.login_required
def create_api_key(shop_id: int):
    name = request.form.get("name", "")
    try:
        with _services().db.transaction() as session:
            _visible_shop(session, shop_id)
            key, secret = api_keys.create_key(session, shop_id, name,
                                              f"admin:{g.admin_user.username}")
            created = key.prefix
    except api_keys.ApiKeyRefused as exc:
        return _shop_page(shop_id, 400, key_error=str(exc), key_name=name)
    log.info("admin.api-key-created", extra={"shop_id": shop_id, "prefix": created,
                                             "username": g.admin_user.username})
    return _shop_page(shop_id, new_key=secret, new_key_name=name.strip())


@blueprint.post("/shops/<int:shop_id>/keys/<int:key_id>/revoke")
@auth.login_required
def revoke_api_key(shop_id: int, key_id: int):
    with _services().db.transaction() as session:
        _visible_shop(session, shop_id)
        key = session.get(ApiKey, key_id)
        if key is None or key.shop_id != shop_id:
            abort(404, description="no API key with that id for this shop")
        api_keys.revoke(session, key, utcnow())
        name, prefix = key.name, key.prefix
    log.info("admin.api-key-revoked", extra={"shop_id": shop_id, "prefix": prefix,
                                             "username": g.admin_user.username})
    flash(f"API key {name} ({prefix}) is revoked: calls made with it are refused", "ok")
    return redirect(url_for("admin.shop_page", shop_id=shop_id))


@blueprint.post("/shops/<int:shop_id>/reconnect")
@auth.login_required
def reconnect_shop(shop_id: int):
    """WooCommerce: start wc-auth for this store and send the merchant to approve it there.
    (A Shopify store reconnects through the install link shown on its page.)"""
    with _services().db.reading() as session:
        shop = _visible_shop(session, shop_id)
        platform, store_url, program_id = shop.platform, shop.ref, shop.program_id
    if platform != "woocommerce":
        abort(404, description="only WooCommerce stores reconnect here; a Shopify store "
                               "reconnects by installing the app again")
    try:
        started = start_connect(_services(), store_url, program_id)
    except ConnectRefused as exc:
        flash(f"could not start the connection: {exc}", "error")
        return redirect(url_for("admin.shop_page", shop_id=shop_id))
    log.info("admin.shop-reconnect", extra={"shop_id": shop_id,
                                            "username": g.admin_user.username})
    if started.problems:  # say it before the merchant finds out from lost orders
        return render_template("woocommerce/connect_warning.html", store_url=store_url,
                               problems=started.problems, authorize_url=started.authorize_url)
    return redirect(started.authorize_url, code=303)
