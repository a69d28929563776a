"""Adding and finding shops. Each shop belongs to a merchant and runs that merchant's program."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import Credentials
from connector import shopify_tokens
from connector.models import Merchant, Program, Shop, ShopWebhook
from connector.secrets import SecretBox


def add_shop(session: Session, box: SecretBox, platform: str, ref: str, *,
             webhook_secret: str | None = None, api_key: str | None = None, api_secret: str | None = None,
             api_base: str | None = None, merchant_name: str | None = None,
             program_id: int | None = None) -> Shop:
    """Create a shop, with a merchant and an empty program of its own unless told to share one."""
    if program_id is None:
        merchant = Merchant(name=merchant_name or ref)
        session.add(merchant)
        session.flush()
        program = Program(merchant_id=merchant.id, name=f"{merchant.name} rewards")
        session.add(program)
        session.flush()
    else:
        program = session.get(Program, program_id)
        if program is None:
            raise LookupError(f"no program with id {program_id}")
    shop = Shop(merchant_id=program.merchant_id, program_id=program.id, platform=platform,
                ref=ref, api_base=api_base, status="active",
                webhook_secret_enc=box.encrypt(webhook_secret) if webhook_secret else None,
                api_key_enc=box.encrypt(api_key) if api_key else None,
                api_secret_enc=box.encrypt(api_secret) if api_secret else None)
    session.add(shop)
    session.flush()
    return shop


def credentials(shop: Shop, services) -> Credentials:
    """What a push client needs to call this shop, secrets decrypted (and a Shopify access
    token about to expire renewed first)."""
    def plain(value: str | None) -> str | None:
        return services.box.decrypt(value) if value else None
    key = (shopify_tokens.renew(services, shop.id) if shopify_tokens.needs_renewal(shop)
           else plain(shop.api_key_enc))
    return Credentials(shop.ref, shop.api_base, key, plain(shop.api_secret_enc),
                       services.config.push_timeout_seconds)


def webhook_path(shop: Shop) -> str:
    if shop.platform == "woocommerce":
        return f"/webhooks/woocommerce/{shop.id}"
    return f"/webhooks/{shop.platform}"


@dataclass(frozen=True)
class ShopKey:
    """What the acknowledgement path needs to know about a shop, with its secrets decrypted:
    the one set by hand (`shop add`) and one per webhook we registered."""

    id: int
    platform: str
    webhook_secrets: tuple[str, ...]


class ShopDirectory:
    """Shop lookups for the webhook path, cached briefly so a delivery costs no decryption."""

    def __init__(self, sessions, box: SecretBox, ttl_seconds: float = 30.0):
        self._sessions, self._box, self._ttl = sessions, box, ttl_seconds
        self._cache: dict[int, tuple[float, ShopKey | None]] = {}
        self._refs: dict[tuple[str, str], tuple[float, ShopKey | None]] = {}
        self._lock = threading.Lock()

    def by_id(self, shop_id: int, fresh: bool = False) -> ShopKey | None:
        """The shop's key, from the cache unless `fresh` (a secret may have just changed)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(shop_id)
        if hit is not None and now - hit[0] < self._ttl and not fresh:
            return hit[1]
        key = self._load(shop_id)
        with self._lock:
            self._cache[shop_id] = (now, key)
        return key

    def by_ref(self, platform: str, ref: str) -> ShopKey | None:
        """A shop by the platform's name for it (Shopify: the myshopify.com domain)."""
        now = time.monotonic()
        with self._lock:
            hit = self._refs.get((platform, ref))
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        with self._sessions() as session:
            shop_id = session.scalar(select(Shop.id).where(Shop.platform == platform,
                                                           Shop.ref == ref))
        key = self.by_id(shop_id) if shop_id is not None else None
        with self._lock:
            self._refs[(platform, ref)] = (now, key)
        return key

    def _load(self, shop_id: int) -> ShopKey | None:
        with self._sessions() as session:
            shop = session.scalar(select(Shop).where(Shop.id == shop_id, Shop.status != "removed"))
            if shop is None:
                return None
            stored = [shop.webhook_secret_enc] if shop.webhook_secret_enc else []
            stored += session.scalars(select(ShopWebhook.secret_enc).where(
                ShopWebhook.shop_id == shop.id).order_by(ShopWebhook.id))
            return ShopKey(shop.id, shop.platform,
                           tuple(dict.fromkeys(self._box.decrypt(s) for s in stored)))

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
            self._refs.clear()
