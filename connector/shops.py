"""Adding and finding shops. Each shop belongs to a merchant and runs that merchant's program."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.models import Merchant, Program, Shop
from connector.secrets import SecretBox


def add_shop(session: Session, box: SecretBox, platform: str, ref: str, *,
             webhook_secret: str, api_key: str | None = None, api_secret: str | None = None,
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
                webhook_secret_enc=box.encrypt(webhook_secret),
                api_key_enc=box.encrypt(api_key) if api_key else None,
                api_secret_enc=box.encrypt(api_secret) if api_secret else None)
    session.add(shop)
    session.flush()
    return shop


def webhook_path(shop: Shop) -> str:
    if shop.platform == "woocommerce":
        return f"/webhooks/woocommerce/{shop.id}"
    return f"/webhooks/{shop.platform}"


@dataclass(frozen=True)
class ShopKey:
    """What the acknowledgement path needs to know about a shop, with its secret decrypted."""

    id: int
    platform: str
    webhook_secret: str


class ShopDirectory:
    """Shop lookups for the webhook path, cached briefly so a delivery costs no decryption."""

    def __init__(self, sessions, box: SecretBox, ttl_seconds: float = 30.0):
        self._sessions, self._box, self._ttl = sessions, box, ttl_seconds
        self._cache: dict[int, tuple[float, ShopKey | None]] = {}
        self._lock = threading.Lock()

    def by_id(self, shop_id: int) -> ShopKey | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(shop_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        key = self._load(shop_id)
        with self._lock:
            self._cache[shop_id] = (now, key)
        return key

    def _load(self, shop_id: int) -> ShopKey | None:
        with self._sessions() as session:
            shop = session.scalar(select(Shop).where(Shop.id == shop_id, Shop.status != "removed"))
            if shop is None or shop.webhook_secret_enc is None:
                return None
            return ShopKey(shop.id, shop.platform, self._box.decrypt(shop.webhook_secret_enc))

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
