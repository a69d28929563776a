"""A fake Shopify shop (Admin GraphQL API and the OAuth token endpoint) served in-process for tests.

    with FakeShopify(bucket_size=50, restore_rate=10) as fake:
        requests.post(f"{fake.url}/admin/api/2026-10/graphql.json",
                      headers={"X-Shopify-Access-Token": fake.access_token},
                      json={"query": TAGS_ADD, "variables": {"id": gid, "tags": ["gold"]}})

It listens on 127.0.0.1 (an ephemeral port) in a daemon thread. `POST /admin/api/<YYYY-MM or
unstable>/graphql.json` needs `X-Shopify-Access-Token` and answers `X-Shopify-API-Version`; the
body is JSON `{"query", "variables"}` (or `application/graphql`, the bare query). Errors come
as Shopify's do: HTTP 200 with top-level `errors` (THROTTLED, bad arguments) or `userErrors`;
401 for a wrong or revoked token. Every answered query has `extensions.cost`, drawn from a
leaky bucket (`bucket_size` points, `restore_rate` points/s; mutations 10, simple queries 1,
connections 2 + first // 10, actually 2 + returned // 10).

No GraphQL parser (`shopify_graphql`): the operation is the document's first field, its
arguments are read from that field's `(name: $variable)` list, so any variable names work. The
usual ones:

    discountCodeBasicCreate(basicCodeDiscount: $input)                   {"input": {...}}
    discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input)     {"input": {...}}
    codeDiscountNodeByCode(code: $code)                                  {"code": "GOLD-1"}
    discountCodeDelete(id: $id)                                          {"id": node gid}
    tagsAdd(id: $id, tags: $tags) / tagsRemove(id: $id, tags: $tags)     {"id": gid, "tags": [..]}
    customer(id: $id) { id tags }                                        {"id": gid}
    metafieldsSet(metafields: $metafields)                               {"metafields": [...]}
    webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub)  {"topic", "sub": {uri}}
    webhookSubscriptions(first: $first, after: $after, topics: $topics)
    orders(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse)
        query "updated_at:>'2026-11-20T00:00:00Z'" (also created_at/processed_at, > >= < <=)

Scalar literals (`first: 50`, `topic: ORDERS_PAID`) work too; object and list literals do not.
Answers ignore the selection set and carry every field the fake keeps. Handlers are in
`shopify_ops` and `shopify_discounts`. Tests read the state under `fake.lock`: `discounts`
(by upper-cased code; set a record's "asyncUsageCount" to mark it used), `customer_tags`,
`metafields` (by (ownerId, namespace, key)), `webhook_subscriptions` (by gid), `orders`
(GraphQL-shaped nodes, `add_order`), `calls`.
Faults: `fail_next`, `delay_after`, `throttle_next`, `revoke_token`, and `flaky` (seeded random
500s, 429s, THROTTLED answers and timeouts after the work is done, on GraphQL requests;
`fault_counts()` says how many of each); `set_bucket` starts a full bucket of another size. OAuth: `issue_code()` then `POST /admin/oauth/access_token`.
"""
from __future__ import annotations

import copy
import logging
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.fakes.flaky import TIMEOUT, Flakiness
from tests.fakes.server import LocalServer
from tests.fakes.shopify_graphql import (
    MAX_QUERY_COST,
    GraphQLError,
    LeakyBucket,
    cost_extensions,
    first_field,
    max_cost_error,
    read_selection,
    resolve_arguments,
    throttled_body,
    undefined_field,
)
from tests.fakes.shopify_http import (
    BAD_TOKEN,
    GRAPHQL_PATH,
    TOKEN_PATH,
    failure_reply,
    json_response,
    read_body,
)
from tests.fakes.shopify_ops import OPERATIONS

DEFAULT_SCOPE = "read_orders,read_customers,write_customers,write_discounts"
TOKEN_OPERATION = "oauth/access_token"  # the `operation` of token endpoint calls
FLAKY_KINDS = ("500", "429", "throttled", TIMEOUT)


@dataclass(frozen=True)
class Call:
    """One request the fake answered."""

    operation: str  # the first field ("tagsAdd"), TOKEN_OPERATION, or "" if unreadable
    variables: dict  # for the token endpoint: its parameters without client_secret
    status: int
    throttled: bool = False
    cost: int | None = None  # actualQueryCost: None unless points were deducted
    api_version: str | None = None
    fault: str | None = None  # the `flaky` fault it got: "500", "429", "throttled", "timeout"


def _subject(operation: str, variables: dict) -> str:
    """What an operation is about, for the fault cap: the discount code it creates or looks up,
    else the customer or discount it names (`id`, a metafield's `ownerId`), else itself."""
    given = variables.get("input")
    code = given.get("code") if isinstance(given, dict) else variables.get("code")
    if isinstance(code, str) and code:
        return f"code {code.upper()}"
    metafields = variables.get("metafields")
    owner = metafields[0].get("ownerId") if isinstance(metafields, list) and metafields \
        and isinstance(metafields[0], dict) else None
    named = variables.get("id") or owner
    return str(named) if named else operation


@dataclass
class _Fault:
    times: int
    status: int = 0
    seconds: float = 0.0


class FakeShopify(LocalServer):
    _name, _url_suffix = "fake-shopify", ""

    def __init__(self, access_token: str = "shpat_fake", *, bucket_size: float = 1000.0,
                 restore_rate: float = 100.0, client_id: str = "fake-client-id",
                 client_secret: str = "fake-client-secret"):
        self.access_token, self.client_id, self.client_secret = (
            access_token, client_id, client_secret)
        self.url = ""
        self.lock = threading.Lock()
        self.bucket = LeakyBucket(bucket_size, restore_rate)
        self.discounts: dict[str, dict] = {}
        self.customer_tags: dict[str, set[str]] = {}
        self.metafields: dict[tuple[str, str, str], dict] = {}
        self.webhook_subscriptions: dict[str, dict] = {}
        self.orders: list[dict] = []
        self.calls: list[Call] = []
        self._tokens = {access_token}
        self._codes: dict[str, str] = {}  # authorization code -> scope
        self._refresh_tokens: dict[str, tuple[str, str]] = {}  # -> (scope, its access token)
        self._expiry: dict[str, float] = {}  # expiring access token -> monotonic deadline
        self.token_ttl = 3600
        self.refreshes = 0
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._throttles = 0
        self._flaky = Flakiness(FLAKY_KINDS)
        self._last_ids: dict[str, int] = {}
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------

    # -- seeding, faults, inspection -------------------------------------------------------

    def graphql_url(self, version: str = "2026-10") -> str:
        return f"{self.url}/admin/api/{version}/graphql.json"

    def add_order(self, order: dict) -> dict:
        """Store a GraphQL-shaped order node; fills id, legacyResourceId and the dates."""
        order = copy.deepcopy(order)
        with self.lock:
            if "id" in order:  # keep later ids clear of it
                number = int(order["id"].rsplit("/", 1)[-1])
                self._last_ids["Order"] = max(self._last_ids.get("Order", 0), number)
            order.setdefault("id", f"gid://shopify/Order/{self.next_id('Order')}")
            order.setdefault("legacyResourceId", order["id"].rsplit("/", 1)[-1])
            order.setdefault("createdAt", self.now())
            order.setdefault("updatedAt", order["createdAt"])
            self.orders.append(order)
        return copy.deepcopy(order)

    def issue_code(self, scope: str = DEFAULT_SCOPE) -> str:
        """A single-use authorization code, as the callback would bring it."""
        code = secrets.token_hex(16)
        with self.lock:
            self._codes[code] = scope
        return code

    def fail_next(self, times: int, status: int = 500) -> None:
        """The next `times` requests get `status` (5xx: an HTML page) and change nothing."""
        with self.lock:
            self._failures.append(_Fault(times, status=status))

    def delay_after(self, seconds: float, times: int = 1) -> None:
        """The next `times` requests do their work (and pay its cost), then wait to answer."""
        with self.lock:
            self._delays.append(_Fault(times, seconds=seconds))

    def throttle_next(self, times: int) -> None:
        """The next `times` GraphQL operations are THROTTLED whatever the bucket holds."""
        with self.lock:
            self._throttles += times

    def flaky(self, rate: float, seed: int = 0, timeout_seconds: float = 2.0,
              kinds: tuple[str, ...] = FLAKY_KINDS,
              max_faults_per_subject: int | None = None) -> None:
        """From now on each authorized GraphQL request, with probability `rate`, gets one fault
        of `kinds`: "500" (an HTML page) and "429" change nothing; "throttled" is Shopify's
        HTTP 200 THROTTLED, as if another app had just emptied the bucket; "timeout" does the
        work, then waits `timeout_seconds` to answer. Rate 0 turns it off. `fail_next` comes
        first; a request it fails draws nothing. The token endpoint is never flaky. A discount
        code, else the customer or discount an operation names, else the operation gets at most
        `max_faults_per_subject`."""
        with self.lock:
            self._flaky = Flakiness(FLAKY_KINDS, kinds, rate, seed, timeout_seconds,
                                    max_faults_per_subject)

    def fault_counts(self) -> Counter[str]:
        """The faults injected since `flaky` was last called, by kind."""
        with self.lock:
            return Counter(self._flaky.injected)

    def revoke_token(self) -> None:
        """Every token (also those from OAuth) gets 401 from now on, as after an uninstall."""
        with self.lock:
            self._tokens.clear()

    def set_bucket(self, size: float, restore_rate: float) -> None:
        """A new, full bucket: `size` points refilled at `restore_rate` points/s."""
        with self.lock:
            self.bucket = LeakyBucket(size, restore_rate)

    def calls_to(self, field: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.operation == field]

    def next_id(self, kind: str) -> int:
        """A new numeric id for a gid of `kind` (lock held)."""
        self._last_ids[kind] = self._last_ids.get(kind, 0) + 1
        return self._last_ids[kind]

    @staticmethod
    def now() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _take(self, faults: list[_Fault]) -> _Fault | None:
        with self.lock:
            fault = faults[0] if faults else None
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    faults.remove(fault)
            return fault

    # -- HTTP ------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        return self._handle(Request(environ))(environ, start_response)

    def _handle(self, request: Request) -> Response:
        graphql = GRAPHQL_PATH.match(request.path)
        if request.method != "POST" or not (graphql or request.path == TOKEN_PATH):
            return json_response(404, {"errors": "Not Found"})
        version = graphql.group(1) if graphql else None
        body = read_body(request)
        if graphql:
            operation = first_field(body.get("query"))
            variables = body.get("variables") if isinstance(body.get("variables"), dict) else {}
        else:
            operation = TOKEN_OPERATION
            variables = {k: v for k, v in body.items() if k != "client_secret"}
        throttled, cost, fault, wait, headers = False, None, None, 0.0, {}
        with self.lock:
            given = request.headers.get("X-Shopify-Access-Token")
            authorized = given in self._tokens and self._expiry.get(given, float("inf")) > \
                time.monotonic()
        failure = self._take(self._failures)
        if not failure and graphql and authorized:
            with self.lock:
                fault = self._flaky.draw(_subject(operation, variables))
                wait = self._flaky.wait_seconds(fault)
        if failure:
            status, payload, headers = failure_reply(failure.status)
        elif fault in ("500", "429"):
            status, payload, headers = failure_reply(int(fault))
        elif graphql and not authorized:
            status, payload = 401, BAD_TOKEN
        else:
            delay = self._take(self._delays)
            wait = max(wait, delay.seconds if delay else 0.0)
            try:
                if graphql:
                    status, payload, throttled, cost = self._graphql(
                        body, variables, throttle=fault == "throttled")
                else:
                    status, payload = self._exchange_code(body)
            except Exception:  # a bug in the fake: answer 500 and log the traceback
                logging.getLogger(__name__).exception("fake Shopify failed on %s", operation)
                status, payload, headers = failure_reply(500)
        with self.lock:
            self.calls.append(Call(operation, copy.deepcopy(variables), status, throttled, cost,
                                   version, fault))
        if wait:
            self._stopping.wait(wait)
        if version:
            headers["X-Shopify-API-Version"] = version
        headers["X-Request-Id"] = str(uuid.uuid4())
        if isinstance(payload, str):
            return Response(payload, status, headers, content_type="text/html; charset=utf-8")
        return json_response(status, payload, headers)

    def _graphql(self, body: dict, variables: dict,
                 throttle: bool = False) -> tuple[int, Any, bool, int | None]:
        """(status, payload, throttled, actual cost) for one GraphQL request; `throttle`: the
        bucket is emptied first, so the answer is THROTTLED and says why."""
        if not isinstance(body.get("query"), str) or not body["query"].strip():
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}, False, None
        try:
            selection = read_selection(body["query"])
            operation = OPERATIONS.get(selection.field)
            if operation is None or operation.root != selection.root:
                raise undefined_field(selection)
            arguments = resolve_arguments(selection, variables, operation.arguments)
            requested = operation.requested_cost(arguments)
            if requested > MAX_QUERY_COST:
                raise max_cost_error(requested)
            with self.lock:
                if throttle:
                    self.bucket.take(self.bucket.available())
                if self._throttles or self.bucket.available() < requested:
                    self._throttles = max(0, self._throttles - 1)
                    return 200, throttled_body(requested, self.bucket), True, None
                value = operation.run(self, arguments)
                actual = operation.actual_cost(arguments, value)
                self.bucket.take(actual)
                return 200, {"data": {selection.key: value},
                             "extensions": cost_extensions(requested, actual, self.bucket)}, \
                    False, actual
        except GraphQLError as error:
            return 200, error.body(), False, None

    def _exchange_code(self, params: dict) -> tuple[int, dict]:
        if (params.get("client_id"), params.get("client_secret")) != (self.client_id,
                                                                      self.client_secret):
            return 400, {"error": "invalid_client",
                         "error_description": "Client authentication failed: unknown client_id "
                                              "or wrong client_secret"}
        if params.get("grant_type") == "refresh_token":
            return self._refresh(params)
        with self.lock:
            scope = self._codes.pop(str(params.get("code")), None)
            if scope is None:
                return 400, {"error": "invalid_request", "error_description":
                             "The authorization code was not found or was already used"}
            return 200, self._grant(scope, expiring=str(params.get("expiring")) == "1")

    def _grant(self, scope: str, expiring: bool) -> dict:
        """A new access token (under the lock); an expiring one comes with a refresh token."""
        token = f"shpat_{secrets.token_hex(16)}"
        self._tokens.add(token)
        body = {"access_token": token, "scope": scope}
        if expiring:
            refresh = f"shprt_{secrets.token_hex(16)}"
            self._refresh_tokens[refresh] = (scope, token)
            body.update(expires_in=self.token_ttl, refresh_token=refresh,
                        refresh_token_expires_in=90 * 86400)
            self._expiry[token] = time.monotonic() + self.token_ttl
        return body

    def _refresh(self, params: dict) -> tuple[int, dict]:
        """Rotation: the refresh token is used up, its access token revoked, new ones issued."""
        with self.lock:
            self.refreshes += 1
            found = self._refresh_tokens.pop(str(params.get("refresh_token")), None)
            if found is None:
                return 400, {"error": "invalid_grant",
                             "error_description": "Token has been expired or revoked."}
            scope, old_token = found
            self._tokens.discard(old_token)
            return 200, self._grant(scope, expiring=True)

    def expire_tokens(self) -> None:
        """Every expiring access token is past its hour from now on."""
        with self.lock:
            for token in self._expiry:
                self._expiry[token] = 0.0
