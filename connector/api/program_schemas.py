"""What the API answers about the shop, its live program and the program's figures. Money and
rates are exact decimals sent as strings (never floats); a figure with nothing to divide by yet
is null."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


def exact(description: str = "", *, nullable: bool = True) -> fields.Decimal:
    """An exact decimal, sent as a string like "12.50" (null when `nullable` and unknown)."""
    return fields.Decimal(as_string=True, required=True, allow_none=nullable,
                          metadata={"type": "string", "format": "decimal",
                                    **({"description": description} if description else {})})


class ShopSchema(ma.Schema):
    id = fields.Integer(required=True)
    platform = fields.String(required=True, metadata={"description": "shopify or woocommerce"})
    ref = fields.String(required=True, metadata={"description": "store URL or myshopify "
                                                                "domain"})
    status = fields.String(required=True)
    program_id = fields.Integer(required=True)


class RewardSchema(ma.Schema):
    id = fields.String(required=True)
    type = fields.String(required=True)
    cost = fields.Integer(required=True, metadata={"description": "points; 0: issued by the "
                                                                  "program, not redeemable"})
    value = exact("amount or percent off")
    min_order = exact("the order total the code needs")
    expires_days = fields.Integer(required=True, allow_none=True)


class TierSchema(ma.Schema):
    name = fields.String(required=True)
    threshold = exact("spend or points to enter the tier", nullable=False)
    multiplier = exact(nullable=False)
    perks = fields.List(fields.String(), required=True)


class ProgramSchema(ma.Schema):
    program_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    published_at = fields.DateTime(required=True)
    name = fields.String(required=True)
    currency = fields.String(required=True)
    source = fields.String(required=True, metadata={"description": "the TOML document"})
    rewards = fields.List(fields.Nested(RewardSchema), required=True)
    tiers = fields.List(fields.Nested(TierSchema), required=True)


class MetricsQuery(ma.Schema):
    start = fields.Date(metadata={"description": "first day (UTC); by default 12 weeks before "
                                                 "the end; not after the end"})
    end = fields.Date(metadata={"description": "last day, included (UTC); by default up to now"})


class GroupSchema(ma.Schema):
    customers = fields.Integer(required=True)
    repeat_rate = exact("percent")
    orders = fields.Integer(required=True)
    revenue = exact(nullable=False)
    average_order_value = exact()
    purchase_frequency = exact("orders per ordering customer per year")
    customer_lifetime_value = exact()


class RetentionSchema(ma.Schema):
    start = fields.Integer(required=True, metadata={"description": "S: active at the start"})
    end = fields.Integer(required=True, metadata={"description": "E: active at the end"})
    new = fields.Integer(required=True, metadata={"description": "N: first order in the "
                                                                 "period"})


class MetricsSchema(ma.Schema):
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True, metadata={"description": "excluded"})
    customers = fields.Integer(required=True)
    members = fields.Integer(required=True)
    adoption_rate = exact("percent")
    points_issued = fields.Integer(required=True)
    points_redeemed = fields.Integer(required=True)
    redemption_rate = exact("percent")
    retention = fields.Nested(RetentionSchema, required=True)
    retention_rate = exact("percent")
    churn_rate = exact("percent")
    everyone = fields.Nested(GroupSchema, required=True)
    member_customers = fields.Nested(GroupSchema, required=True)
    non_member_customers = fields.Nested(GroupSchema, required=True)
    available_points = fields.Integer(required=True)
    face_value_per_point = exact()
    liability = exact("outstanding points liability, in the program's currency")
