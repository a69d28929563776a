"""Keeping the customer's balance and tier visible on the store (Shopify metafields, WooCommerce
customer meta), for themes and account pages.

A push is queued whenever an applied delivery leaves a customer with a different total or tier;
the job reads the balance when it runs, so a burst of changes ends with the latest values. The
worker applies many deliveries to a transaction, several of them often the same customer's:
their changes are noted as they are applied and queued once per customer, with the totals the
transaction ends with (the intermediate ones were never visible to anyone). Guests have no
customer record on the store: nothing is pushed for them.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from connector import outbox
from connector.db import run_prepared
from connector.ledger import balance
from connector.models import Customer, CustomerAccount, Shop
from connector.types import utcnow

_NOTED = "profile_changes"  # session.info: customer id -> customer, changed in this transaction
_ACCOUNTS, _SHOPS = CustomerAccount.__table__, Shop.__table__
_ACTIVE_ACCOUNTS = select(_ACCOUNTS.c.platform_customer_id, _SHOPS.c.id).join(
    _SHOPS, _SHOPS.c.id == _ACCOUNTS.c.shop_id).where(
    _ACCOUNTS.c.customer_id == bindparam("customer_id"), _SHOPS.c.status == "active")


def queue_profile_push(session: Session, customer: Customer) -> None:
    # accounts are inserted at once as they are linked (customers.link_account)
    accounts = run_prepared(session, _ACTIVE_ACCOUNTS, flush=False,
                            customer_id=customer.id).all()
    for customer_ref, shop_id in accounts:
        outbox.enqueue(session, shop_id, "customer.profile",
                       f"profile:{shop_id}:{customer_ref}:{customer.points_total}:"
                       f"{customer.lifetime_earned}:{customer.tier}",
                       {"customer_id": customer.id, "customer_ref": customer_ref})


def note_profile_change(session: Session, customer: Customer) -> None:
    """Queue the customer's push when the transaction's changes are complete (queue_noted)."""
    session.info.setdefault(_NOTED, {})[customer.id] = customer


def queue_noted(session: Session) -> None:
    """One push for each customer noted since the last call, with their totals as they are now."""
    for customer in session.info.pop(_NOTED, {}).values():
        if customer in session:  # not: created in a savepoint since rolled back
            queue_profile_push(session, customer)


def current_profile(session: Session, customer_id: int) -> tuple[int, str | None]:
    """(available points now, tier name) for the push."""
    customer = session.get(Customer, customer_id)
    return balance(session, customer, utcnow()).available, customer.tier
