"""Two-sided referrals on live orders: attribute, decide with the fraud rules, reward, cancel.

A friend's paid order that carries a referral code (landing URL, cart/note attribute, order
meta, or the code typed as a coupon) is decided once by rules.referral, with every rule's inputs
and outcome stored on the `referrals` row. Approved: the worker, which holds the code secret,
issues the friend's reward code soon after (`issue_friend_codes`, once per order), and credits
the referrer when the order's pending period ends (`release_due`). A refund within that window
that leaves the order short of the rules cancels both: no referrer points, and the friend's code
is withdrawn if still unused.
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from connector import programs, redemptions
from connector.awards import write_award
from connector.db import run_prepared
from connector.facts import order_from_json
from connector.links import link_code, links_in_program, load_link
from connector.models import Customer, OrderState, ProgramVersion, Referral, ReferralLink, Shop
from rules import bonuses
from rules import referral as rules
from rules.events import OrderEvent, OrderStatus
from rules.identity import Party, digest
from rules.program import Program

_REFERRALS = Referral.__table__
_DECIDED = select(_REFERRALS.c.id).where(_REFERRALS.c.shop_id == bindparam("shop_id"),
                                         _REFERRALS.c.order_id == bindparam("order_id"))


def attributed_link(session: Session, shop: Shop, order: OrderEvent):
    """(link, how) for the order's referral or share code, else (None, None)."""
    found = links_in_program(session, shop.program_id,
                             [order.referral_code, *order.discount_codes])
    landing = found.get(link_code(order.referral_code) or "")
    if landing is not None:
        return load_link(session, landing), "landing"
    for code in order.discount_codes:
        coupon = found.get(link_code(code) or "")
        if coupon is not None and coupon[0] == "referral":
            return load_link(session, coupon), "coupon"
    return None, None


def latest_fact(session: Session, customer_id: int, exclude: int | None) -> OrderEvent | None:
    text = session.scalar(select(OrderState.fact).where(
        OrderState.customer_id == customer_id, OrderState.fact.is_not(None),
        OrderState.id != (exclude or 0)).order_by(OrderState.platform_updated_at.desc()).limit(1))
    return order_from_json(text) if text else None


def _party(email: str | None, fact: OrderEvent | None) -> Party:
    return Party(digest("email", email), fact.address_digest if fact else None,
                 fact.payment_digest if fact else None, fact.ip_digest if fact else None,
                 is_digest=True)


def _earlier_orders(session: Session, friend: Customer, state: OrderState,
                    order: OrderEvent) -> tuple[int, bool]:
    """(paid orders before this one, any order at all before this one) of the friend."""
    paid, any_before = 0, False
    for text in session.scalars(select(OrderState.fact).where(
            OrderState.customer_id == friend.id, OrderState.id != state.id,
            OrderState.fact.is_not(None))):
        other = order_from_json(text)
        if other.created_at < order.created_at:
            any_before = True
            paid += other.paid_at is not None
    return paid, any_before


def _awards_this_month(session: Session, referrer_id: int, at: datetime) -> int:
    month_start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int(session.scalar(select(func.count(Referral.id)).where(
        Referral.referrer_id == referrer_id, Referral.status.in_(("awaiting", "released")),
        Referral.decided_at >= month_start, Referral.decided_at <= at)) or 0)


def _facts(session: Session, link: ReferralLink, friend: Customer, state: OrderState,
           order: OrderEvent, at: datetime) -> rules.ReferralFacts:
    referrer = session.get(Customer, link.customer_id)
    paid_before, any_before = _earlier_orders(session, friend, state, order)
    return rules.ReferralFacts(
        referrer=_party(referrer.email, latest_fact(session, referrer.id, None)),
        friend=_party(order.email or friend.email, order),
        friend_paid_orders_before=paid_before,
        friend_was_customer_before_referral=any_before,
        referrer_awards_this_month=_awards_this_month(session, referrer.id, at),
        order_merchandise=order.merchandise - order.refunded,
        order_status=order.status)


def decided_referral(session: Session, shop: Shop, order_id: str) -> Referral | None:
    found = run_prepared(session, _DECIDED, flush=False, shop_id=shop.id,
                         order_id=order_id).first()
    return None if found is None else session.get(Referral, found[0])


def consider_order(session: Session, shop: Shop, order: OrderEvent, state: OrderState,
                   friend: Customer, program: Program, link: ReferralLink,
                   how: str) -> None:
    """Decide a referred order once it is paid (connector.attribution sends later facts of a
    decided order to cancel_if_refunded)."""
    if program.referral is None or not order.status.is_paid:
        return
    at = order.paid_at or order.created_at
    decision = rules.decide_referral(program, _facts(session, link, friend, state, order, at))
    record = Referral(shop_id=shop.id, order_id=order.order_id, code=link.code,
                      program_version_id=state.program_version_id, attributed_by=how,
                      referrer_id=link.customer_id, friend_id=friend.id,
                      status="awaiting" if decision.approved else "refused",
                      refused_by=decision.refused_by, decided_at=at,
                      decision=json.dumps(decision.to_record(), sort_keys=True),
                      release_at=rules.referral_release_at(at, program)
                      if decision.approved else None)
    session.add(record)
    session.flush()


def issue_friend_codes(session: Session, now: datetime, code_secret: bytes) -> int:
    """Issue the friend's reward code for approved referrals that have none yet (the worker
    runs this after the deliveries that decided them): once per order, by request id."""
    issued = 0
    for record in session.scalars(select(Referral).where(
            Referral.status.in_(("awaiting", "released")), Referral.friend_redemption_id.is_(None),
            Referral.note.is_(None)).order_by(Referral.id).with_for_update()).all():
        program, shop = _program_of(session, record), session.get(Shop, record.shop_id)
        reward = program.referral.friend_reward if program and program.referral else None
        if reward is None:
            record.note = "the program gives the friend no reward"
            continue
        friend = session.get(Customer, record.friend_id)
        granted = redemptions.grant(session, shop, friend, reward,
                                    rules.friend_code_key(f"order:{record.order_id}"), now,
                                    code_secret)
        if granted is None:
            record.note = "no friend code: the friend has no e-mail, or the shop no program"
            continue
        record.friend_redemption_id = granted.redemption_id
        issued += 1
    return issued


def _refund_cancels(state: OrderState, record: Referral, program: Program) -> bool:
    if record.release_at is not None and state.platform_updated_at >= record.release_at:
        return False  # refunded after the pending period: the referral stands
    merchandise = Decimal(state.merchandise)
    share = Decimal(state.refunded) / merchandise if merchandise else Decimal(1)
    # A trashed order (status "deleted") counts as cancelled.
    status = OrderStatus.CANCELLED if state.status == "deleted" else OrderStatus(state.status)
    return rules.cancelled_by_refund(status, share, merchandise=merchandise, program=program)


def cancel_if_refunded(session: Session, record: Referral, state: OrderState, program: Program,
                       now: datetime) -> bool:
    if record.status != "awaiting" or not _refund_cancels(state, record, program):
        return False
    record.status, record.settled_at = "cancelled", now
    record.note = f"order {record.order_id} {state.status} within the pending period"
    if record.friend_redemption_id is not None:
        redemptions.withdraw(session, record.friend_redemption_id,
                             f"referral cancelled: order {record.order_id} refunded")
    return True


def order_trashed(session: Session, shop: Shop, state: OrderState, now: datetime) -> None:
    """A trashed order cancels its referral like a refund within the pending period."""
    record = decided_referral(session, shop, state.order_id)
    program = _program_of(session, record) if record is not None else None
    if program is not None:
        cancel_if_refunded(session, record, state, program, now)


def _program_of(session: Session, record: Referral) -> Program | None:
    version = session.get(ProgramVersion, record.program_version_id) \
        if record.program_version_id else None
    return programs.parsed(version) if version else None


def release_due(session: Session, now: datetime) -> int:
    """Credit the referrer for every approved referral whose pending period has ended."""
    released = 0
    for record in session.scalars(select(Referral).where(
            Referral.status == "awaiting", Referral.release_at <= now)
            .order_by(Referral.id).with_for_update()).all():
        program, shop = _program_of(session, record), session.get(Shop, record.shop_id)
        state = session.scalar(select(OrderState).where(OrderState.shop_id == shop.id,
                                                        OrderState.order_id == record.order_id))
        if program is None or cancel_if_refunded(session, record, state, program, now):
            continue
        referrer = session.get(Customer, record.referrer_id)
        session.refresh(referrer, with_for_update=True)
        award = bonuses.Award(bonuses.BONUS, program.referral.referrer_points,
                              rules.referrer_award_key(f"order:{record.order_id}"),
                              f"referral: friend's order {record.order_id}")
        write_award(session, shop, referrer, award, record.program_version_id,
                    record.release_at, program)
        record.status, record.settled_at = "released", now
        released += 1
    return released


def replay(record: Referral, program: Program) -> rules.ReferralDecision:
    """The stored decision decided again under another program (the admin's what-if)."""
    return rules.replay(program, json.loads(record.decision))
