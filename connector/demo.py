"""`loyalty demo`: a seeded store, the example program and the captured deliveries, end to end."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from connector import migrate, pipeline, programs
from connector.models import Customer, Shop
from connector.receiving import receive
from connector.services import Services
from connector.shops import add_shop
from connector.statements import statement_of

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_REF = "http://127.0.0.1:8000/"  # the store URL the fixtures were captured from
DEMO_SECRET = "loyalty-test-secret"


def demo_shop(services: Services) -> Shop:
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.platform == "woocommerce",
                                                 Shop.ref == DEMO_REF))
        if shop is None:
            shop = add_shop(session, services.box, "woocommerce", DEMO_REF,
                            webhook_secret=DEMO_SECRET, merchant_name="Demo Coffee Co.")
        text = (DEMO_DATA / "program-example.toml").read_text()
        programs.publish(session, shop.program_id, text, "program-example.toml", actor="demo")
    services.shops.forget()
    return shop


def run_demo(services: Services, echo) -> None:
    migrate.upgrade(services.db)
    shop = demo_shop(services)
    echo(f"demo shop {shop.id} ({DEMO_REF}) runs the example program")
    for path in sorted((DEMO_DATA / "woocommerce").glob("*.json")):
        delivery = json.loads(path.read_text())
        receipt = receive(services, "woocommerce", shop.id, dict(delivery["headers"]),
                          delivery["body"].encode())
        echo(f"  {path.stem:<42} -> {receipt.status} {receipt.body.get('status', '')}")
    processed = pipeline.drain(services.db)
    echo(f"processed {processed} deliveries")
    with services.db.reading() as session:
        for customer in session.scalars(select(Customer).where(
                Customer.program_id == shop.program_id).order_by(Customer.id)):
            statement = statement_of(session, customer)
            echo(f"{customer.email}: {statement['balance']} available, "
                 f"{statement['pending']} pending, lifetime {statement['lifetime_earned']}")
            for entry in statement["entries"]:
                echo(f"    {entry['kind']:<9} {entry['points']:>5}  {entry['source_key']}")
