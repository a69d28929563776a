"""What the storefront shows, shaped for JSON: the rewards catalogue and progress to the next
tier."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Row
from sqlalchemy.orm import Session

from connector.models import Customer
from connector.placement import qualifying
from rules import redemption
from rules.program import Program, Reward


def reward_json(reward: Reward, cost: int, balance: int, perk: bool) -> dict:
    return {"id": reward.id, "type": reward.type, "cost": cost, "perk": perk,
            "value": None if reward.value is None else str(reward.value),
            "min_order": None if reward.min_order is None else str(reward.min_order),
            "expires_days": reward.expires_days, "affordable": cost <= balance,
            "points_needed": max(cost - balance, 0)}


def catalogue(program: Program, balance: int, tier: str | None) -> list[dict]:
    """Every reward the customer could redeem, with whether they can afford it now: rewards
    bought with points, and their tier's perks (free). Program-issued rewards are left out."""
    perks = redemption.perks_of(program, tier)
    return [reward_json(reward, 0 if reward.id in perks else reward.cost, balance,
                        reward.id in perks)
            for reward in program.rewards if reward.id in perks or reward.cost > 0]


def next_tier(session: Session, customer: Customer | Row, program: Program, now: datetime,
              paid: list[tuple[datetime, Decimal]] | None = None) -> dict | None:
    """The next tier up, what it takes, and how far along the customer is; `paid` as for
    connector.placement.qualifying."""
    reached = qualifying(session, customer, program, now, paid)
    above = [tier for tier in program.tiers if tier.threshold > reached]
    if not above:
        return None
    tier = min(above, key=lambda t: t.threshold)
    basis = program.tier_rules.basis
    return {"name": tier.name, "basis": basis, "threshold": str(tier.threshold),
            "reached": str(reached), "remaining": str(tier.threshold - reached),
            "percent": int(reached * 100 / tier.threshold) if tier.threshold else 100}
