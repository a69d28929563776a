"""`loyalty program simulate`: the shop's stored orders replayed under a draft and the live version.

The inbox keeps every delivery's raw body, so the order history is read from there (streamed, never
all rows at once), parsed with the platform's adapter and reduced to the latest fact per order.
The rules work is rules.simulation; this module only reads and compares.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters import BadPayload
from connector import programs
from connector.models import InboxDelivery, Shop
from connector.pipeline import events_of
from rules.events import OrderEvent
from rules.program import Program
from rules.simulation import Summary, simulate

REPLAYED_STATUSES = ("done", "new")  # ignored rows carry no order; failed ones could not be read
_BATCH = 1000


@dataclass(frozen=True)
class Comparison:
    draft: Summary
    live: Summary | None  # None when the shop has no published version yet
    live_version: int | None
    live_currency: str | None
    movers: int  # customers whose tier at `now` differs between the draft and the live version
    orders: int
    unreadable: int  # stored deliveries the adapter refused (they never earned either)


@dataclass(frozen=True)
class StoredOrders:
    orders: list[tuple[str, OrderEvent]]  # (customer key, latest fact of one order)
    unreadable: int


def customer_key(order: OrderEvent) -> str | None:
    """The customer an order belongs to in a simulation: platform id, else e-mail."""
    if order.customer_ref:
        return f"ref:{order.customer_ref}"
    if order.email:
        return f"email:{order.email}"
    return None


def _replayed(shop_id: int):
    return (InboxDelivery.shop_id == shop_id, InboxDelivery.status.in_(REPLAYED_STATUSES))


def count_deliveries(session: Session, shop_id: int) -> int:
    return session.scalar(select(func.count()).select_from(InboxDelivery)
                          .where(*_replayed(shop_id))) or 0


def stored_orders(session: Session, shop: Shop, since: datetime | None = None,
                  progress: Callable[[int], None] | None = None) -> StoredOrders:
    """The latest fact (by the platform's updated_at) of each order created at or after `since`."""
    rows = session.execute(
        select(InboxDelivery.platform, InboxDelivery.topic, InboxDelivery.body)
        .where(*_replayed(shop.id)).order_by(InboxDelivery.id)
        .execution_options(yield_per=_BATCH))
    latest: dict[str, tuple[str, OrderEvent]] = {}
    unreadable = 0
    for platform, topic, body in rows:
        if progress is not None:
            progress(1)
        try:
            events = events_of(platform, topic, body, shop.ref)
        except (BadPayload, ValueError):
            unreadable += 1
            continue
        for event in events:
            if isinstance(event, OrderEvent):
                _keep_latest(latest, event)
    orders = [(key, order) for key, order in latest.values()
              if since is None or order.created_at >= since]
    return StoredOrders(orders, unreadable)


def _keep_latest(latest: dict[str, tuple[str, OrderEvent]], order: OrderEvent) -> None:
    key = customer_key(order)
    if key is None:  # a guest without an e-mail never earns
        return
    held = latest.get(order.order_id)
    if held is None or order.updated_at >= held[1].updated_at:
        latest[order.order_id] = (key, order)


def compare(session: Session, shop: Shop, draft: Program, now: datetime,
            since: datetime | None = None,
            progress: Callable[[int], None] | None = None) -> Comparison:
    """Replay the shop's stored orders under `draft` and under the live version, side by side."""
    stored = stored_orders(session, shop, since, progress)
    draft_summary, draft_tiers = simulate(draft, stored.orders, now)
    version = programs.live_version(session, shop.program_id)
    if version is None:
        return Comparison(draft_summary, None, None, None, 0, len(stored.orders),
                          stored.unreadable)
    live = programs.parsed(version)
    live_summary, live_tiers = simulate(live, stored.orders, now)
    movers = sum(1 for key, name in draft_tiers.items() if live_tiers.get(key) != name)
    return Comparison(draft_summary, live_summary, version.version, live.currency, movers,
                      len(stored.orders), stored.unreadable)


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    draft: str
    live: str


def _cells(summary: Summary | None, currency: str, tiers: list[str]) -> list[str]:
    if summary is None:
        return ["n/a"] * (4 + len(tiers))
    counts = dict(summary.tier_counts)
    return [str(summary.points_issued), str(summary.points_redeemable),
            f"{summary.reward_cost} {currency}", f"{summary.liability} {currency}",
            *(str(counts.get(name, 0)) for name in tiers)]


def comparison_rows(result: Comparison, draft: Program) -> list[ComparisonRow]:
    """The draft and live columns, row by row (the admin's table and the CLI's)."""
    tiers = list(dict.fromkeys(name for summary in (result.draft, result.live) if summary
                               for name, _ in summary.tier_counts))
    labels = ["Points issued", "Points redeemable", "Reward cost (face value)",
              "Outstanding liability", *(f"Customers in tier {name}" for name in tiers)]
    draft_cells = _cells(result.draft, draft.currency, tiers)
    live_cells = _cells(result.live, result.live_currency or "", tiers)
    return [ComparisonRow(*cells) for cells in zip(labels, draft_cells, live_cells, strict=True)]
