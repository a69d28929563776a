"""Visits through referral and share links, and the points a share earns (rules.social).

Every visit is recorded with a keyed hash of IP and user agent (the visitor's fingerprint), the
plain identity hash of the IP (compared with the buyer's IP on orders), the user agent and time.
A share visit is decided under the sharer's row lock, so the daily cap holds with many requests
at once; the visit bonus's ledger key is one per visitor per share per day, so 1,000 requests
from one fingerprint pay at most once whatever happens.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector import programs
from connector.awards import write_award
from connector.models import Customer, LinkVisit, ReferralLink, ShareLink, Shop
from connector.referrals import latest_fact
from rules import bonuses, earning, social
from rules.events import OrderEvent
from rules.identity import digest

VISITOR_PURPOSE = "link-visitors"
CONVERSION_DAYS = 30  # a visit can turn into an order this long afterwards


@dataclass(frozen=True)
class Visitor:
    fingerprint: str
    ip_digest: str
    user_agent: str
    customer_id: int | None  # a logged-in member, when the request says so verifiably


def visitor(secret: bytes, ip: str | None, user_agent: str | None,
            customer_id: int | None = None) -> Visitor:
    agent = (user_agent or "")[:300]
    mark = hmac.new(secret, f"{ip or ''}|{agent}".encode(), hashlib.sha256).hexdigest()[:32]
    return Visitor(mark, digest("ip", ip) or "", agent, customer_id)


def _day(at: datetime) -> tuple[datetime, datetime]:
    start = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def record_referral_visit(session: Session, link: ReferralLink, who: Visitor,
                          at: datetime) -> LinkVisit:
    bot = social.is_bot(who.user_agent)
    visit = LinkVisit(program_id=link.program_id, kind="referral", code=link.code,
                      visitor=who.fingerprint, ip_hash=who.ip_digest, user_agent=who.user_agent,
                      visited_at=at, counted=not bot,
                      reason="bot or link preview" if bot else "visit")
    session.add(visit)
    return visit


def _seen_today(session: Session, link: ShareLink, who: Visitor, at: datetime) -> bool:
    start, end = _day(at)
    return session.scalar(select(LinkVisit.id).where(
        LinkVisit.code == link.code, LinkVisit.program_id == link.program_id,
        LinkVisit.visitor == who.fingerprint, LinkVisit.counted.is_(True),
        LinkVisit.visited_at >= start, LinkVisit.visited_at < end).limit(1)) is not None


def _counted_today(session: Session, sharer_id: int, program_id: int, at: datetime) -> int:
    start, end = _day(at)
    codes = select(ShareLink.code).where(ShareLink.customer_id == sharer_id)
    return int(session.scalar(select(func.count(LinkVisit.id)).where(
        LinkVisit.program_id == program_id, LinkVisit.kind == "share",
        LinkVisit.code.in_(codes), LinkVisit.counted.is_(True), LinkVisit.points > 0,
        LinkVisit.visited_at >= start, LinkVisit.visited_at < end)) or 0)


def _is_sharer(session: Session, link: ShareLink, sharer: Customer, who: Visitor) -> bool:
    """The sharer following their own link: the same browser that made the link, or the IP of
    their latest order."""
    if who.customer_id == sharer.id:
        return True
    if link.creator_visitor is not None and link.creator_visitor == who.fingerprint:
        return True
    latest = latest_fact(session, sharer.id, None)
    return bool(who.ip_digest) and latest is not None and latest.ip_digest == who.ip_digest


def record_share_visit(session: Session, link: ShareLink, who: Visitor, network: str | None,
                       at: datetime) -> LinkVisit:
    """Record the visit and pay the sharer for it when it counts (rules.social.decide_visit)."""
    shop = session.get(Shop, link.shop_id)
    sharer = session.get(Customer, link.customer_id)
    session.refresh(sharer, with_for_update=True)  # one share decision per sharer at a time
    version = programs.live_version(session, shop.program_id)
    program = programs.parsed(version) if version else None
    visit = LinkVisit(program_id=link.program_id, kind="share", code=link.code, network=network,
                      visitor=who.fingerprint, ip_hash=who.ip_digest, user_agent=who.user_agent,
                      visited_at=at, counted=False, points=0)
    if program is None or program.social is None:
        visit.reason = "the program has no [social] section"
        session.add(visit)
        return visit
    is_sharer = _is_sharer(session, link, sharer, who)
    decision = social.decide_visit(
        program, social.ShareVisit(link.code, who.fingerprint, who.user_agent, at, is_sharer),
        _counted_today(session, sharer.id, link.program_id, at),
        _seen_today(session, link, who, at))
    visit.counted, visit.reason = decision.counted, decision.reason
    if decision.points > 0:
        award = bonuses.Award(bonuses.BONUS, decision.points, decision.key,
                              f"share visit ({network or 'link'})")
        if write_award(session, shop, sharer, award, version.id, at, program):
            visit.points = decision.points
        else:
            visit.reason = "this visitor already came through this share today"
    session.add(visit)
    return visit


def pay_conversion(session: Session, shop: Shop, link: ShareLink, order: OrderEvent,
                   buyer: Customer, version_id: int | None, program) -> bool:
    """The conversion bonus for a paid order that came through a counted share visit (from the
    buyer's IP when the order records one), never for the sharer's own order. Once per order."""
    if buyer.id == link.customer_id or program.social is None:
        return False
    award = social.conversion_award(program, link.code, order.order_id, order.status)
    if award is None:
        return False
    placed = order.created_at
    visits = select(LinkVisit.id).where(
        LinkVisit.program_id == link.program_id, LinkVisit.code == link.code,
        LinkVisit.counted.is_(True), LinkVisit.visited_at <= placed + timedelta(minutes=5),
        LinkVisit.visited_at >= placed - timedelta(days=CONVERSION_DAYS))
    if order.ip_digest:
        visits = visits.where(LinkVisit.ip_hash == order.ip_digest)
    if session.scalar(visits.limit(1)) is None:
        return False
    sharer = session.get(Customer, link.customer_id)
    session.refresh(sharer, with_for_update=True)
    key, points = award
    available_at = earning.lot_dates(order.paid_at or placed, program.earn).available_at
    return write_award(session, shop, sharer, bonuses.Award(
        bonuses.BONUS, points, key, f"share brought order {order.order_id}"),
        version_id, available_at, program)
