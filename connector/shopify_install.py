"""Installing the app on a Shopify store: OAuth with a one-time state, then webhooks.

/shopify/install checks the shop domain, stores the state (only its SHA-256, one hour, used
once) and sends the merchant to Shopify's permission page; /shopify/callback accepts only a
callback signed with the client secret, fresh, for the shop the state was made for, exchanges
the code for an offline token, stores it encrypted and queues the webhook subscriptions.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import select

from adapters import TransportError
from adapters.shopify import install, webhooks_api
from connector import outbox
from connector.connect_tokens import StateRefused, claim_state, digest, find_state, new_state
from connector.models import Shop
from connector.services import Services
from connector.shopify_tokens import store_grant
from connector.shops import add_shop, credentials
from connector.types import utcnow

log = logging.getLogger("loyalty.install")
PLATFORM = "shopify"


class InstallError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _app(services: Services):
    if services.config.shopify is None:
        raise InstallError(503, "Shopify installs are not configured: set "
                                "LOYALTY_SHOPIFY_CLIENT_ID and LOYALTY_SHOPIFY_CLIENT_SECRET")
    return services.config.shopify


def start_install(services: Services, shop: str | None) -> str:
    app = _app(services)
    try:
        domain = install.shop_domain(shop)
    except install.InstallRefused as exc:
        raise InstallError(400, str(exc)) from None
    with services.db.transaction() as session:
        state = new_state(session, PLATFORM, domain, utcnow())
    return install.permission_url(domain, app.client_id, app.client_secret, list(app.scopes),
                                  f"{services.config.public_url}/shopify/callback", state)


def complete_install(services: Services, params: Mapping[str, str]) -> int:
    app = _app(services)
    try:
        domain = install.verify_callback(params, app.client_id, app.client_secret)
    except install.InstallRefused as exc:
        raise InstallError(400, str(exc)) from None
    _claim_state(services, params["state"], domain)
    try:
        grant = install.exchange_code(domain, params["code"], app.client_id, app.client_secret,
                                      app.api_base, services.config.push_timeout_seconds)
    except install.InstallRefused as exc:
        raise InstallError(400, str(exc)) from None
    except TransportError as exc:
        raise InstallError(502, str(exc)) from None
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.platform == PLATFORM, Shop.ref == domain))
        if shop is None:
            shop = add_shop(session, services.box, PLATFORM, domain,
                            webhook_secret=app.client_secret, api_key=grant.access_token,
                            api_base=app.api_base)
        else:
            shop.webhook_secret_enc = services.box.encrypt(app.client_secret)
        store_grant(shop, grant, services.box)
        if shop.status != "active":
            shop.status, shop.status_note, shop.uninstalled_at = "active", None, None
            outbox.resume_shop(session, shop.id)
        outbox.enqueue(session, shop.id, "shop.register_webhooks",
                       f"register:{shop.id}:{digest(params['state'])[:16]}", {})
        shop_id = shop.id
    services.shops.forget()
    log.info("shop.installed", extra={"shop_id": shop_id, "shop": domain})
    return shop_id


def _claim_state(services: Services, state: str, domain: str) -> None:
    with services.db.transaction() as session:
        known = find_state(session, PLATFORM, state)
        if known is None or known.store_url != domain:
            raise InstallError(403, "state: unknown, or made for another shop; install again")
        try:
            claim_state(session, PLATFORM, state, utcnow())
        except StateRefused as exc:
            said = "expired" if exc.reason == "expired" else "already used"
            raise InstallError(403, f"state: {said}; install again") from None


def register_webhooks(services: Services, shop_id: int) -> dict[str, str]:
    with services.db.reading() as session:
        creds = credentials(session.get(Shop, shop_id), services)
    done = webhooks_api.subscribe(creds, f"{services.config.public_url}/webhooks/shopify")
    log.info("shop.webhooks-registered", extra={"shop_id": shop_id, "actions": done})
    return done
