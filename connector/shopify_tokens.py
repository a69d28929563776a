"""Shopify's expiring offline tokens: the access token lives an hour; before it runs out we
exchange the refresh token (which rotates on every use) for a new pair.

Renewals are serialised per shop by locking the shop's row while the exchange runs, so two
workers never spend the same refresh token; the second one finds the token already renewed.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from adapters import TransportError
from adapters.shopify import install
from connector.models import Shop
from connector.secrets import SecretBox
from connector.types import utcnow

log = logging.getLogger("loyalty.tokens")
RENEW_BEFORE = timedelta(minutes=5)


def store_grant(shop: Shop, grant: install.TokenGrant, box: SecretBox) -> None:
    shop.api_key_enc = box.encrypt(grant.access_token)
    shop.refresh_token_enc = box.encrypt(grant.refresh_token) if grant.refresh_token else None
    shop.api_token_expires_at = (utcnow() + timedelta(seconds=grant.expires_in)
                                 if grant.expires_in else None)


def needs_renewal(shop: Shop) -> bool:
    return (shop.platform == "shopify" and shop.refresh_token_enc is not None
            and shop.api_token_expires_at is not None
            and shop.api_token_expires_at - RENEW_BEFORE <= utcnow())


def renew(services, shop_id: int) -> str:
    """The shop's current access token, renewed first if it expires within five minutes."""
    app = services.config.shopify
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.id == shop_id).with_for_update())
        if not needs_renewal(shop):  # another worker renewed it while we waited for the lock
            return services.box.decrypt(shop.api_key_enc)
        if app is None:
            raise TransportError("the shop's token expired and the Shopify app's credentials "
                                 "are not configured (LOYALTY_SHOPIFY_CLIENT_ID/_SECRET)",
                                 permanent=True)
        try:
            grant = install.refresh(shop.ref, services.box.decrypt(shop.refresh_token_enc),
                                    app.client_id, app.client_secret,
                                    shop.api_base or app.api_base,
                                    services.config.push_timeout_seconds)
        except install.InstallRefused as exc:
            raise TransportError(f"Shopify refused to renew the access token: {exc}; the "
                                 "merchant must open the app again", revoked=True) from None
        store_grant(shop, grant, services.box)
        log.info("shop.token-renewed", extra={"shop_id": shop_id})
        return grant.access_token
