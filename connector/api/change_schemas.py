"""What the API reads and answers when it changes points: adjustments, redemptions and the
merchant's own earning actions. A request id (or the action's key) makes a retry count once."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from connector.actions import ACTIONS
from connector.adjustments import MAX_POINTS, MAX_REASON
from connector.api.schemas import BalanceSchema, text

REQUEST_ID = {"description": "your id for this request (1 to 100 characters): sending it "
                             "again changes nothing and answers 200 with `repeated: true`"}


class AdjustmentBody(ma.Schema):
    points = fields.Integer(
        required=True, strict=True,
        validate=[validate.Range(-MAX_POINTS, MAX_POINTS), validate.NoneOf([0])],
        metadata={"description": "points to add, or to remove when negative",
                  "not": {"enum": [0]}})
    reason = text(MAX_REASON, required=True,
                  metadata={"description": "kept with the entry for the audit trail"})
    request_id = text(100, required=True, metadata=REQUEST_ID)


class AdjustmentSchema(ma.Schema):
    customer_id = fields.Integer(required=True)
    points = fields.Integer(required=True)
    repeated = fields.Boolean(required=True)
    balance = fields.Nested(BalanceSchema, required=True)


class RedemptionBody(ma.Schema):
    reward_id = text(100, required=True, metadata={"description": "a reward id of the program"})
    request_id = text(100, required=True, metadata=REQUEST_ID)


class RedemptionSchema(ma.Schema):
    id = fields.Integer(required=True)
    customer_id = fields.Integer(required=True)
    reward_id = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "the single-use discount "
                         "code, being created on the store"})
    points = fields.Integer(required=True, metadata={"description": "points spent"})
    status = fields.String(required=True, metadata={"description": "pending until the store "
                           "has the code, then issued (or failed: points given back)"})
    repeated = fields.Boolean(required=True)
    balance = fields.Nested(BalanceSchema, required=True)


class ActionBody(ma.Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    key = text(100, required=True, metadata={"description": "your id for the action (the "
                                                            "review id): it pays once"})


class ActionSchema(ma.Schema):
    customer_id = fields.Integer(required=True)
    action = fields.String(required=True)
    points = fields.Integer(required=True, metadata={"description": "awarded by this call"})
    reason = fields.String(required=True, metadata={"description": "why this many"})
    balance = fields.Nested(BalanceSchema, required=True)
