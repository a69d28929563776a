"""A loyalty program as typed, immutable values: what `rules.program.load_program` returns.

Money, rates and thresholds are Decimal; points and days are int. The field names are the TOML
keys of the program file. These classes only hold a program that passed validation in
rules/program.py; field defaults here are the defaults of an absent key.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class ProgramError(ValueError):
    """A program file a merchant wrote is wrong: where (file, dotted key) and what was expected."""

    def __init__(self, source: str, key: str, message: str) -> None:
        super().__init__(f"{source}: {key}: {message}")
        self.source = source
        self.key = key
        self.message = message

    def __reduce__(self) -> tuple[type[ProgramError], tuple[str, str, str]]:
        return (ProgramError, (self.source, self.key, self.message))


@dataclass(frozen=True)
class EarnRules:
    points_per_unit: Decimal  # points per 1.00 of the earn base, in the program currency
    base: str = "merchandise"  # merchandise | merchandise_shipping | merchandise_shipping_tax
    rounding: str = "floor"  # floor | round_half_up | ceil, per order on the cumulative base
    on_status: str = "paid"  # paid | fulfilled
    pending_days: int = 0
    expire_days: int | None = None  # None: points never expire
    expiry_reminder_days: tuple[int, ...] = ()  # farthest first
    guests_earn: bool = True
    exclude_tags: frozenset[str] = frozenset()
    exclude_skus: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset({"online", "pos"})
    per_currency: tuple[tuple[str, Decimal], ...] = ()  # (currency code, rate), sorted by code

    def rate_for(self, currency: str, program_currency: str) -> Decimal | None:
        """Points per unit for an order paid in `currency`; None when that currency does not earn."""
        if currency == program_currency:
            return self.points_per_unit
        return dict(self.per_currency).get(currency)


@dataclass(frozen=True)
class Bonuses:
    signup: int = 0
    first_order: int = 0
    birthday: int = 0
    newsletter: int = 0
    review: int = 0
    review_daily_cap: int | None = None


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: Decimal  # qualifying spend (or points, per TierRules.basis) to enter the tier
    multiplier: Decimal = Decimal(1)
    tag: str | None = None  # Shopify customer tag / WooCommerce customer meta value
    perks: tuple[str, ...] = ()  # reward ids unlocked while in the tier


@dataclass(frozen=True)
class TierRules:
    basis: str = "spend"  # spend | points
    window_days: int | None = None  # rolling window; None: lifetime
    downgrade: str = "never"  # never | end_of_window
    grace_days: int = 0


@dataclass(frozen=True)
class Referral:
    referrer_points: int
    friend_reward: str | None = None  # reward id issued to the friend
    min_order: Decimal = Decimal(0)
    first_order_only: bool = True
    max_per_referrer_per_month: int | None = None
    block_self_referral: bool = True


@dataclass(frozen=True)
class Social:
    share_points: int  # per share that brought a distinct, verified visit
    share_daily_cap: int | None = None
    share_order_points: int = 0  # when a visit from the share becomes a paid order
    networks: tuple[str, ...] = ()


@dataclass(frozen=True)
class PunchCard:
    name: str
    skus: frozenset[str]
    punches: int  # paid purchases needed; the next one is the reward
    reward: str  # reward id


@dataclass(frozen=True)
class Membership:
    sku: str  # buying this product puts the buyer in `tier`
    tier: str
    days: int
    trial_days: int = 0


@dataclass(frozen=True)
class Cashback:
    percent: Decimal
    min_credit: Decimal = Decimal(0)


@dataclass(frozen=True)
class Reward:
    id: str
    cost: int  # points; 0 means not redeemable, only issued (referral, perk, punch card)
    type: str  # fixed_amount | percentage | free_shipping | free_product
    value: Decimal | None = None  # amount off (fixed_amount) or percent off (percentage)
    min_order: Decimal | None = None
    expires_days: int | None = None
    sku: str | None = None  # the free product


@dataclass(frozen=True)
class Program:
    name: str
    currency: str
    earn: EarnRules
    bonuses: Bonuses = Bonuses()
    tiers: tuple[Tier, ...] = ()  # sorted by threshold
    tier_rules: TierRules = TierRules()
    referral: Referral | None = None
    social: Social | None = None
    punch_card: PunchCard | None = None
    membership: Membership | None = None
    cashback: Cashback | None = None
    rewards: tuple[Reward, ...] = ()

    def reward(self, reward_id: str) -> Reward:
        for reward in self.rewards:
            if reward.id == reward_id:
                return reward
        raise KeyError(f"no reward with id {reward_id!r}")

    def tier_named(self, name: str) -> Tier | None:
        return next((tier for tier in self.tiers if tier.name == name), None)
