"""Pushing rewards to a Shopify store: discount codes, tier tags and a tier metafield.

Codes are deterministic (DESIGN.md): a code Shopify reports as TAKEN was created by an earlier,
interrupted attempt when it carries our title, so that is success and never a second code.
Revoking deletes a code only while it is ours (our title) and unused.
Tier tags go through tagsAdd/tagsRemove, never customerUpdate(tags:), which would replace the
whole list and wipe tags other apps and the merchant set.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from adapters.base import Credentials, TransportError
from adapters.shopify.admin import AdminAPI, user_errors
from rules.redemption import CodeSpec

TITLE_PREFIX = "Loyalty reward"
METAFIELD_NAMESPACE = "loyalty"

CREATE_BASIC = """mutation discountCodeBasicCreate($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id } userErrors { field message code } } }"""
CREATE_FREE_SHIPPING = """mutation discountCodeFreeShippingCreate(
  $input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) {
    codeDiscountNode { id } userErrors { field message code } } }"""
FIND_CODE = """query codeDiscountNodeByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id codeDiscount {
    ... on DiscountCodeBasic { title asyncUsageCount }
    ... on DiscountCodeFreeShipping { title asyncUsageCount } } } }"""
DELETE_CODE = """mutation discountCodeDelete($id: ID!) {
  discountCodeDelete(id: $id) { deletedCodeDiscountId userErrors { field code message } } }"""
TAGS_ADD = """mutation tagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }"""
TAGS_REMOVE = """mutation tagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } } }"""
SET_METAFIELDS = """mutation metafieldsSet($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { key } userErrors { field message code } } }"""


def customer_gid(customer_ref: str) -> str:
    return customer_ref if customer_ref.startswith("gid://") else \
        f"gid://shopify/Customer/{customer_ref}"


def _money(value: Decimal | None) -> str:
    return format(value if value is not None else Decimal(0), "f")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def code_input(spec: CodeSpec, customer_ref: str | None, now: datetime) -> dict:
    body: dict = {
        "title": f"{TITLE_PREFIX} {spec.reward_id} ({spec.code})",
        "code": spec.code,
        "startsAt": _iso(now),
        # Guests have no customer record to bind the code to: it stays single-use.
        "context": ({"customers": {"add": [customer_gid(customer_ref)]}} if customer_ref
                    else {"all": "ALL"}),
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "combinesWith": {"productDiscounts": False, "orderDiscounts": False,
                         "shippingDiscounts": True},
    }
    if spec.expires_at is not None:
        body["endsAt"] = _iso(spec.expires_at)
    if spec.min_order is not None:
        body["minimumRequirement"] = {"subtotal": {
            "greaterThanOrEqualToSubtotal": _money(spec.min_order)}}
    if spec.type == "free_shipping":
        body["destination"] = {"all": True}
        return body
    value: dict[str, object]
    if spec.type == "percentage":
        value = {"percentage": float((spec.value or Decimal(0)) / 100)}  # Shopify: a fraction
    elif spec.type == "fixed_amount":
        value = {"discountAmount": {"amount": _money(spec.value), "appliesOnEachItem": False}}
    else:
        raise TransportError(f"reward {spec.reward_id}: {spec.type} codes are not available on "
                             "Shopify yet", permanent=True)
    body["customerGets"] = {"value": value, "items": {"all": True}}
    return body


def create_code(credentials: Credentials, spec: CodeSpec, customer_ref: str | None,
                now: datetime | None = None) -> str:
    api = AdminAPI(credentials)
    body = code_input(spec, customer_ref, now or datetime.now(UTC))
    free_shipping = spec.type == "free_shipping"
    data = api.execute(CREATE_FREE_SHIPPING if free_shipping else CREATE_BASIC, {"input": body})
    result = data.get("discountCodeFreeShippingCreate" if free_shipping
                      else "discountCodeBasicCreate") or {}
    errors = user_errors(result)
    if not errors and result.get("codeDiscountNode"):
        return str(result["codeDiscountNode"]["id"])
    if any(error.get("code") == "TAKEN" for error in errors):
        return _existing_code(api, spec)
    raise TransportError(f"Shopify refused code {spec.code}: "
                         + "; ".join(str(e.get("message")) for e in errors), permanent=True)


def _find_code(api: AdminAPI, code: str) -> tuple[dict | None, dict]:
    """The code's DiscountCodeNode (None if the store has no such code) and its discount."""
    found = (api.execute(FIND_CODE, {"code": code}, cost=1) or {}).get("codeDiscountNodeByCode")
    return found, (found or {}).get("codeDiscount") or {}


def _is_ours(discount: dict) -> bool:
    return str(discount.get("title") or "").startswith(TITLE_PREFIX)


def _existing_code(api: AdminAPI, spec: CodeSpec) -> str:
    found, discount = _find_code(api, spec.code)
    if found and _is_ours(discount):
        return str(found["id"])
    raise TransportError(f"code {spec.code} is taken on the store by a discount this service "
                         "did not create", permanent=True)


def revoke_code(credentials: Credentials, code: str) -> bool:
    """Delete our unused code discount `code`: True once it is gone, False if a customer already
    used it; a discount the merchant or another app made is never touched (TransportError)."""
    api = AdminAPI(credentials)
    found, discount = _find_code(api, code)
    if found is None:
        return True
    if not _is_ours(discount):
        raise TransportError(f"code {code} on the store belongs to a discount this service did "
                             "not create: it was left alone; delete it in Shopify if it must go",
                             permanent=True)
    # asyncUsageCount is updated asynchronously, so an order placed seconds ago may not show.
    if int(discount.get("asyncUsageCount") or 0) > 0:
        return False
    errors = user_errors(api.execute(DELETE_CODE, {"id": found["id"]}).get("discountCodeDelete"))
    if errors:
        raise TransportError(f"Shopify refused to delete code {code}: "
                             + "; ".join(str(e.get("message")) for e in errors), permanent=True)
    return True


def push_tier(credentials: Credentials, customer_ref: str, tag: str | None,
              stale_tags: Sequence[str]) -> None:
    """Swap the tier tag, adding the new one first so the customer is never untagged between
    calls (the tier name itself goes to a metafield with the balance: push_profile)."""
    api, gid = AdminAPI(credentials), customer_gid(customer_ref)
    for mutation, field, tags in ((TAGS_ADD, "tagsAdd", [tag] if tag else []),
                                  (TAGS_REMOVE, "tagsRemove",
                                   [t for t in stale_tags if t != tag])):
        if not tags:
            continue
        errors = user_errors(api.execute(mutation, {"id": gid, "tags": tags}).get(field))
        if errors:
            raise TransportError(f"{field} {tags} on {gid}: "
                                 + "; ".join(str(e.get("message")) for e in errors),
                                 permanent=True)


def push_profile(credentials: Credentials, customer_ref: str, points: int,
                 tier: str | None) -> None:
    """The customer's available points and tier as `loyalty.points` and `loyalty.tier`
    metafields, for themes."""
    gid = customer_gid(customer_ref)
    fields = [("points", "number_integer", str(points)),
              ("tier", "single_line_text_field", tier or "")]
    data = AdminAPI(credentials).execute(SET_METAFIELDS, {"metafields": [
        {"ownerId": gid, "namespace": METAFIELD_NAMESPACE, "key": key, "type": kind,
         "value": value} for key, kind, value in fields]})
    errors = user_errors(data.get("metafieldsSet"))
    if errors:
        raise TransportError("metafieldsSet: " + "; ".join(str(e.get("message")) for e in errors),
                             permanent=True)
