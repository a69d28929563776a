"""A refund reported on its own (Shopify refunds/create): recorded by id, then the order's
last fact is applied again with it, so the clawback follows the cumulative refunds."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.facts import order_from_json
from connector.models import OrderRefund, OrderState, Shop
from connector.orders import Applied, apply_order
from rules.events import OrderRefunded


def apply_refund(session: Session, shop: Shop, refund: OrderRefunded, now: datetime) -> Applied:
    known = session.scalar(select(OrderRefund.id).where(
        OrderRefund.shop_id == shop.id, OrderRefund.order_id == refund.order_id,
        OrderRefund.refund_id == refund.refund_id))
    if known is None:
        session.add(OrderRefund(shop_id=shop.id, order_id=refund.order_id,
                                refund_id=refund.refund_id, merchandise=refund.merchandise))
        session.flush()
    fact = session.scalar(select(OrderState.fact).where(OrderState.shop_id == shop.id,
                                                        OrderState.order_id == refund.order_id))
    if fact is None:  # the order's own delivery will fold the refund in when it comes
        return Applied(f"refund {refund.refund_id} of order {refund.order_id} recorded")
    applied = apply_order(session, shop, order_from_json(fact), now)
    return Applied(f"refund {refund.refund_id}: {applied.note}", applied.customer)
