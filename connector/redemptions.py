"""Spending points on a reward: one redemption per request id, its code pushed to the store.

In one transaction, under the customer's row lock: refuse what the customer cannot have, take
the points from the lots first-in-first-out (rules.redemption), record the redemption with its
deterministic code, and queue the push. A repeated request id returns the first redemption, so
a double-clicked button or a retried call never spends twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector import outbox
from connector.ledger import write_entry
from connector.models import Customer, CustomerAccount, LedgerEntry, Redemption, Shop
from connector.placement import live_program
from connector.profiles import queue_profile_push
from rules import redemption as rules
from rules.program import Program, Reward

CODE_PURPOSE = "discount-codes"
PERK_WINDOW_DAYS = 30  # a tier perk is issued at most once per this many days (or its validity)


class RedemptionRefused(ValueError):
    """The customer cannot have this reward now; the message says why."""


@dataclass(frozen=True)
class Redeemed:
    redemption_id: int
    reward_id: str
    points: int
    code: str
    status: str
    repeated: bool  # the request id had already been redeemed


def customer_lots(session: Session, customer: Customer) -> list[rules.Lot]:
    """What is left of each of the customer's lots, across the shops of their program."""
    remaining = {(shop_id, lot): int(points) for shop_id, lot, points in session.execute(
        select(LedgerEntry.shop_id, LedgerEntry.lot, func.sum(LedgerEntry.points))
        .where(LedgerEntry.customer_id == customer.id, LedgerEntry.lot.is_not(None))
        .group_by(LedgerEntry.shop_id, LedgerEntry.lot))}
    openers = session.execute(select(LedgerEntry.shop_id, LedgerEntry.lot,
                                     LedgerEntry.available_at, LedgerEntry.expires_at).where(
        LedgerEntry.customer_id == customer.id, LedgerEntry.source_key == LedgerEntry.lot))
    return [rules.Lot(f"{shop_id}|{lot}", remaining.get((shop_id, lot), 0), available, expires)
            for shop_id, lot, available, expires in openers]


def _price(session: Session, program: Program, reward: Reward, customer: Customer,
           now: datetime) -> int:
    if reward.id in rules.perks_of(program, customer.tier):
        window = timedelta(days=reward.expires_days or PERK_WINDOW_DAYS)
        last = session.scalar(select(func.max(Redemption.created_at)).where(
            Redemption.customer_id == customer.id, Redemption.reward_id == reward.id,
            Redemption.points == 0, Redemption.status != "failed"))
        if last is not None and last > now - window:
            raise RedemptionRefused(f"{reward.id} is a {customer.tier} perk issued once every "
                                    f"{window.days} days; next from {(last + window):%Y-%m-%d}")
        return 0
    if reward.cost <= 0:
        raise RedemptionRefused(f"{reward.id} is issued by the program (referral, birthday, "
                                "punch card), not redeemable with points")
    return reward.cost


def redeem(session: Session, shop: Shop, customer: Customer, reward_id: str, request_id: str,
           now: datetime, code_secret: bytes) -> Redeemed:
    session.refresh(customer, with_for_update=True)
    earlier = session.scalar(select(Redemption).where(Redemption.shop_id == shop.id,
                                                      Redemption.request_id == request_id))
    if earlier is not None:
        if (earlier.customer_id, earlier.reward_id) != (customer.id, reward_id):
            raise RedemptionRefused(f"request id {request_id!r} was already used for another "
                                    "redemption")
        return _redeemed(earlier, repeated=True)
    program = live_program(session, shop)
    if program is None:
        raise RedemptionRefused("the shop has no published program")
    try:
        reward = program.reward(reward_id)
    except KeyError:
        raise RedemptionRefused(f"no reward {reward_id!r} in the program") from None
    if not customer.email:
        raise RedemptionRefused("the customer has no e-mail to bind the code to")
    points = _price(session, program, reward, customer, now)
    try:
        taken = rules.allocate(customer_lots(session, customer), points, now) if points else ()
    except rules.InsufficientPoints as exc:
        raise RedemptionRefused(str(exc)) from None
    record = Redemption(shop_id=shop.id, customer_id=customer.id, request_id=request_id,
                        reward_id=reward.id, points=points, status="pending", created_at=now)
    session.add(record)
    session.flush()
    record.code = rules.discount_code(code_secret, shop.id, str(record.id))
    for lot_id, amount in taken:
        _spend(session, customer, record, lot_id, amount, now)
    _queue_code(session, shop, customer, record, rules.code_spec(reward, record.code,
                                                                 customer.email, now))
    if taken:  # after the code: the customer waits for the code, not for the balance shown
        queue_profile_push(session, customer)
    return _redeemed(record, repeated=False)


def grant(session: Session, shop: Shop, customer: Customer, reward_id: str, request_id: str,
          now: datetime, code_secret: bytes) -> Redeemed | None:
    """Issue a reward the program gives (a referral's friend reward): no points spent, once per
    request id. None when the customer has no e-mail to bind the code to."""
    earlier = session.scalar(select(Redemption).where(Redemption.shop_id == shop.id,
                                                      Redemption.request_id == request_id))
    if earlier is not None:
        return _redeemed(earlier, repeated=True)
    program = live_program(session, shop)
    if program is None or not customer.email:
        return None
    reward = program.reward(reward_id)
    record = Redemption(shop_id=shop.id, customer_id=customer.id, request_id=request_id,
                        reward_id=reward.id, points=0, status="pending", created_at=now)
    session.add(record)
    session.flush()
    record.code = rules.discount_code(code_secret, shop.id, str(record.id))
    _queue_code(session, shop, customer, record, rules.code_spec(reward, record.code,
                                                                 customer.email, now))
    return _redeemed(record, repeated=False)


def withdraw(session: Session, redemption_id: int, reason: str) -> None:
    """Take back a granted code (the referral it rewarded was cancelled): the store deletes it
    if it is still unused, and a code not yet created is never created."""
    record = session.get(Redemption, redemption_id)
    if record is None or record.status in ("cancelled", "failed"):
        return
    record.status, record.detail = "cancelled", reason
    outbox.enqueue(session, record.shop_id, "discount.revoke",
                   f"revoke:{record.shop_id}:{record.id}",
                   {"redemption_id": record.id, "code": record.code})


def _spend(session: Session, customer: Customer, record: Redemption, lot_id: str, amount: int,
           now: datetime) -> None:
    shop_id, lot = lot_id.split("|", 1)
    opener = session.scalar(select(LedgerEntry).where(LedgerEntry.shop_id == int(shop_id),
                                                      LedgerEntry.source_key == lot))
    write_entry(session, customer, LedgerEntry(
        shop_id=int(shop_id), kind="redeem", points=-amount, lot=lot,
        program_version_id=opener.program_version_id,
        source_key=f"redeem:{record.id}:{lot}", available_at=now, expires_at=opener.expires_at,
        reason=f"reward {record.reward_id} ({record.code})", created_at=now))


def _queue_code(session: Session, shop: Shop, customer: Customer, record: Redemption,
                spec: rules.CodeSpec) -> None:
    account = session.scalar(select(CustomerAccount.platform_customer_id).where(
        CustomerAccount.customer_id == customer.id, CustomerAccount.shop_id == shop.id))
    outbox.enqueue(session, shop.id, "discount.create", f"code:{shop.id}:{record.id}",
                   {"redemption_id": record.id, "customer_ref": account,
                    "spec": spec_to_json(spec)})


def _redeemed(record: Redemption, repeated: bool) -> Redeemed:
    return Redeemed(record.id, record.reward_id, record.points, record.code or "",
                    record.status, repeated)


def spec_to_json(spec: rules.CodeSpec) -> dict:
    return {"code": spec.code, "reward_id": spec.reward_id, "type": spec.type,
            "value": None if spec.value is None else str(spec.value),
            "min_order": None if spec.min_order is None else str(spec.min_order),
            "expires_at": None if spec.expires_at is None else spec.expires_at.isoformat(),
            "sku": spec.sku, "email": spec.email}


def spec_from_json(data: dict) -> rules.CodeSpec:
    def money(key: str) -> Decimal | None:
        return None if data.get(key) is None else Decimal(data[key])
    expires = data.get("expires_at")
    return rules.CodeSpec(code=data["code"], reward_id=data["reward_id"], type=data["type"],
                          value=money("value"), min_order=money("min_order"),
                          expires_at=datetime.fromisoformat(expires) if expires else None,
                          sku=data.get("sku"), email=data.get("email"))


def settle(session: Session, redemption_id: int, issued: bool, detail: str | None,
           now: datetime) -> None:
    """Record the push's outcome. A code the store refused for good gives the points back."""
    record = session.get(Redemption, redemption_id)
    if record is None or record.status != "pending":
        return  # cancelled meanwhile: discount.revoke deletes what was created
    record.status, record.detail = ("issued" if issued else "failed"), detail
    if issued:
        return
    customer = session.get(Customer, record.customer_id)
    for spent in session.scalars(select(LedgerEntry).where(
            LedgerEntry.source_key.like(f"redeem:{record.id}:%"), LedgerEntry.kind == "redeem",
            LedgerEntry.points < 0)).all():
        write_entry(session, customer, LedgerEntry(
            shop_id=spent.shop_id, kind="redeem", points=-spent.points, lot=spent.lot,
            program_version_id=spent.program_version_id,
            source_key=f"{spent.source_key}:returned", available_at=now,
            expires_at=spent.expires_at, reason=f"code {record.code} not created: points "
            "returned"))
    queue_profile_push(session, customer)


def status_of(session: Session, redemption_id: int) -> str | None:
    return session.scalar(select(Redemption.status).where(Redemption.id == redemption_id))
