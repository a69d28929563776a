"""A trashed order (WooCommerce order.deleted, only its id) loses what it earned while its
points were still pending; released points stay."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.awards import reverse_first_order
from connector.ledger import lot_remaining, write_entry
from connector.models import Customer, LedgerEntry, OrderState, Shop
from connector.orders import DELETED, Applied, _state_for, refresh_later_multipliers
from connector.placement import live_program, place_in_tier
from connector.referrals import order_trashed
from rules.events import OrderDeleted


def apply_order_deleted(session: Session, shop: Shop, event: OrderDeleted,
                        now: datetime) -> Applied:
    """A trashed order loses what it earned while still pending; released points stay.

    An order we have not seen yet leaves a tombstone, so its older bodies arriving later are
    stale; a restore carries a newer modification time and earns again.
    """
    state = _state_for(session, shop, event.order_id)
    if state is None:
        session.add(OrderState(shop_id=shop.id, order_id=event.order_id, status=DELETED,
                               currency="", merchandise=Decimal(0), refunded=Decimal(0),
                               net_spend=Decimal(0), credited=0, multiplier=Decimal(1),
                               platform_updated_at=now))
        return Applied(f"order {event.order_id} deleted before it was seen")
    if state.status == DELETED:
        return Applied(f"order {event.order_id} already deleted")
    lot = f"order:{event.order_id}:earn"
    opener = session.scalar(select(LedgerEntry).where(LedgerEntry.shop_id == shop.id,
                                                      LedgerEntry.source_key == lot))
    if opener is not None and opener.available_at <= now:
        return Applied(f"order {event.order_id} trashed after its points were released: kept")
    customer = session.get(Customer, state.customer_id)
    session.refresh(customer, with_for_update=True)
    if opener is not None:
        taken = min(state.credited, max(lot_remaining(session, shop.id, lot), 0))
        if taken:
            write_entry(session, customer, LedgerEntry(
                shop_id=shop.id, kind="clawback", points=-taken, lot=lot,
                program_version_id=state.program_version_id, available_at=opener.available_at,
                source_key=f"order:{event.order_id}:deleted:{state.platform_updated_at.isoformat()}",
                expires_at=opener.expires_at, reason=f"order {event.order_id} deleted"))
        reverse_first_order(session, shop, customer, lot)
    state.status, state.credited, state.net_spend = DELETED, 0, Decimal(0)
    session.flush()
    order_trashed(session, shop, state, now)
    refresh_later_multipliers(session, customer, state)  # its spend no longer counts
    state.paid_at = None
    live = live_program(session, shop)
    if live is not None:
        place_in_tier(session, customer, live, now, cause=f"order:{event.order_id}:deleted")
    return Applied(f"order {event.order_id} deleted: pending points removed", customer)
