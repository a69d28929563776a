"""Keeping the customer's balance and tier visible on the store (Shopify metafields, WooCommerce
customer meta), for themes and account pages.

A push is queued whenever an applied delivery leaves a customer with a different total or tier;
the job reads the balance when it runs, so a burst of changes ends with the latest values.
Guests have no customer record on the store: nothing is pushed for them.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector import outbox
from connector.ledger import balance
from connector.models import Customer, CustomerAccount, Shop
from connector.types import utcnow


def queue_profile_push(session: Session, customer: Customer) -> None:
    accounts = session.execute(select(CustomerAccount.platform_customer_id, Shop.id).join(
        Shop, Shop.id == CustomerAccount.shop_id).where(
        CustomerAccount.customer_id == customer.id, Shop.status == "active")).all()
    for customer_ref, shop_id in accounts:
        outbox.enqueue(session, shop_id, "customer.profile",
                       f"profile:{shop_id}:{customer_ref}:{customer.points_total}:"
                       f"{customer.lifetime_earned}:{customer.tier}",
                       {"customer_id": customer.id, "customer_ref": customer_ref})


def current_profile(session: Session, customer_id: int) -> tuple[int, str | None]:
    """(available points now, tier name) for the push."""
    customer = session.get(Customer, customer_id)
    return balance(session, customer, utcnow()).available, customer.tier
