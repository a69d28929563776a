"""Uninstalls and the mandatory privacy requests (Shopify's compliance topics).

A data request stores what we hold on the customer for the merchant to hand over. A customer
redact erases e-mail, names and platform ids, from our tables and from stored deliveries,
keeping the ledger's anonymous totals. A shop redact (48 h after an uninstall) does the same
for every customer seen only through that shop and forgets the shop's secrets.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    LargeBinary,
    Text,
    bindparam,
    cast,
    delete,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from connector.customers import find_customer
from connector.models import (
    Customer,
    CustomerAccount,
    InboxDelivery,
    OrderState,
    PrivacyRequest,
    Shop,
)
from connector.statements import customer_statement
from rules.events import PrivacyEvent, ShopUninstalled
from rules.events import PrivacyRequest as Kind

REDACTED_BODY = b'{"redacted": true}'


def apply_uninstalled(session: Session, shop: Shop, event: ShopUninstalled,
                      now: datetime) -> str:
    if shop.status != "uninstalled":
        shop.status, shop.uninstalled_at = "uninstalled", now
        shop.status_note = "the merchant uninstalled the app: nothing is pushed any more"
    return f"shop {shop.id} uninstalled"


def apply_privacy(session: Session, shop: Shop, event: PrivacyEvent, now: datetime) -> str:
    record = PrivacyRequest(shop_id=shop.id, kind=event.request.value,
                            customer_ref=event.customer_ref, request_ref=event.request_id,
                            created_at=now)
    session.add(record)
    if event.request is Kind.SHOP_REDACT:
        record.outcome = _redact_shop(session, shop)
        return record.outcome
    customer = find_customer(session, shop, event.customer_ref, event.email)
    if customer is None:
        record.outcome = "no such customer: we hold nothing on them"
    elif event.request is Kind.DATA_REQUEST:
        record.export = json.dumps(_export(session, shop, customer, event, now))
        record.outcome = f"export of customer {customer.id} stored for the merchant"
    else:
        _redact_customer(session, customer)
        record.outcome = f"customer {customer.id} redacted; anonymous ledger kept"
    return record.outcome


def _export(session: Session, shop: Shop, customer: Customer, event: PrivacyEvent,
            now: datetime) -> dict:
    statement = customer_statement(session, shop, None, customer.email) or {}
    accounts = session.scalars(select(CustomerAccount.platform_customer_id).where(
        CustomerAccount.customer_id == customer.id)).all()
    orders = session.scalars(select(OrderState.order_id).where(
        OrderState.customer_id == customer.id)).all()
    return {"email": customer.email, "first_name": customer.first_name,
            "last_name": customer.last_name, "platform_ids": sorted(accounts),
            "orders": sorted(orders), "requested_orders": list(event.order_ids),
            "loyalty": statement}


def _body_contains(session: Session, trace: str):
    """Stored bodies containing `trace`. PostgreSQL matches bytea with a bytea pattern; SQLite
    matches a BLOB only once it is cast to text."""
    pattern = "%" + trace.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    if session.get_bind().dialect.name == "sqlite":
        return cast(InboxDelivery.body, Text).like(pattern, escape="!")
    return text("inbox.body LIKE :pattern ESCAPE '!'").bindparams(
        bindparam("pattern", pattern.encode(), type_=LargeBinary()))


def _redact_customer(session: Session, customer: Customer) -> None:
    traces = [customer.email] if customer.email else []
    traces += session.scalars(select(CustomerAccount.platform_customer_id).where(
        CustomerAccount.customer_id == customer.id)).all()
    for trace in traces:  # stored deliveries are personal data too
        session.execute(update(InboxDelivery).where(_body_contains(session, trace))
                        .values(body=REDACTED_BODY))
    session.execute(update(OrderState).where(OrderState.customer_id == customer.id)
                    .values(fact=None))
    session.execute(delete(CustomerAccount).where(CustomerAccount.customer_id == customer.id))
    customer.email = customer.first_name = customer.last_name = None


def _redact_shop(session: Session, shop: Shop) -> str:
    only_here = select(CustomerAccount.customer_id).where(CustomerAccount.shop_id == shop.id)
    elsewhere = select(CustomerAccount.customer_id).where(CustomerAccount.shop_id != shop.id)
    ordered_here = select(OrderState.customer_id).where(OrderState.shop_id == shop.id)
    customers = session.scalars(select(Customer).where(
        or_(Customer.id.in_(only_here), Customer.id.in_(ordered_here)),
        Customer.id.not_in(elsewhere))).all()
    for customer in customers:
        _redact_customer(session, customer)
    session.execute(update(InboxDelivery).where(InboxDelivery.shop_id == shop.id)
                    .values(body=REDACTED_BODY))
    session.execute(delete(CustomerAccount).where(CustomerAccount.shop_id == shop.id))
    session.execute(update(OrderState).where(OrderState.shop_id == shop.id).values(fact=None))
    shop.status, shop.status_note = "removed", "shop data erased on the platform's request"
    shop.webhook_secret_enc = shop.api_key_enc = shop.api_secret_enc = None
    shop.refresh_token_enc, shop.api_token_expires_at = None, None
    return f"shop {shop.id} redacted: {len(customers)} customers erased; anonymous ledger kept"
