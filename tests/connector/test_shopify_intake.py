"""Shopify deliveries (tests/fixtures/shopify) through the receiver and the worker, on SQLite
and PostgreSQL: earning, refunds reported on their own, cancellation, duplicates across
subscriptions, guests, test orders, uninstall and the privacy requests."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from connector import pipeline, programs
from connector.models import (
    Customer,
    CustomerAccount,
    InboxDelivery,
    LedgerEntry,
    OutboxJob,
    PrivacyRequest,
    Shop,
)
from connector.shops import add_shop
from connector.statements import customer_statement
from tests.support import EXAMPLE_PROGRAM, SHOPIFY_DOMAIN, SHOPIFY_SECRET, shopify_delivery

# Balances read "now": the fixture orders' points must still be pending.
pytestmark = pytest.mark.usefixtures("fixture_clock")


@pytest.fixture
def shop_id(services):
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "shopify", SHOPIFY_DOMAIN,
                        webhook_secret=SHOPIFY_SECRET, api_key="shpat_test")
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(), "example.toml")
        return shop.id


def send(client, *names: str) -> list[str]:
    answers = []
    for name in names:
        body, headers = shopify_delivery(name)
        response = client.post("/webhooks/shopify", data=body, headers=headers)
        assert response.status_code == 200, response.get_json()
        answers.append(response.get_json()["status"])
    return answers


def deliver(client, services, *names: str) -> list[str]:
    answers = send(client, *names)
    pipeline.drain(services.db)
    return answers


def order_points(services, shop_id, order_id: str) -> int:
    with services.db.reading() as session:
        return sum(session.scalars(select(LedgerEntry.points).where(
            LedgerEntry.shop_id == shop_id, LedgerEntry.lot == f"order:{order_id}:earn",
            LedgerEntry.source_key.like("order:%"))))


def statement(services, shop_id, email="alice@example.com"):
    with services.db.reading() as session:
        return customer_statement(session, session.get(Shop, shop_id), None, email)


def test_a_paid_order_earns_on_shop_money_after_discounts(client, services, shop_id):
    deliver(client, services, "01", "02")
    assert order_points(services, shop_id, "5001") == 0  # pending payment earns nothing
    deliver(client, services, "03")
    # 56.25 EUR of merchandise (not the 60.75 USD the buyer saw), shipping excluded
    assert order_points(services, shop_id, "5001") == 56
    result = statement(services, shop_id)
    assert (result["balance"], result["pending"]) == (100, 256)  # signup; order + first order


def test_the_same_event_sent_to_two_subscriptions_earns_once(client, services, shop_id):
    assert deliver(client, services, "03", "04") == ["accepted", "duplicate"]
    assert order_points(services, shop_id, "5001") == 56


def test_a_partial_refund_claws_back_its_share_and_the_order_update_adds_nothing(
        client, services, shop_id):
    deliver(client, services, "03", "05")
    assert order_points(services, shop_id, "5001") == 45  # the mug's 11.25 returned
    deliver(client, services, "06")
    assert order_points(services, shop_id, "5001") == 45


def test_a_refund_before_the_order_is_folded_in_when_the_order_comes(client, services,
                                                                    shop_id):
    deliver(client, services, "05", "03")
    assert order_points(services, shop_id, "5001") == 45


def test_cancellation_removes_the_rest_and_the_first_order_bonus(client, services, shop_id):
    deliver(client, services, "01", "03", "05", "06", "07")
    assert order_points(services, shop_id, "5001") == 0
    assert statement(services, shop_id)["pending"] == 0


def test_a_guest_order_earns_against_the_email(client, services, shop_id):
    deliver(client, services, "08")
    guest = statement(services, shop_id, "guest@example.com")
    assert guest is not None and guest["pending"] > 0


def test_test_orders_earn_only_where_the_shop_opted_in(client, services, shop_id):
    deliver(client, services, "09")
    assert order_points(services, shop_id, "5003") == 0
    with services.db.transaction() as session:
        session.execute(update(Shop).values(earn_test_orders=True))
        session.execute(update(InboxDelivery).values(status="new"))
        session.execute(update(Shop).values(status="active"))
    pipeline.drain(services.db)
    assert order_points(services, shop_id, "5003") > 0


def test_gift_cards_never_earn_and_included_tax_is_taken_out(client, services, shop_id):
    deliver(client, services, "10")
    assert order_points(services, shop_id, "5004") == 20  # beans 23.80 incl. 3.80 VAT


@pytest.mark.parametrize(("change", "status", "error"), [
    ("signature", 401, "signature does not match"),
    ("domain", 404, "no shopify shop with domain other.myshopify.com"),
    ("no-domain", 404, "no shopify shop with domain (none)"),
])
def test_bad_deliveries_are_refused_and_record_nothing(client, services, shop_id, change,
                                                       status, error):
    body, headers = shopify_delivery("03")
    if change == "signature":
        body = body.replace(b"5001", b"5009", 1)
    elif change == "domain":
        headers["X-Shopify-Shop-Domain"] = "other.myshopify.com"
    else:
        del headers["X-Shopify-Shop-Domain"]
    response = client.post("/webhooks/shopify", data=body, headers=headers)
    assert response.status_code == status and error in response.get_json()["error"]
    with services.db.reading() as session:
        assert session.scalars(select(InboxDelivery)).all() == []


def test_uninstalling_stops_every_push(client, services, shop_id):
    deliver(client, services, "11")
    with services.db.transaction() as session:
        shop = session.get(Shop, shop_id)
        assert shop.status == "uninstalled" and shop.uninstalled_at is not None
    from connector import outbox, pushing

    with services.db.transaction() as session:
        outbox.enqueue(session, shop_id, "customer.tier", "after-uninstall",
                       {"customer_ref": "7001", "tag": "loyalty-gold", "previous_tag": None})
    pushing.drain(services)
    with services.db.reading() as session:
        job = session.scalar(select(OutboxJob))
        assert job.status == "dead" and "uninstalled" in job.last_error


def test_a_data_request_stores_what_we_hold_on_the_customer(client, services, shop_id):
    deliver(client, services, "01", "03", "12")
    with services.db.reading() as session:
        request = session.scalar(select(PrivacyRequest))
    export = json.loads(request.export)
    assert request.kind == "data_request" and request.request_ref == "9999"
    assert export["email"] == "alice@example.com" and export["platform_ids"] == ["7001"]
    assert export["orders"] == ["5001"] and export["loyalty"]["pending"] == 256


def test_a_customer_redact_erases_personal_data_and_keeps_the_totals(client, services,
                                                                     shop_id):
    deliver(client, services, "01", "03", "13")
    with services.db.reading() as session:
        customer = session.scalar(select(Customer))
        assert (customer.email, customer.first_name, customer.last_name) == (None, None, None)
        assert customer.points_total == 356  # the anonymous ledger stays
        assert session.scalars(select(CustomerAccount)).all() == []
        bodies = session.scalars(select(InboxDelivery.body)).all()
    assert not any(b"alice@example.com" in body or b"7001" in body for body in bodies)


def test_a_shop_redact_erases_the_shop_and_its_customers(client, services, shop_id):
    with services.db.transaction() as session:  # an installed app's expiring token
        session.get(Shop, shop_id).refresh_token_enc = services.box.encrypt("shprt_secret")
    deliver(client, services, "01", "03", "08", "11", "14")
    with services.db.reading() as session:
        shop = session.get(Shop, shop_id)
        assert shop.status == "removed" and shop.webhook_secret_enc is None
        assert (shop.api_key_enc, shop.refresh_token_enc) == (None, None)
        assert {c.email for c in session.scalars(select(Customer))} == {None}
        assert all(body == b'{"redacted": true}'
                   for body in session.scalars(select(InboxDelivery.body)))
    client.application.extensions["loyalty"].shops.forget()  # the web cache lives 30 s
    later = client.post("/webhooks/shopify", data=shopify_delivery("03")[0],
                        headers=shopify_delivery("03")[1])
    assert later.status_code == 404


def test_the_merchant_reads_the_data_export_from_the_command_line(client, services, shop_id,
                                                                 run):
    deliver(client, services, "01", "03", "12")
    listed = json.loads(run("privacy", "list", "--shop", shop_id, "--json").output)
    assert [r["kind"] for r in listed] == ["data_request"]
    assert listed[0]["export"]["email"] == "alice@example.com"
    assert "data_request" in run("privacy", "list", "--shop", shop_id).output
