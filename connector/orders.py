"""Applying one cumulative order fact: bind the program version, earn, claw back, re-tier.

Facts arrive repeated, reordered and coalesced. A fact older than the one we hold is stale and
changes nothing. Otherwise the order's owed points are recomputed from its cumulative state
under the version it first earned with, and owed - credited is written. The first earning fact
opens a lot for the gross points (`order:<id>:earn`); later changes are keyed by the platform's
modification time and the new target, so any schedule of the same facts writes the same entries.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from adapters import REGISTRY
from connector import programs
from connector.attribution import apply_attribution
from connector.awards import award_first_order, reverse_first_order
from connector.customers import resolve_customer
from connector.db import run_prepared
from connector.facts import order_from_json, order_to_json
from connector.ledger import entry_exists, lot_remaining, write_entry
from connector.models import Customer, LedgerEntry, OrderRefund, OrderState, ProgramVersion, Shop
from connector.placement import live_program, paid_orders, place_in_tier
from rules import earning, tiers
from rules.events import OrderEvent, OrderStatus
from rules.program import Program

DELETED = "deleted"  # OrderState.status of a trashed order
_REFUNDS = OrderRefund.__table__
_REPORTED_REFUNDS = select(_REFUNDS.c.merchandise).where(
    _REFUNDS.c.shop_id == bindparam("shop_id"), _REFUNDS.c.order_id == bindparam("order_id"))


@dataclass(frozen=True)
class Applied:
    note: str
    customer: Customer | None = None


_STATE_FOR = select(OrderState).where(OrderState.shop_id == bindparam("shop_id"),
                                      OrderState.order_id == bindparam("order_id")
                                      ).with_for_update()
# the customer's other orders paid after a given one, whose multipliers it moves (ids: most
# often there are none, and a Core query costs less than loading none through the ORM)
_ORDERS = OrderState.__table__
_PAID_LATER = select(_ORDERS.c.id).where(
    _ORDERS.c.customer_id == bindparam("customer_id"), _ORDERS.c.id != bindparam("state_id"),
    _ORDERS.c.paid_at > bindparam("paid_at"), _ORDERS.c.program_version_id.is_not(None),
    _ORDERS.c.fact.is_not(None)).order_by(_ORDERS.c.id).with_for_update()


def _state_for(session: Session, shop: Shop, order_id: str) -> OrderState | None:
    return session.scalar(_STATE_FOR, {"shop_id": shop.id, "order_id": order_id})


def _was_paid(order: OrderEvent, program: Program) -> bool:
    """Whether the order has reached the program's earning status at some point."""
    if program.earn.on_status == "fulfilled":
        return order.status is OrderStatus.FULFILLED
    return order.was_paid


def _earned_at(order: OrderEvent) -> datetime:
    return order.paid_at or order.created_at


def _multiplier(session: Session, program: Program, customer: Customer, at: datetime,
                flush: bool = True) -> Decimal:
    """The tier multiplier from the customer's qualifying spend before this order."""
    spend = tiers.qualifying_spend(paid_orders(session, customer.id, flush), program, at)
    return tiers.multiplier_for(tiers.tier_for(program, spend))


def _bind(session: Session, shop: Shop, state: OrderState, order: OrderEvent,
          customer: Customer) -> Program | None:
    if state.program_version_id is None:
        version = programs.version_in_force(session, shop.program_id, _earned_at(order))
        if version is None:
            return None
        program = programs.parsed(version)
        state.program_version_id = version.id
        # No flush: the only unflushed order is this one, and until it is bound to a program
        # its net spend is 0 in the database as here (other deliveries flushed as they ended).
        state.multiplier = _multiplier(session, program, customer, _earned_at(order),
                                       flush=False)
    return programs.parsed(session.get(ProgramVersion, state.program_version_id))


def _write(session: Session, shop: Shop, customer: Customer, state: OrderState,
           order: OrderEvent, program: Program, kind: str, points: int, key: str,
           known_new: bool = False) -> bool:
    dates = earning.lot_dates(_earned_at(order), program.earn)
    return write_entry(session, customer, known_new=known_new, entry=LedgerEntry(
        shop_id=shop.id, kind=kind, points=points, lot=f"order:{order.order_id}:earn",
        program_version_id=state.program_version_id, source_key=key,
        available_at=dates.available_at, expires_at=dates.expires_at,
        reason=f"order {order.order_id} ({order.status.value})"))


def _adjust(session: Session, shop: Shop, customer: Customer, state: OrderState,
            order: OrderEvent, program: Program, owed: int, lot: str,
            key: str | None = None) -> None:
    """Move the order's credit to `owed`. A clawback takes at most what the lot still holds:
    points already expired (or spent) are gone, and the balance never goes below zero."""
    delta = owed - state.credited
    if delta < 0:
        delta = max(delta, -max(lot_remaining(session, shop.id, lot), 0))
    key = key or f"order:{order.order_id}:adjust:{order.updated_at.isoformat()}:{owed}"
    if delta:
        _write(session, shop, customer, state, order, program,
               "clawback" if delta < 0 else "earn", delta, key)
    state.credited = owed


def _as_applied(session: Session, shop: Shop, order: OrderEvent) -> OrderEvent:
    """The fact with refunds reported on their own folded in, and test orders earning only
    where the shop opted in."""
    reported = Decimal(0)
    if REGISTRY[shop.platform].refunds_apart:  # Money is stored as a string
        reported = sum((row[0] for row in run_prepared(
            session, _REPORTED_REFUNDS, shop_id=shop.id, order_id=order.order_id)), reported)
    refunded = min(max(order.refunded, reported), order.merchandise)
    test = order.test and not shop.earn_test_orders
    if (refunded, test) == (order.refunded, order.test):
        return order
    return dataclasses.replace(order, refunded=refunded, test=test)


def refresh_later_multipliers(session: Session, customer: Customer, state: OrderState) -> None:
    """Re-price the customer's orders paid after this one: their tier multiplier depends on the
    spend before them, which this order just joined or changed. The multiplier is a function of
    the final facts, so any processing order ends with the same points per lot."""
    if state.paid_at is None:
        return
    later = run_prepared(session, _PAID_LATER, customer_id=customer.id, state_id=state.id,
                         paid_at=state.paid_at).scalars().all()
    if not later:
        return
    for other in session.scalars(select(OrderState).where(OrderState.id.in_(later))
                                 .order_by(OrderState.id)).all():
        fact = order_from_json(other.fact)
        program = programs.parsed(session.get(ProgramVersion, other.program_version_id))
        multiplier = _multiplier(session, program, customer, _earned_at(fact))
        if multiplier == other.multiplier:
            continue
        other.multiplier = multiplier
        lot = f"order:{fact.order_id}:earn"
        owed = earning.order_credit(fact, program, multiplier).owed
        if other.status != DELETED and entry_exists(session, other.shop_id, lot) \
                and owed != other.credited:
            _adjust(session, session.get(Shop, other.shop_id), customer, other, fact, program,
                    owed, lot, f"order:{fact.order_id}:multiplier:{multiplier}:{owed}")


def apply_order(session: Session, shop: Shop, order: OrderEvent, now: datetime) -> Applied:
    state = _state_for(session, shop, order.order_id)
    if state is not None and (order.updated_at < state.platform_updated_at or (
            state.status == DELETED and order.updated_at == state.platform_updated_at)):
        return Applied(f"stale fact for order {order.order_id}")
    customer = resolve_customer(session, shop, order.customer_ref, order.email)
    if customer is None:
        return Applied(f"order {order.order_id} has no customer id or e-mail")
    order = _as_applied(session, shop, order)
    first_fact = state is None
    if first_fact:
        state = OrderState(shop_id=shop.id, order_id=order.order_id, credited=0,
                           multiplier=Decimal(1), net_spend=Decimal(0))
        session.add(state)
    spend_before = (state.net_spend, state.paid_at)
    state.customer_id = customer.id
    state.status, state.currency = order.status.value, order.currency
    state.merchandise, state.refunded = order.merchandise, order.refunded
    state.platform_updated_at, state.paid_at = order.updated_at, order.paid_at
    state.fact = order_to_json(order)
    state.net_spend = Decimal(0)
    program = _bind(session, shop, state, order, customer)
    if program is None:
        return Applied("no program published for this shop", customer)
    if not earning.order_earns(order, program):
        return Applied(f"order {order.order_id} does not earn", customer)
    credit = earning.order_credit(order, program, state.multiplier)
    if order.status.is_paid:
        state.net_spend = earning.net_base(order, order.merchandise)
    opened = f"order:{order.order_id}:earn"
    # the lot is written only beside its order's row: an order first seen has none yet
    lot_open = not first_fact and entry_exists(session, shop.id, opened)
    if not lot_open and _was_paid(order, program) and credit.gross > 0:
        state.credited, lot_open = credit.gross, True
        _write(session, shop, customer, state, order, program, "earn", credit.gross, opened,
               known_new=True)
    if lot_open:
        award_first_order(session, shop, customer, order, state, program, opened,
                          earning.lot_dates(_earned_at(order), program.earn).available_at)
        if credit.owed == 0 and order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
            reverse_first_order(session, shop, customer, opened)
    if lot_open and state.credited != credit.owed:
        _adjust(session, shop, customer, state, order, program, credit.owed, opened)
    session.flush()
    apply_attribution(session, shop, order, state, customer, program, now, first_fact)
    if (state.net_spend, state.paid_at) != spend_before:
        refresh_later_multipliers(session, customer, state)
    live = live_program(session, shop)
    if live is not None:
        place_in_tier(session, customer, live, now,
                      cause=f"order:{order.order_id}:{order.updated_at.isoformat()}")
    return Applied(f"order {order.order_id}: owed {credit.owed}", customer)
