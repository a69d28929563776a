"""Where an order came from: a friend's referral code or a shared link, read from the order's
landing URL, cart/note attribute, order meta or coupon, and what that earns the customer who
brought it (connector.referrals, connector.visits)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from connector.models import Customer, OrderState, ReferralLink, ShareLink, Shop
from connector.referrals import (
    attributed_link,
    cancel_if_refunded,
    consider_order,
    decided_referral,
)
from connector.visits import pay_conversion
from rules.events import OrderEvent
from rules.program import Program


def apply_attribution(session: Session, shop: Shop, order: OrderEvent, state: OrderState,
                      buyer: Customer, program: Program, now: datetime,
                      first_fact: bool) -> None:
    """`first_fact`: the order's first fact, so no referral can have been decided for it
    yet (a decision is written only beside its order's row)."""
    if order.test and not shop.earn_test_orders:
        return
    decided = None if first_fact else decided_referral(session, shop, order.order_id)
    if decided is not None:  # later facts (a refund) may only cancel it, code or no code
        cancel_if_refunded(session, decided, state, program, now)
        return
    link, how = attributed_link(session, shop, order)
    if isinstance(link, ReferralLink):
        consider_order(session, shop, order, state, buyer, program, link, how)
    elif isinstance(link, ShareLink) and order.status.is_paid:
        pay_conversion(session, shop, link, order, buyer, state.program_version_id, program)
