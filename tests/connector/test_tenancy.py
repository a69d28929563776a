"""One program shared by several shops: one balance and one tier per e-mail across them; shops
of different programs never see each other's customers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from connector import pipeline
from connector.models import Shop
from connector.shops import add_shop
from connector.statements import customer_statement
from tests.connector.woo import edited_delivery, fixture_delivery, post
from tests.support import WOO_SECRET

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")


def second_shop(services, woo_shop, share: bool) -> int:
    with services.db.transaction() as session:
        first = session.get(Shop, woo_shop)
        shop = add_shop(session, services.box, "woocommerce", "https://eu.example.com/",
                        webhook_secret=WOO_SECRET,
                        program_id=first.program_id if share else None)
        if not share:
            from connector import programs
            from tests.support import EXAMPLE_PROGRAM

            programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example")
        return shop.id


def statement(services, shop_id, **who):
    with services.db.reading() as session:
        return customer_statement(session, session.get(Shop, shop_id), who.get("ref"),
                                  who.get("email"))


def test_shared_program_gives_one_balance_across_shops(client, services, woo_shop):
    eu = second_shop(services, woo_shop, share=True)
    post(client, woo_shop, *fixture_delivery("04"))  # 56 points in the first shop
    post(client, eu, *edited_delivery("04", id=501, customer_id=77))  # same e-mail, other shop
    pipeline.drain(services.db)
    here, there = statement(services, woo_shop, ref="2"), statement(services, eu, ref="77")
    assert here["customer_id"] == there["customer_id"]
    assert here["pending"] == there["pending"] == 56 + 56 + 200  # one first-order bonus
    assert {e["source_key"] for e in here["entries"]} == {"order:13:earn", "order:501:earn",
                                                         f"first-order:{here['customer_id']}"}


def test_separate_programs_keep_customers_apart(client, services, woo_shop):
    other = second_shop(services, woo_shop, share=False)
    post(client, woo_shop, *fixture_delivery("04"))
    post(client, other, *edited_delivery("04", id=501))
    pipeline.drain(services.db)
    mine, theirs = statement(services, woo_shop, email="alice@example.com"), statement(
        services, other, email="alice@example.com")
    assert mine["customer_id"] != theirs["customer_id"]
    assert mine["pending"] == theirs["pending"] == 56 + 200
    assert statement(services, other, ref="2")["entries"][0]["source_key"] == "order:501:earn"


def test_same_order_id_in_two_shops_earns_in_each(client, services, woo_shop):
    eu = second_shop(services, woo_shop, share=True)
    post(client, woo_shop, *fixture_delivery("04"))
    post(client, eu, *fixture_delivery("04"))  # WooCommerce ids are per store
    pipeline.drain(services.db)
    assert statement(services, woo_shop, email="alice@example.com")["pending"] == 112 + 200
    with services.db.reading() as session:
        assert len(session.scalars(select(Shop)).all()) == 2
    # each shop's lot expires on its own: 56 each, never the other shop's points too
    from datetime import timedelta

    from connector.ledger import expire_due_lots
    from connector.types import utcnow

    with services.db.transaction() as session:
        assert expire_due_lots(session, utcnow() + timedelta(days=14 + 366)) == 2
    after = statement(services, woo_shop, email="alice@example.com")
    assert sorted(e["points"] for e in after["entries"] if e["kind"] == "expire") == [-256, -56]
    assert after["balance"] + after["pending"] == 0


def test_guest_points_are_claimed_by_the_account_with_the_same_email(client, services,
                                                                     woo_shop):
    post(client, woo_shop, *edited_delivery("04", customer_id=0))  # alice checks out as a guest
    post(client, woo_shop, *fixture_delivery("01"))  # then registers: customer 2, same e-mail
    pipeline.drain(services.db)
    account = statement(services, woo_shop, ref="2")
    assert account is not None and account["email"] == "alice@example.com"
    assert account["pending"] == 56 + 200 and account["balance"] == 100  # order + signup
    assert account["customer_id"] == statement(services, woo_shop,
                                               email="alice@example.com")["customer_id"]
