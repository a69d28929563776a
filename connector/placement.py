"""Placing a customer in a VIP tier from their order history, and queuing the store update."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector import outbox, programs
from connector.models import Customer, CustomerAccount, OrderState, Shop
from rules import tiers
from rules.program import Program


def place_in_tier(session: Session, customer: Customer, program: Program, now: datetime,
                  cause: str) -> bool:
    """Recompute the tier from qualifying spend in the window; on a change, queue a push to
    every shop where the customer has an account. Returns whether the tier changed."""
    paid = session.execute(select(OrderState.paid_at, OrderState.net_spend).where(
        OrderState.customer_id == customer.id, OrderState.paid_at.is_not(None))).all()
    spend = tiers.qualifying_spend(((p, n) for p, n in paid), program, now)
    tier = tiers.tier_for(program, spend)
    name = tier.name if tier else None
    if name == customer.tier:
        return False
    previous = program.tier_named(customer.tier) if customer.tier else None
    customer.tier = name
    tag, previous_tag = (tier.tag if tier else None), (previous.tag if previous else None)
    if tag == previous_tag:  # e.g. joining the base tier, which marks nothing on the store
        return True
    accounts = session.execute(select(CustomerAccount, Shop).join(
        Shop, Shop.id == CustomerAccount.shop_id).where(
        CustomerAccount.customer_id == customer.id, Shop.status == "active")).all()
    for account, shop in accounts:
        outbox.enqueue(session, shop.id, "customer.tier",
                       f"tier:{shop.id}:{account.platform_customer_id}:{cause}",
                       {"customer_ref": account.platform_customer_id, "tier": name,
                        "tag": tag, "previous_tag": previous_tag})
    return True


def live_program(session: Session, shop: Shop) -> Program | None:
    version = programs.live_version(session, shop.program_id)
    return None if version is None else programs.parsed(version)
