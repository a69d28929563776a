"""Import and reconcile: read orders back from the store and feed them through the pipeline.

Both record each order as an inbox delivery (the same path as a webhook) and let the pipeline
apply it, so an imported order and a delivered one leave the same ledger. Reconcile feeds only
what the ledger does not know or knows in an older state, plus orders trashed since: the only
way to recover deliveries WooCommerce dropped (it never retries).
"""
from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from tqdm import tqdm

from adapters import REGISTRY, BadPayload, TransportError
from adapters.base import OrderPage
from adapters.shopify import orders_api as shopify_orders
from adapters.woocommerce import orders_api as woo_orders
from connector import pipeline
from connector.intake import record_delivery
from connector.models import OrderState, Shop
from connector.orders import DELETED
from connector.services import Services
from connector.shops import credentials
from connector.types import utcnow

log = logging.getLogger("loyalty.reconcile")


@dataclass
class BackfillReport:
    fetched: int = 0
    fed: int = 0  # recorded for the pipeline (new or changed)
    up_to_date: int = 0
    deleted: int = 0  # trashed orders fed as deletions
    unreadable: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.fetched / self.seconds if self.seconds > 0 else 0.0


# The topic a read-back order is recorded under: the one whose body has the same shape.
ORDER_TOPIC = {"woocommerce": "order.updated", "shopify": "orders/updated"}


def _pages(services: Services, shop: Shop, since: datetime, status: str) -> Iterator[OrderPage]:
    if shop.platform == "shopify":
        return shopify_orders.orders_since(credentials(shop, services), since)
    return woo_orders.orders_since(credentials(shop, services), since, status)


def _known(services: Services, shop_id: int, order_ids: list[str]) -> dict[str, OrderState]:
    with services.db.reading() as session:
        return {state.order_id: state for state in session.scalars(select(OrderState).where(
            OrderState.shop_id == shop_id, OrderState.order_id.in_(order_ids)))}


def _feed(services: Services, shop: Shop, topic: str, body: bytes, origin: str) -> bool:
    digest = hashlib.sha256(body).hexdigest()
    inbox_id = record_delivery(services.db, platform=shop.platform, shop_id=shop.id,
                               dedupe_key=f"{origin}:sha256:{digest}", topic=topic, body=body,
                               received_at=utcnow())
    if inbox_id is None:
        return False
    services.dispatch.deliveries_recorded([inbox_id])
    return True


def _is_current(shop: Shop, order: dict, known: OrderState | None,
                report: BackfillReport) -> bool:
    """Whether the ledger already holds this state of the order (reconcile skips it)."""
    if known is None:
        return False
    try:
        (event,) = REGISTRY[shop.platform].parse(ORDER_TOPIC[shop.platform], order, shop.ref)
    except (BadPayload, ValueError) as exc:
        report.unreadable.append(f"order {order.get('id')}: {exc}")
        return False  # fed anyway: the pipeline records why it cannot be read
    return event.updated_at < known.platform_updated_at or (
        event.updated_at == known.platform_updated_at and known.status != DELETED)


def backfill(services: Services, shop: Shop, since: datetime, *, only_changed: bool,
             show_progress: bool = True) -> BackfillReport:
    report, started = BackfillReport(), time.monotonic()
    bar = tqdm(total=0, unit="order", file=sys.stderr, disable=not show_progress,
               desc="reconcile" if only_changed else "import", dynamic_ncols=True)
    with bar:
        for page in _pages(services, shop, since, "any"):
            bar.total = max(bar.total or 0, page.total)
            known = _known(services, shop.id, [str(o.get("id")) for o in page.orders]) \
                if only_changed else {}
            for order in page.orders:
                report.fetched += 1
                if only_changed and _is_current(shop, order, known.get(str(order.get("id"))),
                                                report):
                    report.up_to_date += 1
                    continue
                body = json.dumps(order, separators=(",", ":")).encode()
                report.fed += _feed(services, shop, ORDER_TOPIC[shop.platform], body,
                                    "reconcile" if only_changed else "import")
            pipeline.drain(services.db)
            bar.update(len(page.orders))
        if only_changed and shop.platform == "woocommerce":  # Shopify has no trash
            _reconcile_trash(services, shop, since, report)
            pipeline.drain(services.db)
    report.seconds = time.monotonic() - started
    return report


def _reconcile_trash(services: Services, shop: Shop, since: datetime,
                     report: BackfillReport) -> None:
    for page in _pages(services, shop, since, "trash"):
        known = _known(services, shop.id, [str(o.get("id")) for o in page.orders])
        for order in page.orders:
            state = known.get(str(order.get("id")))
            if state is not None and state.status != DELETED:
                body = json.dumps({"id": order["id"]}).encode()
                report.deleted += _feed(services, shop, "order.deleted", body,
                                        f"reconcile:{order.get('date_modified_gmt')}")


RECENT_WINDOW = timedelta(days=2)


def reconcile_recent(services: Services, now: datetime) -> dict[int, BackfillReport]:
    """The worker's periodic pass: orders changed in the last two days, for every active
    shop with API keys (Shopify retries its deliveries, but not forever). A store that cannot be read is logged and retried next time."""
    with services.db.reading() as session:
        shops = session.scalars(select(Shop).where(
            Shop.status == "active", Shop.api_key_enc.is_not(None))).all()
        for shop in shops:
            session.expunge(shop)
    reports = {}
    for shop in shops:
        try:
            reports[shop.id] = backfill(services, shop, now - RECENT_WINDOW, only_changed=True,
                                        show_progress=False)
        except TransportError as exc:
            log.warning("reconcile.failed", extra={"shop_id": shop.id, "error": str(exc)})
            continue
        if reports[shop.id].fed or reports[shop.id].deleted:
            log.info("reconcile.recovered", extra={"shop_id": shop.id,
                                                   "orders": reports[shop.id].fed,
                                                   "trashed": reports[shop.id].deleted})
    return reports
