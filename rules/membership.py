"""Paid membership (`[membership]`): buying the membership product puts the buyer in a tier.

A purchase grants `days` per unit bought, from the moment the order was paid; a trial grants
`trial_days` from when it started. Grants are recomputed from the order as it stands, so a
refunded or cancelled order grants nothing and its membership ends. A partial refund takes
passes off only once the refunded share of merchandise covers them (passes kept round up, in
the buyer's favour): refunding another product in the order leaves the membership intact.
While a grant is active the customer is in the higher of its tier and the tier their spend earns.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from rules.events import OrderEvent
from rules.program import Membership, Program, Tier

PURCHASE = "purchase"
TRIAL = "trial"


@dataclass(frozen=True)
class MembershipGrant:
    tier: str
    starts_at: datetime
    ends_at: datetime  # exclusive
    source: str  # "purchase" | "trial"

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


def passes_kept(order: OrderEvent, membership: Membership) -> int:
    """Membership units bought, less those the refunded share of merchandise has covered."""
    units = sum(line.quantity for line in order.line_items if line.sku == membership.sku)
    merchandise = order.merchandise
    if merchandise <= 0:
        return units
    refunded = min(max(order.refunded, Decimal(0)), merchandise)
    return units - int(units * refunded // merchandise)


def membership_from_order(order: OrderEvent, program: Program) -> MembershipGrant | None:
    """The grant a paid order for the membership product gives; None when it gives none."""
    membership = program.membership
    if membership is None or not order.status.is_paid:
        return None
    passes = passes_kept(order, membership)
    if passes <= 0:
        return None
    starts_at = order.paid_at or order.created_at
    ends_at = starts_at + timedelta(days=membership.days * passes)
    return MembershipGrant(membership.tier, starts_at, ends_at, PURCHASE)


def trial_grant(program: Program, started_at: datetime) -> MembershipGrant | None:
    """A trial of the membership tier, when the program offers one."""
    membership = program.membership
    if membership is None or membership.trial_days <= 0:
        return None
    ends_at = started_at + timedelta(days=membership.trial_days)
    return MembershipGrant(membership.tier, started_at, ends_at, TRIAL)


def active_membership(grants: Iterable[MembershipGrant], now: datetime) -> MembershipGrant | None:
    """The grant covering `now` that lasts longest; None when none does."""
    covering = [grant for grant in grants if grant.covers(now)]
    return max(covering, key=lambda grant: grant.ends_at, default=None)


def tier_with_membership(spend_tier: Tier | None, grant: MembershipGrant | None,
                         program: Program) -> Tier | None:
    """The higher (by threshold) of the tier earned by spend and the tier the grant gives."""
    member_tier = program.tier_named(grant.tier) if grant is not None else None
    if member_tier is None:
        return spend_tier
    if spend_tier is None or member_tier.threshold > spend_tier.threshold:
        return member_tier
    return spend_tier
