"""Applying one common event to the ledger: which handler takes which kind of event, and the
profile push that follows an order change (noted here, queued by the caller once its deliveries
are applied: connector.profiles). Returns (inbox status, note) for the delivery."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from connector.customers import apply_customer_event
from connector.deletions import apply_order_deleted
from connector.models import Shop
from connector.orders import Applied, apply_order
from connector.privacy import apply_privacy, apply_uninstalled
from connector.profiles import note_profile_change
from connector.refunds import apply_refund
from rules.events import (
    CustomerEvent,
    IgnoredDelivery,
    OrderDeleted,
    OrderEvent,
    OrderRefunded,
    PrivacyEvent,
    ShopUninstalled,
)


def _applied(session: Session, applied: Applied) -> tuple[str, str]:
    if applied.customer is not None:
        note_profile_change(session, applied.customer)
    return "done", applied.note


def apply_event(session: Session, shop: Shop, event, now: datetime) -> tuple[str, str]:
    if isinstance(event, OrderEvent):
        return _applied(session, apply_order(session, shop, event, now))
    if isinstance(event, OrderDeleted):
        return _applied(session, apply_order_deleted(session, shop, event, now))
    if isinstance(event, OrderRefunded):
        return _applied(session, apply_refund(session, shop, event, now))
    if isinstance(event, ShopUninstalled):
        return "done", apply_uninstalled(session, shop, event, now)
    if isinstance(event, PrivacyEvent):
        return "done", apply_privacy(session, shop, event, now)
    if isinstance(event, CustomerEvent):
        return "done", apply_customer_event(session, shop, event)
    if isinstance(event, IgnoredDelivery):
        return "ignored", event.reason
    return "ignored", f"no handler for {type(event).__name__}"
