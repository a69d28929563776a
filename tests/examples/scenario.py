"""Running orders through an example program: through the real pipeline where it applies the
rule today, and through the pure decisions where the store-side issuing comes later."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from connector import pipeline, programs
from connector.models import Shop
from connector.shops import add_shop
from connector.statements import customer_statement
from rules.events import LineItem, OrderEvent, OrderStatus
from rules.program import Program, load_program
from tests.connector.woo import edited_delivery, post
from tests.support import ROOT, WOO_SECRET

EXAMPLES = ROOT / "examples" / "programs"


def example(name: str) -> Path:
    return EXAMPLES / f"{name}.toml"


def example_program(name: str) -> Program:
    return load_program(example(name).read_text(), source=str(example(name)))


def line(sku: str, total: str, quantity: int = 1) -> dict:
    return {"id": abs(hash(sku)) % 1000, "name": sku, "product_id": 1, "variation_id": 0,
            "quantity": quantity, "subtotal": total, "subtotal_tax": "0.00", "total": total,
            "total_tax": "0.00", "taxes": [], "meta_data": [], "sku": sku, "price": 0}


class Store:
    """A fresh WooCommerce shop running one example program, fed through the pipeline."""

    def __init__(self, client, services, name: str):
        self.client, self.services = client, services
        with services.db.transaction() as session:
            shop = add_shop(session, services.box, "woocommerce",
                            f"https://{uuid.uuid4().hex}.example/", webhook_secret=WOO_SECRET)
            programs.publish(session, shop.program_id, example(name).read_text(), name)
            self.shop_id = shop.id

    def order(self, order_id: int, *lines: dict, paid: str, email: str = "alice@example.com",
              **changes) -> None:
        changes = {"date_modified_gmt": paid, **changes}
        body, headers = edited_delivery("04", id=order_id, line_items=list(lines),
                                        date_paid_gmt=paid, customer_id=0,
                                        billing={"email": email}, **changes)
        assert post(self.client, self.shop_id, body, headers).status_code == 200
        pipeline.drain(self.services.db)

    def customer(self, email: str = "alice@example.com") -> dict:
        with self.services.db.reading() as session:
            return customer_statement(session, session.get(Shop, self.shop_id), None, email)


def order_event(*lines: tuple[str, str, int], status=OrderStatus.PAID, refunded="0",
                paid_at=datetime(2026, 3, 1, tzinfo=UTC)) -> OrderEvent:
    return OrderEvent(
        platform="woocommerce", shop_ref="s", order_id="1", customer_ref=None,
        email="alice@example.com", currency="USD", status=status, created_at=paid_at,
        updated_at=paid_at, paid_at=paid_at,
        line_items=tuple(LineItem(sku, None, qty, Decimal(total)) for sku, total, qty in lines),
        refunded=Decimal(refunded))
