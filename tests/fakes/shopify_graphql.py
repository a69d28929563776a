"""GraphQL plumbing of the fake Shopify Admin API: reading the operation, its arguments, the cost.

No GraphQL parser. `read_selection` takes the operation type (`mutation`, else a query), the
first field of the selection set (and its alias) and that field's argument list. Each argument is
a `$variable`, looked up in the request's `variables` (else a scalar default declared in the
operation header), or a scalar literal (string, number, true/false/null, enum). Object and list
literals are refused with an error naming the argument: pass them as variables. Later top-level
fields and all selection sets are ignored; answers carry every field the fake knows. Fragment
definitions must come after the operation.

`resolve_arguments` checks the arguments against the field's types (SDL strings such as "ID!",
"[String!]!", "MetafieldsSetInput!") like graphql-ruby does on Shopify, and `LeakyBucket` is the
cost-based rate limit.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
MAX_QUERY_COST = 1000

WEBHOOK_TOPICS = ("ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED", "ORDERS_CANCELLED",
                  "REFUNDS_CREATE", "CUSTOMERS_CREATE", "CUSTOMERS_UPDATE", "APP_UNINSTALLED")
ENUMS = {
    "WebhookSubscriptionTopic": WEBHOOK_TOPICS,
    "WebhookSubscriptionFormat": ("JSON", "XML"),
    "OrderSortKeys": ("ID", "CREATED_AT", "UPDATED_AT", "PROCESSED_AT"),
}
_DISCOUNT_FIELDS = {
    "title": "String", "code": "String", "startsAt": "DateTime", "endsAt": "DateTime",
    "context": "DiscountContextInput", "customerSelection": "DiscountCustomerSelectionInput",
    "minimumRequirement": "DiscountMinimumRequirementInput", "usageLimit": "Int",
    "appliesOncePerCustomer": "Boolean", "combinesWith": "DiscountCombinesWithInput",
    "recurringCycleLimit": "Int",
}
# Input objects whose field names are checked (others, "...Input", only need to be objects).
INPUT_TYPES = {
    "DiscountCodeBasicInput": {**_DISCOUNT_FIELDS, "customerGets": "DiscountCustomerGetsInput"},
    "DiscountCodeFreeShippingInput": {
        **_DISCOUNT_FIELDS, "destination": "DiscountShippingDestinationSelectionInput",
        "maximumShippingPrice": "Decimal", "appliesOnOneTimePurchase": "Boolean",
        "appliesOnSubscription": "Boolean"},
    "MetafieldsSetInput": {"ownerId": "ID!", "namespace": "String", "key": "String!",
                           "type": "String", "value": "String!", "compareDigest": "String"},
    "WebhookSubscriptionInput": {
        "uri": "String", "callbackUrl": "URL", "format": "WebhookSubscriptionFormat",
        "includeFields": "[String!]", "metafieldNamespaces": "[String!]", "filter": "String",
        "name": "String"},
}

_VALUE = r'\$\w+|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\w+|[\[{]'
_COMMENT = re.compile(r"(?m)(^|\s)#[^\n]*")
_FIRST_FIELD = re.compile(r"\s*(?:(query|mutation|subscription)\b)?([^{]*)\{\s*"
                          r"(?:(\w+)\s*:\s*)?(\w+)\s*")
_ARGUMENT = re.compile(rf"\s*(\w+)\s*:\s*({_VALUE})\s*,?\s*")
_DEFAULT = re.compile(rf"\$(\w+)\s*:\s*[\w\[\]!\s]+?=\s*({_VALUE})")


class GraphQLError(Exception):
    """A top-level GraphQL error: HTTP 200, `{"errors": [...]}` and no `data`."""

    def __init__(self, message: str, **extensions):
        super().__init__(message)
        self.message, self.extensions = message, extensions

    def body(self) -> dict:
        return {"errors": [{"message": self.message, "extensions": self.extensions}]}


@dataclass
class Selection:
    root: str  # "query" or "mutation"
    field: str
    alias: str | None = None
    arguments: dict[str, tuple[str, object]] = field(default_factory=dict)  # ("$", var) | ("=", v)
    defaults: dict[str, object] = field(default_factory=dict)  # variable defaults in the header

    @property
    def key(self) -> str:
        return self.alias or self.field


def first_field(query: object) -> str:
    """The first field's name, or "" (for the call log; never raises)."""
    found = _FIRST_FIELD.match(_COMMENT.sub(r"\1", query)) if isinstance(query, str) else None
    return found.group(4) if found else ""


def read_selection(query: str) -> Selection:
    text = _COMMENT.sub(r"\1", query)
    found = _FIRST_FIELD.match(text)
    if not found:
        raise GraphQLError("Parse error: no selection set found (fake Shopify reads the first "
                           "field of `{ ... }`)", code="parseError")
    root, header, alias, name = found.groups()
    if root == "subscription":
        raise GraphQLError("Subscriptions are not supported", code="undefinedField")
    selection = Selection(root or "query", name, alias,
                          defaults={var: _literal(raw) for var, raw in _DEFAULT.findall(header)})
    position = found.end()
    if text[position:position + 1] != "(":
        return selection
    position += 1
    while not text.startswith(")", position):
        argument = _ARGUMENT.match(text, position)
        if not argument:
            raise GraphQLError(f"Parse error in the arguments of '{name}' (fake Shopify reads "
                               "`name: $variable` or scalar literals)", code="parseError")
        arg, raw = argument.groups()
        if raw in ("[", "{"):
            raise GraphQLError(f"fake Shopify: pass argument '{arg}' of '{name}' as a $variable; "
                               "it reads no object or list literals", code="parseError")
        selection.arguments[arg] = ("$", raw[1:]) if raw.startswith("$") else ("=", _literal(raw))
        position = argument.end()
    return selection


def _literal(raw: str):
    if raw.startswith('"'):
        return json.loads(raw)
    if raw in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[raw]
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    try:
        return float(raw)
    except ValueError:
        return raw  # an enum value


def undefined_field(selection: Selection) -> GraphQLError:
    type_name = "Mutation" if selection.root == "mutation" else "QueryRoot"
    return GraphQLError(f"Field '{selection.field}' doesn't exist on type '{type_name}'",
                        code="undefinedField", typeName=type_name, fieldName=selection.field)


def resolve_arguments(selection: Selection, variables: dict, types: dict[str, str]) -> dict:
    """The field's arguments by name, checked and coerced against `types`."""
    name = selection.field
    unknown = [a for a in selection.arguments if a not in types]
    if unknown:
        raise GraphQLError(f"Field '{name}' doesn't accept argument '{unknown[0]}'",
                           code="argumentNotAccepted", name=name, typeName="Field",
                           argumentName=unknown[0])
    missing = [a for a, t in types.items() if t.endswith("!") and a not in selection.arguments]
    if missing:
        raise GraphQLError(f"Field '{name}' is missing required arguments: {', '.join(missing)}",
                           code="missingRequiredArguments", className="Field", name=name,
                           arguments=", ".join(missing))
    resolved = {}
    for arg, (source, ref) in selection.arguments.items():
        value = ref if source == "=" else variables.get(ref, selection.defaults.get(ref))
        try:
            resolved[arg] = coerce(value, types[arg])
        except _Problem as problem:
            if source == "=":
                raise GraphQLError(
                    f"Argument '{arg}' on Field '{name}' has an invalid value "
                    f"({json.dumps(value)}). Expected type '{types[arg]}'.",
                    code="argumentLiteralsIncompatible", typeName="Field", argumentName=arg,
                ) from None
            where = ".".join(map(str, problem.path))
            raise GraphQLError(
                f"Variable ${ref} of type {types[arg]} was provided invalid value"
                + (f" for {where} ({problem.explanation})" if where else ""),
                value=value, problems=[{"path": problem.path,
                                        "explanation": problem.explanation}]) from None
    return resolved


class _Problem(Exception):
    def __init__(self, path: list, explanation: str):
        super().__init__(explanation)
        self.path, self.explanation = path, explanation


def coerce(value, type_name: str, path: tuple = ()):
    """`value` as GraphQL type `type_name` ("[String!]!"), else `_Problem` at the bad spot."""
    base = type_name.removesuffix("!")
    if value is None:
        if type_name.endswith("!"):
            raise _Problem(list(path), "Expected value to not be null")
        return None
    if base.startswith("["):
        items = value if isinstance(value, list) else [value]  # a single value becomes a list
        return [coerce(item, base[1:-1], (*path, i)) for i, item in enumerate(items)]
    if base in ENUMS:
        if value not in ENUMS[base]:
            raise _Problem(list(path), f"Expected {json.dumps(value)} to be one of: "
                                       + ", ".join(ENUMS[base]))
        return value
    if base.endswith("Input"):
        if not isinstance(value, dict):
            raise _Problem(list(path), f"Expected {json.dumps(value)} to be a key-value object.")
        fields = INPUT_TYPES.get(base)
        for name in value if fields else ():
            if name not in fields:
                raise _Problem([*path, name], f"Field is not defined on {base}")
        for name, field_type in (fields or {}).items():
            coerce(value.get(name), field_type, (*path, name))
        return value
    return _scalar(value, base, path)


def _scalar(value, base: str, path: tuple):
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if base == "ID" and (isinstance(value, str) or (number and value == int(value))):
        return str(value)
    if base == "Int" and number and value == int(value) and -2**31 <= value < 2**31:
        return int(value)
    if (base == "Float" and number) or (base == "Boolean" and isinstance(value, bool)):
        return value
    if base in ("String", "URL") and isinstance(value, str):
        return value
    if base == "Decimal" and (isinstance(value, str) or number):
        return value
    if base == "DateTime" and isinstance(value, str):
        try:
            parse_datetime(value)
            return value
        except ValueError:
            pass
    raise _Problem(list(path), f"Could not coerce value {json.dumps(value)} to {base}")


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 DateTime; without an offset it is UTC, as Shopify takes it."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LeakyBucket:
    """Shopify's cost bucket: `size` points, refilled at `restore_rate` points/s, full at first."""

    def __init__(self, size: float, restore_rate: float):
        self.size, self.restore_rate = float(size), float(restore_rate)
        self._level, self._at = self.size, time.monotonic()

    def available(self) -> float:
        now = time.monotonic()
        self._level = min(self.size, self._level + (now - self._at) * self.restore_rate)
        self._at = now
        return self._level

    def take(self, points: float) -> None:
        self._level = self.available() - points

    def throttle_status(self) -> dict:
        return {"maximumAvailable": self.size, "currentlyAvailable": int(self.available()),
                "restoreRate": self.restore_rate}


def cost_extensions(requested: int, actual: int | None, bucket: LeakyBucket) -> dict:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                     "throttleStatus": bucket.throttle_status()}}


def throttled_body(requested: int, bucket: LeakyBucket) -> dict:
    return {"errors": [{"message": "Throttled",
                        "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC}}],
            "extensions": cost_extensions(requested, None, bucket)}


def max_cost_error(requested: int) -> GraphQLError:
    return GraphQLError(
        f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({MAX_QUERY_COST}). See {RATE_LIMITS_DOC} for more information on how the cost of a "
        "query is calculated. To query larger amounts of data with fewer limits, bulk "
        "operations should be used instead.", code="MAX_COST_EXCEEDED", cost=requested,
        maxCost=MAX_QUERY_COST, documentation=RATE_LIMITS_DOC)
