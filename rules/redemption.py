"""Spending points: which lots a redemption draws from, which rewards a customer can take, and
the discount code that carries a reward back to the store.

Lots are spent first-in-first-out by expiry, so the points closest to expiring go first. Codes
are deterministic, so a retried push re-creates the same code instead of issuing a second one.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from rules.events import normalise_email
from rules.program import Program, Reward

_CODE_BYTES = 10  # 80 bits: 16 base32 characters, no padding


@dataclass(frozen=True)
class Lot:
    """What is left of one earning lot: pending until `available_at`, gone at `expires_at`."""

    lot_id: str
    remaining: int
    available_at: datetime
    expires_at: datetime | None

    def is_spendable(self, now: datetime) -> bool:
        not_expired = self.expires_at is None or self.expires_at > now
        return self.remaining > 0 and self.available_at <= now and not_expired


class InsufficientPoints(ValueError):
    """A redemption asked for more points than the customer can spend right now."""

    def __init__(self, available: int, needed: int) -> None:
        super().__init__(f"not enough points: {available} available, {needed} needed; "
                         "pending and expired points cannot be spent")
        self.available = available
        self.needed = needed

    def __reduce__(self) -> tuple[type[InsufficientPoints], tuple[int, int]]:
        return (InsufficientPoints, (self.available, self.needed))


def spendable(lots: Iterable[Lot], now: datetime) -> int:
    """Points the customer can spend at `now`: available, unexpired lots only."""
    return sum(lot.remaining for lot in lots if lot.is_spendable(now))


def spending_order(lots: Iterable[Lot], now: datetime) -> list[Lot]:
    """Spendable lots, soonest expiry first (never-expiring last), then oldest, then by id."""
    return sorted((lot for lot in lots if lot.is_spendable(now)), key=_fifo_key)


def _fifo_key(lot: Lot) -> tuple[bool, datetime, datetime, str]:
    # A lot that never expires sorts after every lot that does; its second key is then unused.
    return (lot.expires_at is None, lot.expires_at or lot.available_at, lot.available_at,
            lot.lot_id)


def allocate(lots: Iterable[Lot], points: int, now: datetime) -> tuple[tuple[str, int], ...]:
    """Take `points` from the spendable lots, first-in-first-out: (lot_id, points_taken) pairs."""
    if points <= 0:
        raise ValueError(f"a redemption spends a positive number of points, got {points}")
    ordered = spending_order(lots, now)
    available = sum(lot.remaining for lot in ordered)
    if available < points:
        raise InsufficientPoints(available, points)
    taken: list[tuple[str, int]] = []
    still_owed = points
    for lot in ordered:
        if still_owed == 0:
            break
        take = min(lot.remaining, still_owed)
        taken.append((lot.lot_id, take))
        still_owed -= take
    return tuple(taken)


def perks_of(program: Program, tier_name: str | None) -> frozenset[str]:
    """Reward ids the customer's current tier unlocks at no cost."""
    tier = program.tier_named(tier_name) if tier_name is not None else None
    return frozenset(tier.perks) if tier is not None else frozenset()


def affordable(program: Program, balance: int, tier_name: str | None) -> tuple[Reward, ...]:
    """Rewards the customer can redeem now, in program order, each at the price they would pay.

    A reward costing points is affordable up to the balance. A perk of the customer's tier is
    returned with cost 0, whatever its listed cost. Any other reward with cost 0 is never
    redeemable: it is issued by a referral, a birthday or a punch card.
    """
    perks = perks_of(program, tier_name)
    offer: list[Reward] = []
    for reward in program.rewards:
        if reward.id in perks:
            offer.append(dataclasses.replace(reward, cost=0))
        elif 0 < reward.cost <= balance:
            offer.append(reward)
    return tuple(offer)


def discount_code(secret: bytes, shop_id: int, redemption_id: str, prefix: str = "LOYAL") -> str:
    """`PREFIX-` + 16 base32 characters of HMAC-SHA256(secret, "shop_id:redemption_id").

    The same shop and redemption always give the same code, so a retried push that finds the
    code "already exists" has succeeded; without the secret a code cannot be guessed.
    """
    if not secret:
        raise ValueError("discount codes need a non-empty secret, or anyone could compute them")
    message = f"{shop_id}:{redemption_id}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:_CODE_BYTES]
    return f"{prefix}-{base64.b32encode(digest).decode().rstrip('=')}"


@dataclass(frozen=True)
class CodeSpec:
    """Everything a platform needs to create one single-use discount code for one customer."""

    code: str
    reward_id: str
    type: str  # fixed_amount | percentage | free_shipping | free_product
    value: Decimal | None
    min_order: Decimal | None
    expires_at: datetime | None
    sku: str | None  # the free product
    email: str | None  # the customer the code is bound to


def code_spec(reward: Reward, code: str, email: str | None, issued_at: datetime) -> CodeSpec:
    expires_at = (issued_at + timedelta(days=reward.expires_days)
                  if reward.expires_days is not None else None)
    return CodeSpec(code=code, reward_id=reward.id, type=reward.type, value=reward.value,
                    min_order=reward.min_order, expires_at=expires_at, sku=reward.sku,
                    email=normalise_email(email))
