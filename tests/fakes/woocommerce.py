"""A fake WooCommerce 7.9 store (REST API wc/v3) served in-process for tests.

    with FakeWooCommerce() as fake:
        fake.add_order(order)
        api = woocommerce.API(url=fake.url, consumer_key=fake.consumer_key,
                              consumer_secret=fake.consumer_secret, version="wc/v3", timeout=5)
        api.get("orders", params={"per_page": 100})

It listens on 127.0.0.1 (an ephemeral port) in a daemon thread and authenticates like the real
thing (`woo_auth`): HTTP Basic, `consumer_key`/`consumer_secret` query parameters, or OAuth 1.0a
one-legged query signing as the `woocommerce` package does it over http. Tests read its state
under `fake.lock` (`coupons`, `webhooks` with the "secret" and WooCommerce's internal
"pending_delivery" flag, `customers`, `orders`, `products`, `calls`, `pings`) and inject faults
with `fail_next`, `delay_after`, `revoke_keys` and `flaky` (seeded random 500s, 429s with
Retry-After: 1, and timeouts after the work is done; `fault_counts()` says how many of each).

Routes: `woo_routes` (system status, webhooks, customers, orders, products) and `woo_coupons`;
shared request/reply/error helpers in `woo_api`. Data: `woo_orders.make_orders`,
`woo_customers.make_customer`.
"""
from __future__ import annotations

import copy
import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from itertools import chain

import requests
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from tests.fakes.flaky import TIMEOUT, Flakiness
from tests.fakes.server import LocalServer
from tests.fakes.woo_api import API_PREFIX, ApiRequest, Reply, WooError, status_error
from tests.fakes.woo_auth import CREDENTIAL_PARAMS, ApiKey
from tests.fakes.woo_routes import URLS

PING_USER_AGENT = "WooCommerce/7.9.0 Hookshot (WordPress/6.1.9)"
FLAKY_KINDS = ("500", "429", TIMEOUT)


@dataclass(frozen=True)
class Call:
    """One request the fake answered. `query` leaves out the credentials and OAuth parameters."""

    method: str
    path: str  # after /wp-json/wc/v3/, e.g. "coupons" or "customers/5"; other paths start with /
    query: dict
    body: object | None
    status: int
    auth: str | None = None  # "basic", "query" or "oauth" once the credentials were accepted
    fault: str | None = None  # the `flaky` fault it got: "500", "429" or "timeout"


@dataclass
class _Rule:
    method: str
    prefix: str
    times: int
    status: int = 0
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and path.startswith(self.prefix)


class FakeWooCommerce(LocalServer):
    _name, _url_suffix = "fake-woocommerce", "/"

    def __init__(self, consumer_key: str = "ck_fake", consumer_secret: str = "cs_fake", *,
                 ping_webhooks: bool = True):
        self._key = ApiKey(consumer_key, consumer_secret)
        self.ping_webhooks = ping_webhooks
        self.url = ""
        self.lock = threading.Lock()
        self.coupons: dict[int, dict] = {}
        self.webhooks: dict[int, dict] = {}  # with the "secret" we were sent
        self.customers: dict[int, dict] = {}
        self.orders: dict[int, dict] = {}
        self.products: dict[int, dict] = {}
        self.calls: list[Call] = []
        self.pings: list[tuple[str, int | None]] = []
        self._failures: list[_Rule] = []
        self._delays: list[_Rule] = []
        self._flaky = Flakiness(FLAKY_KINDS)
        self._last_ids = {"post": 0, "meta": 1000, "webhook": 0, "customer": 1}
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def consumer_key(self) -> str:
        return self._key.consumer_key

    @property
    def consumer_secret(self) -> str:
        return self._key.consumer_secret

    # -- seeding and fault injection -------------------------------------------------------

    def add_order(self, order: dict) -> None:
        self._add(self.orders, order, "post")

    def add_customer(self, customer: dict) -> None:
        self._add(self.customers, customer, "customer")

    def add_product(self, product: dict) -> None:
        self._add(self.products, product, "post")

    def revoke_keys(self) -> None:
        """From now on every request gets 401, as after the merchant deletes the key."""
        with self.lock:
            self._key.revoked = True

    def restore_keys(self) -> None:
        """Accept the keys again, as after the merchant reconnects (undoes `revoke_keys`)."""
        with self.lock:
            self._key.revoked = False

    def fail_next(self, method: str, path_prefix: str, status: int, times: int = 1) -> None:
        """The next `times` matching requests get `status` and change nothing (method "*": any)."""
        with self.lock:
            self._failures.append(_Rule(method.upper(), path_prefix, times, status=status))

    def delay_after(self, method: str, path_prefix: str, seconds: float, times: int = 1) -> None:
        """The next `times` matching requests do their work, then wait `seconds` to answer."""
        with self.lock:
            self._delays.append(_Rule(method.upper(), path_prefix, times, seconds=seconds))

    def flaky(self, rate: float, seed: int = 0, timeout_seconds: float = 2.0,
              kinds: tuple[str, ...] = FLAKY_KINDS,
              max_faults_per_subject: int | None = None) -> None:
        """From now on each authenticated API request, with probability `rate`, gets one fault
        of `kinds`: "500" and "429" (with Retry-After: 1) change nothing; "timeout" does the
        work, then waits `timeout_seconds` to answer. Rate 0 turns it off. `fail_next` rules
        come first; a request they fail draws nothing. A coupon code (whether in the body, the
        query or neither) or else a method and path gets at most `max_faults_per_subject`."""
        with self.lock:
            self._flaky = Flakiness(FLAKY_KINDS, kinds, rate, seed, timeout_seconds,
                                    max_faults_per_subject)

    def fault_counts(self) -> Counter[str]:
        """The faults injected since `flaky` was last called, by kind."""
        with self.lock:
            return Counter(self._flaky.injected)

    def calls_to(self, method: str, path_prefix: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls
                    if method.upper() in ("*", c.method) and c.path.startswith(path_prefix)]

    def next_id(self, kind: str) -> int:
        """A new id (lock held): "post" ids are shared by coupons, orders and products."""
        taken = {"post": chain(self.coupons, self.orders, self.products),
                 "customer": self.customers, "webhook": self.webhooks}.get(kind, ())
        self._last_ids[kind] = max([self._last_ids[kind], *taken]) + 1
        return self._last_ids[kind]

    def _add(self, store: dict, record: dict, kind: str) -> None:
        record = copy.deepcopy(record)
        with self.lock:
            if "id" not in record:
                record["id"] = self.next_id(kind)
            store[record["id"]] = record
            meta_ids = [m.get("id", 0) for m in record.get("meta_data", [])]
            self._last_ids["meta"] = max([self._last_ids["meta"], *meta_ids])

    def _take(self, rules: list[_Rule], method: str, path: str) -> _Rule | None:
        with self.lock:
            rule = next((r for r in rules if r.matches(method, path)), None)
            if rule:
                rule.times -= 1
                if rule.times <= 0:
                    rules.remove(rule)
            return rule

    # -- HTTP ------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        return self._handle(Request(environ))(environ, start_response)

    def _handle(self, request: Request) -> Response:
        method = request.method
        params = {}
        for name, value in request.args.items(multi=True):
            params.setdefault(name, value)  # the woocommerce package sends each one twice
        query = {k: v for k, v in params.items()
                 if not k.startswith("oauth_") and k not in CREDENTIAL_PARAMS}
        in_api = request.path.startswith(API_PREFIX)
        path = request.path[len(API_PREFIX):].strip("/") if in_api else request.path
        body, auth, fault, wait = None, None, None, 0.0
        try:
            body = self._body(request)
            if not in_api:
                raise WooError(404, "rest_no_route",
                               "No route was found matching the URL and request method.")
            with self.lock:
                auth = self._key.authenticate(self.url, request, params)
            failure = self._take(self._failures, method, path)
            if failure:
                raise status_error(failure.status)
            with self.lock:
                fault = self._flaky.draw(_subject(method, path, params, body))
                wait = self._flaky.wait_seconds(fault)
            if fault in ("500", "429"):
                raise status_error(int(fault))
            delay = self._take(self._delays, method, path)
            wait = max(wait, delay.seconds if delay else 0.0)
            status, payload, headers, ping = self._route(ApiRequest(method, path, params, body))
            for webhook_id in ping:
                self._ping(webhook_id)
        except WooError as error:
            status, payload, headers = error.status, _encode(error.body()), {}
            if fault == "429":
                headers["Retry-After"] = "1"
        except Exception:  # a bug in the fake: answer like a PHP fatal error, log the traceback
            logging.getLogger(__name__).exception("fake WooCommerce failed on %s %s", method, path)
            error = WooError(500, "internal_server_error",
                             "There has been a critical error on this website.")
            status, payload, headers = 500, _encode(error.body()), {}
        with self.lock:
            self.calls.append(Call(method, path, query, body, status, auth, fault))
        if wait:
            self._stopping.wait(wait)
        return Response(payload, status, headers, content_type="application/json; charset=UTF-8")

    @staticmethod
    def _body(request: Request):
        if not request.get_data():
            return None
        if request.mimetype == "application/x-www-form-urlencoded":
            return request.form.to_dict()
        try:
            return json.loads(request.get_data())
        except ValueError:
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.") from None

    def _route(self, api_request: ApiRequest):
        adapter = URLS.bind("127.0.0.1", "/")
        try:
            handler, args = adapter.match("/" + api_request.path, method=api_request.method)
        except (NotFound, MethodNotAllowed):
            raise WooError(404, "rest_no_route",
                           "No route was found matching the URL and request method.") from None
        with self.lock:
            reply: Reply = handler(self, api_request, **args)
            return reply.status, _encode(reply.body), reply.headers, reply.ping

    def _ping(self, webhook_id: int) -> None:
        """WC_Webhook::deliver_ping: synchronous, form-encoded, unsigned; only 200 counts."""
        with self.lock:
            url = self.webhooks[webhook_id]["delivery_url"]
        try:
            with requests.Session() as session:
                session.trust_env = False  # never through a proxy
                status = session.post(url, data={"webhook_id": str(webhook_id)}, timeout=5,
                                      headers={"User-Agent": PING_USER_AGENT}).status_code
        except requests.RequestException:
            status = None
        with self.lock:
            self.pings.append((url, status))
            if status == 200 and webhook_id in self.webhooks:
                self.webhooks[webhook_id]["pending_delivery"] = False


def _subject(method: str, path: str, params: dict[str, str], body) -> str:
    """What a request is about, for the fault cap: the coupon code it creates or looks up (codes
    are unique ignoring case), else its method and path ("PUT customers/101")."""
    code = body.get("code") if isinstance(body, dict) else None
    code = code or params.get("code")
    if path == "coupons" and isinstance(code, str) and code:
        return f"coupon {code.lower()}"
    return f"{method} {path}"


def _encode(body) -> bytes:
    """JSON as WordPress writes it: ASCII only, with "/" escaped as "\\/"."""
    return json.dumps(body).replace("/", "\\/").encode()
