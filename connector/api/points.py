"""Changing a customer's points: manual adjustments, redemptions and earning actions.

Each is one transaction under the customer's row lock (the domain functions take it) and is
safe to retry: the same request id (or action key) counts once and answers 200, not 201.
"""
from __future__ import annotations

from flask.views import MethodView

from connector.actions import ActionRefused, record_action
from connector.adjustments import AdjustmentRefused, adjust
from connector.api.auth import caller, customer_of, services, shop_of
from connector.api.change_schemas import (
    ActionBody,
    ActionSchema,
    AdjustmentBody,
    AdjustmentSchema,
    RedemptionBody,
    RedemptionSchema,
)
from connector.api.customers import balance_json
from connector.api.errors import refuse
from connector.api.paths import CUSTOMER, ApiBlueprint
from connector.ledger import balance
from connector.redemptions import CODE_PURPOSE, RedemptionRefused, redeem
from connector.types import utcnow

blueprint = ApiBlueprint("points", "Adjusting points, redeeming rewards, earning actions.")


def _created_unless(repeated: bool) -> int:
    return 200 if repeated else 201


@blueprint.route(f"{CUSTOMER}/adjustments")
class Adjustments(MethodView):
    @blueprint.arguments(AdjustmentBody)
    @blueprint.response(201, AdjustmentSchema)
    @blueprint.alt_response(200, schema=AdjustmentSchema, success=True,
                            description="the request id was already applied: nothing changed")
    @blueprint.errors(400, 404, 409)
    def post(self, body: dict, shop_id: int, customer_id: int):
        """Add points (positive) or remove them (negative), with the reason kept in the
        ledger. Removing more than the customer has available is refused (409)."""
        now = utcnow()
        with services().db.transaction() as session:
            shop = shop_of(session, shop_id)
            customer = customer_of(session, shop, customer_id)
            try:
                done = adjust(session, shop, customer, body["points"], body["reason"],
                              caller().actor, body["request_id"], now)
            except AdjustmentRefused as exc:
                refuse(409, str(exc))
            totals = balance(session, customer, now)
        return ({"customer_id": customer_id, "points": done.points, "repeated": done.repeated,
                 "balance": balance_json(totals)}, _created_unless(done.repeated))


@blueprint.route(f"{CUSTOMER}/redemptions")
class Redemptions(MethodView):
    @blueprint.arguments(RedemptionBody)
    @blueprint.response(201, RedemptionSchema)
    @blueprint.alt_response(200, schema=RedemptionSchema, success=True,
                            description="the request id was already redeemed: the same code")
    @blueprint.errors(400, 404, 409)
    def post(self, body: dict, shop_id: int, customer_id: int):
        """Spend points on a reward of the program: a single-use discount code for the
        customer, created on the store. Refused (409) when the customer cannot have it."""
        now = utcnow()
        secret = services().box.derive(CODE_PURPOSE)
        with services().db.transaction() as session:
            shop = shop_of(session, shop_id)
            customer = customer_of(session, shop, customer_id)
            try:
                done = redeem(session, shop, customer, body["reward_id"], body["request_id"],
                              now, secret)
            except RedemptionRefused as exc:
                refuse(409, str(exc))
            totals = balance(session, customer, now)
        return ({"id": done.redemption_id, "customer_id": customer_id,
                 "reward_id": done.reward_id, "code": done.code, "points": done.points,
                 "status": done.status, "repeated": done.repeated,
                 "balance": balance_json(totals)}, _created_unless(done.repeated))


@blueprint.route(f"{CUSTOMER}/actions")
class Actions(MethodView):
    @blueprint.arguments(ActionBody)
    @blueprint.response(201, ActionSchema)
    @blueprint.alt_response(200, schema=ActionSchema, success=True,
                            description="nothing paid: the key was already paid, the daily "
                                        "cap is reached, or the program gives nothing for it")
    @blueprint.errors(400, 404, 409)
    def post(self, body: dict, shop_id: int, customer_id: int):
        """Report something the customer did elsewhere (a review, a newsletter signup): the
        program decides what it pays, once per key."""
        now = utcnow()
        with services().db.transaction() as session:
            shop = shop_of(session, shop_id)
            customer = customer_of(session, shop, customer_id)
            try:
                done = record_action(session, shop, customer, body["action"], body["key"], now)
            except ActionRefused as exc:
                refuse(409, str(exc))
            totals = balance(session, customer, now)
        return ({"customer_id": customer_id, "action": done.action, "points": done.points,
                 "reason": done.reason, "balance": balance_json(totals)},
                201 if done.points else 200)
