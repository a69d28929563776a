"""The operations of the fake Shopify Admin GraphQL API: field, arguments, cost and handler.

`OPERATIONS` maps a top-level field to an `Operation`. Handlers take `(fake, arguments)` with
`fake.lock` held and return the field's value (a userError is a value; `GraphQLError` is not).
Discounts are in `shopify_discounts`.
"""
from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes import shopify_discounts as discounts
from tests.fakes.shopify_discounts import CUSTOMER_GID, user_error
from tests.fakes.shopify_graphql import GraphQLError, parse_datetime

MUTATION_COST = 10
MAX_PAGE_SIZE = 250
METAFIELDS_PER_CALL = 25
_GID = re.compile(r"^gid://shopify/\w+/\d+$")
_SEARCH_TERM = re.compile(r"""(\w+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)""")
_SEARCH_DATES = {"updated_at": "updatedAt", "created_at": "createdAt",
                 "processed_at": "processedAt"}
_SORT_KEYS = {"ID": "id", "CREATED_AT": "createdAt", "UPDATED_AT": "updatedAt",
              "PROCESSED_AT": "processedAt"}


@dataclass(frozen=True)
class Operation:
    root: str  # "mutation" or "query"
    arguments: dict[str, str]  # name -> GraphQL type
    run: Callable[[Any, dict], Any]
    paginated: bool = False

    def requested_cost(self, arguments: dict) -> int:
        if self.root == "mutation":
            return MUTATION_COST
        return _page_cost(page_size(arguments)) if self.paginated else 1

    def actual_cost(self, arguments: dict, value) -> int:
        return _page_cost(len(value["edges"])) if self.paginated else \
            self.requested_cost(arguments)


def _page_cost(size: int) -> int:
    return 2 + size // 10


def page_size(arguments: dict) -> int:
    first = arguments.get("first")
    if first is None:
        raise GraphQLError("you must provide one of first or last", code="argumentError")
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise GraphQLError(f"The first argument must be between 0 and {MAX_PAGE_SIZE}",
                           code="argumentError")
    return first


def connection(nodes: list[dict], arguments: dict, sort_key: Callable[[dict], list]) -> dict:
    """One forward page: `{edges [{cursor, node}], nodes, pageInfo}`; cursors carry the key."""
    ordered = sorted(nodes, key=sort_key, reverse=bool(arguments.get("reverse")))
    if arguments.get("after"):
        try:
            after = json.loads(base64.urlsafe_b64decode(arguments["after"]))
        except ValueError:
            raise GraphQLError("Invalid cursor for current pagination sort.",
                               code="argumentError") from None
        beyond = (lambda key: key < after) if arguments.get("reverse") else (lambda k: k > after)
        ordered = [node for node in ordered if beyond(sort_key(node))]
    page = ordered[:page_size(arguments)]
    edges = [{"cursor": base64.urlsafe_b64encode(json.dumps(sort_key(node)).encode()).decode(),
              "node": copy.deepcopy(node)} for node in page]
    return {"edges": edges, "nodes": [edge["node"] for edge in edges],
            "pageInfo": {"hasNextPage": len(ordered) > len(page), "hasPreviousPage":
                         bool(arguments.get("after")),
                         "startCursor": edges[0]["cursor"] if edges else None,
                         "endCursor": edges[-1]["cursor"] if edges else None}}


def _numeric_id(gid: str) -> int:
    return int(gid.rsplit("/", 1)[-1])


# -- customers and tags ----------------------------------------------------------------------

def _tags(arguments: dict) -> set[str]:
    """Shopify splits each given tag on commas and trims it."""
    return {part.strip() for tag in arguments["tags"] for part in tag.split(",") if part.strip()}


def tags_add(fake, arguments: dict) -> dict:
    if not CUSTOMER_GID.match(arguments["id"]):
        return {"node": None, "userErrors": [user_error(["id"], "Invalid id")]}
    fake.customer_tags.setdefault(arguments["id"], set()).update(_tags(arguments))
    return {"node": {"id": arguments["id"]}, "userErrors": []}


def tags_remove(fake, arguments: dict) -> dict:
    if not CUSTOMER_GID.match(arguments["id"]):
        return {"node": None, "userErrors": [user_error(["id"], "Invalid id")]}
    fake.customer_tags.get(arguments["id"], set()).difference_update(_tags(arguments))
    return {"node": {"id": arguments["id"]}, "userErrors": []}


def customer(fake, arguments: dict) -> dict | None:
    """Any well-formed customer gid exists; its tags come from `fake.customer_tags`."""
    if not CUSTOMER_GID.match(arguments["id"]):
        return None
    return {"id": arguments["id"], "legacyResourceId": str(_numeric_id(arguments["id"])),
            "tags": sorted(fake.customer_tags.get(arguments["id"], ()))}


# -- metafields ------------------------------------------------------------------------------

def metafields_set(fake, arguments: dict) -> dict:
    """All or nothing, like Shopify: one bad entry and none is written."""
    entries = arguments["metafields"]
    if len(entries) > METAFIELDS_PER_CALL:
        return {"metafields": [], "userErrors": [user_error(
            ["metafields"], f"Exceeded the maximum metafields input limit of "
                            f"{METAFIELDS_PER_CALL}.", "LESS_THAN_OR_EQUAL_TO")]}
    errors = [error for i, entry in enumerate(entries) for error in _metafield_errors(i, entry)]
    if errors:
        return {"metafields": [], "userErrors": errors}
    stored = []
    for entry in entries:
        key = (entry["ownerId"], entry["namespace"], entry["key"])
        now = fake.now()
        record = fake.metafields.get(key) or {
            "id": f"gid://shopify/Metafield/{fake.next_id('Metafield')}", "createdAt": now}
        record.update(ownerId=entry["ownerId"], namespace=entry["namespace"], key=entry["key"],
                      type=entry["type"], value=entry["value"], updatedAt=now)
        fake.metafields[key] = record
        stored.append(copy.deepcopy(record))
    return {"metafields": stored, "userErrors": []}


def _metafield_errors(index: int, entry: dict) -> list[dict]:
    path = ["metafields", str(index)]
    errors = [user_error([*path, name], f"{name.capitalize()} can't be blank", "BLANK")
              for name in ("namespace", "type") if not entry.get(name)]
    if not _GID.match(entry["ownerId"]):
        errors.append(user_error([*path, "ownerId"], "Owner does not exist.", "INVALID"))
    value, kind = entry["value"], entry.get("type")
    if kind == "number_integer" and not re.fullmatch(r"-?\d+", value):
        errors.append(user_error([*path, "value"], "Value must be an integer.", "INVALID_VALUE"))
    if kind == "boolean" and value not in ("true", "false"):
        errors.append(user_error([*path, "value"], "Value must be true or false.",
                                 "INVALID_VALUE"))
    if kind == "json":
        try:
            json.loads(value)
        except ValueError:
            errors.append(user_error([*path, "value"], "Value is invalid JSON.",
                                     "INVALID_VALUE"))
    return errors


# -- webhook subscriptions -------------------------------------------------------------------

def webhook_subscription_create(fake, arguments: dict) -> dict:
    topic, sub = arguments["topic"], arguments["webhookSubscription"]
    uri = sub.get("uri") or sub.get("callbackUrl")
    field = ["webhookSubscription", "callbackUrl"]
    if not uri:
        return {"webhookSubscription": None,
                "userErrors": [user_error(field, "Address can't be blank")]}
    if not re.match(r"^(https?://[^/\s]+|pubsub://\S+|arn:aws:events:\S+)", uri):
        return {"webhookSubscription": None,
                "userErrors": [user_error(field, "Address is invalid")]}
    if any(s["topic"] == topic and s["uri"] == uri for s in fake.webhook_subscriptions.values()):
        return {"webhookSubscription": None, "userErrors": [
            user_error(field, "Address for this topic has already been taken")]}
    gid = f"gid://shopify/WebhookSubscription/{fake.next_id('WebhookSubscription')}"
    now = fake.now()
    fake.webhook_subscriptions[gid] = {
        "id": gid, "topic": topic, "uri": uri, "callbackUrl": uri,
        "format": sub.get("format") or "JSON", "includeFields": sub.get("includeFields") or [],
        "filter": sub.get("filter"), "name": sub.get("name"), "createdAt": now, "updatedAt": now,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri}}
    return {"webhookSubscription": copy.deepcopy(fake.webhook_subscriptions[gid]),
            "userErrors": []}


def webhook_subscriptions(fake, arguments: dict) -> dict:
    topics = arguments.get("topics")
    nodes = [s for s in fake.webhook_subscriptions.values() if not topics or s["topic"] in topics]
    return connection(nodes, arguments, lambda node: [_numeric_id(node["id"])])


# -- orders ----------------------------------------------------------------------------------

def orders(fake, arguments: dict) -> dict:
    """`query` understands `updated_at`/`created_at`/`processed_at` with > >= < <= (ANDed)."""
    nodes = fake.orders
    for name, operator, raw in _SEARCH_TERM.findall(arguments.get("query") or ""):
        if name not in _SEARCH_DATES:
            raise GraphQLError(f"fake Shopify: search field '{name}' is not supported by the "
                               f"fake (only {', '.join(_SEARCH_DATES)})", code="argumentError")
        try:
            bound = parse_datetime(raw.strip("'\""))
        except ValueError:
            raise GraphQLError(f"Invalid date in search query: {raw}",
                               code="argumentError") from None
        nodes = [n for n in nodes if _compare(parse_datetime(n.get(_SEARCH_DATES[name])),
                                              operator or "=", bound)]
    field = _SORT_KEYS[arguments.get("sortKey") or "ID"]
    return connection(nodes, arguments, lambda node: (
        [node.get(field) or "", _numeric_id(node["id"])] if field != "id"
        else [_numeric_id(node["id"])]))


def _compare(value, operator: str, bound) -> bool:
    if value is None:
        return False
    return {">": value > bound, ">=": value >= bound, "<": value < bound,
            "<=": value <= bound, "=": value == bound}[operator]


OPERATIONS = {
    "discountCodeBasicCreate": Operation(
        "mutation", {"basicCodeDiscount": "DiscountCodeBasicInput!"}, discounts.create_basic),
    "discountCodeFreeShippingCreate": Operation(
        "mutation", {"freeShippingCodeDiscount": "DiscountCodeFreeShippingInput!"},
        discounts.create_free_shipping),
    "codeDiscountNodeByCode": Operation("query", {"code": "String!"}, discounts.by_code),
    "discountCodeDelete": Operation("mutation", {"id": "ID!"}, discounts.delete),
    "tagsAdd": Operation("mutation", {"id": "ID!", "tags": "[String!]!"}, tags_add),
    "tagsRemove": Operation("mutation", {"id": "ID!", "tags": "[String!]!"}, tags_remove),
    "customer": Operation("query", {"id": "ID!"}, customer),
    "metafieldsSet": Operation("mutation", {"metafields": "[MetafieldsSetInput!]!"},
                               metafields_set),
    "webhookSubscriptionCreate": Operation(
        "mutation", {"topic": "WebhookSubscriptionTopic!",
                     "webhookSubscription": "WebhookSubscriptionInput!"},
        webhook_subscription_create),
    "webhookSubscriptions": Operation(
        "query", {"first": "Int", "after": "String", "reverse": "Boolean",
                  "topics": "[WebhookSubscriptionTopic!]"}, webhook_subscriptions,
        paginated=True),
    "orders": Operation(
        "query", {"first": "Int", "after": "String", "query": "String",
                  "sortKey": "OrderSortKeys", "reverse": "Boolean"}, orders, paginated=True),
}
