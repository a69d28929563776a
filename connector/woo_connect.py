"""Connecting a WooCommerce store in one click (wc-auth), then registering our webhooks.

start -> the merchant approves on the store -> the store POSTs the keys to our callback with
our one-time state -> we store them encrypted and queue the webhook registration, which runs in
the worker (the callback must answer 200 at once, or WooCommerce deletes the new key).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from adapters import BadPayload
from adapters.woocommerce import webhooks_api
from adapters.woocommerce.connect import authorize_url, key_grant, store_home
from adapters.woocommerce.urls import delivery_url_problems
from connector import outbox
from connector.connect_tokens import StateRefused, claim_state, find_state, new_state
from connector.models import ConnectToken, Program, Shop, ShopWebhook
from connector.services import Services
from connector.shops import add_shop, credentials, webhook_path
from connector.types import utcnow

log = logging.getLogger("loyalty.connect")
PLATFORM = "woocommerce"
APP_NAME = "Loyalty"
STATE_REFUSALS = {"unknown": "unknown", "expired": "expired", "used": "already used"}


class ConnectRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ConnectStart:
    authorize_url: str
    problems: list[str]  # why the store may not be able to reach us, in plain words


def url_problems(services: Services, store_url: str | None = None) -> list[str]:
    return delivery_url_problems(f"{services.config.public_url}/webhooks/woocommerce/",
                                 store_url)


def start_connect(services: Services, store_url: str, program_id: int | None = None,
                  ) -> ConnectStart:
    try:
        home = store_home(store_url)
    except ValueError as exc:
        raise ConnectRefused(400, f"store_url: {exc}") from None
    with services.db.transaction() as session:
        if program_id is not None and session.get(Program, program_id) is None:
            raise ConnectRefused(400, f"program: no program with id {program_id}")
        token = new_state(session, PLATFORM, home, utcnow(), program_id)
    public = services.config.public_url
    url = authorize_url(home, APP_NAME, token, f"{public}/woocommerce/return",
                        f"{public}/woocommerce/callback")
    return ConnectStart(url, url_problems(services, home))


def complete_connect(services: Services, payload: object) -> int:
    """Accept the store's key callback; returns the shop id. Refuses forged or reused states."""
    try:
        grant = key_grant(payload)
    except BadPayload as exc:
        raise ConnectRefused(400, str(exc)) from None
    now = utcnow()
    with services.db.transaction() as session:
        try:
            token = claim_state(session, PLATFORM, grant.state, now)
        except StateRefused as exc:
            raise ConnectRefused(403, f"connect token {STATE_REFUSALS[exc.reason]}: start the "
                                 "connection again") from None
        shop = _connected_shop(session, services, token, grant.consumer_key,
                               grant.consumer_secret)
        token.shop_id = shop.id
        outbox.enqueue(session, shop.id, "shop.register_webhooks", f"register:{shop.id}:{token.id}",
                       {"reason": "connected"})
        shop_id, store = shop.id, token.store_url
    services.shops.forget()
    log.info("shop.connected", extra={"shop_id": shop_id, "store": store,
                                      "key_id": grant.key_id})
    return shop_id


def _connected_shop(session, services: Services, token: ConnectToken, key: str,
                    secret: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.platform == PLATFORM,
                                             Shop.ref == token.store_url))
    if shop is None:
        return add_shop(session, services.box, PLATFORM, token.store_url, api_key=key,
                        api_secret=secret, program_id=token.program_id)
    shop.api_key_enc, shop.api_secret_enc = services.box.encrypt(key), services.box.encrypt(secret)
    shop.status, shop.status_note = "active", None
    outbox.resume_shop(session, shop.id)
    return shop


def connect_outcome(services: Services, state: str) -> tuple[str, int | None, str]:
    """(status, shop id, store) for the page the merchant returns to: connected | waiting."""
    with services.db.reading() as session:
        token = find_state(session, PLATFORM, state)
        if token is None:
            raise ConnectRefused(404, "unknown connect token")
        status = "connected" if token.shop_id is not None else "waiting"
        return status, token.shop_id, token.store_url


def _wanted(services: Services, shop: Shop, session, delivery_url: str):
    """Our secret (and known id) per topic, creating secrets first so that the store's first
    delivery, which may come before we hear back, already verifies."""
    rows = {row.topic: row for row in session.scalars(
        select(ShopWebhook).where(ShopWebhook.shop_id == shop.id))}
    wanted = {}
    for topic in webhooks_api.TOPICS:
        row = rows.get(topic)
        if row is None or row.delivery_url != delivery_url:
            if row is None:
                row = ShopWebhook(shop_id=shop.id, topic=topic)
                session.add(row)
            row.delivery_url, row.platform_webhook_id = delivery_url, None
            row.secret_enc = services.box.encrypt(secrets.token_urlsafe(32))
        wanted[topic] = webhooks_api.Wanted(services.box.decrypt(row.secret_enc),
                                            row.platform_webhook_id)
    return wanted


def register_webhooks(services: Services, shop_id: int) -> dict[str, str]:
    """Make the store deliver our five topics to us; returns what was done per topic."""
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        delivery_url = services.config.public_url + webhook_path(shop)
        wanted = _wanted(services, shop, session, delivery_url)
        creds = credentials(shop, services)
    services.shops.forget()
    registered = webhooks_api.ensure_webhooks(creds, delivery_url, wanted)
    with services.db.transaction() as session:
        for row in session.scalars(select(ShopWebhook).where(ShopWebhook.shop_id == shop_id)):
            if row.topic in registered:
                row.platform_webhook_id = registered[row.topic].webhook_id
    actions = {topic: done.action for topic, done in registered.items()}
    log.info("shop.webhooks-registered", extra={"shop_id": shop_id, "actions": actions})
    for problem in url_problems(services):
        log.warning("shop.delivery-url-problem", extra={"shop_id": shop_id, "problem": problem})
    return actions
