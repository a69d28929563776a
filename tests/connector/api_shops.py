"""Shops, keys and customers for the JSON API tests: a key made straight in the database, the
header that carries it, Alice delivered through real WooCommerce webhooks, and a second
merchant's shop with a program of its own."""
from __future__ import annotations

from sqlalchemy import select

from connector import api_keys, pipeline, programs
from connector.models import Customer, Shop
from connector.shops import add_shop
from tests.connector.woo import fixture_delivery, post
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET


def make_key(services, shop_id: int, name: str = "review app") -> str:
    with services.db.transaction() as session:
        return api_keys.create_key(session, shop_id, name, "test")[1]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def deliver_alice(client, services, shop_id: int) -> int:
    """Alice signs up (100 points) and pays order 13 (56 + 200 first order, pending 14 days)."""
    for name in ("01", "04"):
        assert post(client, shop_id, *fixture_delivery(name)).status_code == 200
    pipeline.drain(services.db)
    with services.db.reading() as session:
        program_id = session.get(Shop, shop_id).program_id
        return session.scalar(select(Customer.id).where(Customer.program_id == program_id,
                                                        Customer.email == "alice@example.com"))


def add_other_shop(services, url: str = "http://127.0.0.1:8001/", publish: bool = True) -> int:
    """Another merchant's WooCommerce shop, with its own program (published unless told)."""
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", url, webhook_secret=WOO_SECRET,
                        api_key="ck_other", api_secret="cs_other")
        if publish:
            programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example")
        return shop.id
