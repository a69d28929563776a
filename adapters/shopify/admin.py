"""The Admin GraphQL API over `requests`, honouring Shopify's cost-based throttle.

Every answer reports the app's bucket for the store (`extensions.cost.throttleStatus`); we keep
the last report per store and, before a call, wait until the bucket has refilled enough for it,
so a busy worker runs at the restore rate instead of bouncing off THROTTLED. A THROTTLED answer
(HTTP 200, no data) waits for the reported deficit and retries; 429 and 5xx are transient
failures, 401 means the token was revoked. Mutations' userErrors are returned to the caller,
which decides what is a success (a TAKEN deterministic code is).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from adapters.base import Credentials, TransportError

API_VERSION = "2026-10"  # pinned; Shopify supports each quarterly version for 12 months
MAX_THROTTLED_RETRIES = 10


@dataclass
class Bucket:
    maximum: float
    available: float
    restore_rate: float
    observed_at: float

    def available_at(self, now: float) -> float:
        return min(self.maximum, self.available + (now - self.observed_at) * self.restore_rate)

    def wait_for(self, cost: float, now: float) -> float:
        missing = cost - self.available_at(now)
        return max(missing, 0.0) / self.restore_rate if self.restore_rate > 0 else 0.0


_buckets: dict[str, Bucket] = {}
_buckets_lock = threading.Lock()


def forget_buckets() -> None:
    with _buckets_lock:
        _buckets.clear()


class AdminAPI:
    def __init__(self, credentials: Credentials, *, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        if not credentials.key:
            raise TransportError("the shop has no Admin API access token: reinstall the app",
                                 permanent=True, revoked=True)
        base = (credentials.api_base or f"https://{credentials.shop_ref}").rstrip("/")
        self.endpoint = f"{base}/admin/api/{API_VERSION}/graphql.json"
        self.shop, self.timeout = credentials.shop_ref, credentials.timeout
        self.http = session or requests.Session()
        self.http.headers.update({"X-Shopify-Access-Token": credentials.key,
                                  "Content-Type": "application/json"})
        self.sleep, self.clock = sleep, clock

    def execute(self, query: str, variables: dict, cost: float = 10.0) -> dict:
        """The `data` of one call, after waiting out the throttle; raises TransportError."""
        for _ in range(MAX_THROTTLED_RETRIES):
            self._pace(cost)
            body = self._post(query, variables)
            self._observe(body)
            errors = body.get("errors")
            if not errors:
                return body.get("data") or {}
            if any((e.get("extensions") or {}).get("code") == "THROTTLED"
                   for e in errors if isinstance(e, dict)):
                requested = ((body.get("extensions") or {}).get("cost") or {}).get(
                    "requestedQueryCost") or cost
                cost = float(requested)
                continue  # _pace waits for the deficit the answer reported
            raise TransportError(f"Shopify refused the query: {_messages(errors)}",
                                 permanent=True)
        raise TransportError(f"still throttled after {MAX_THROTTLED_RETRIES} waits")

    def _pace(self, cost: float) -> None:
        with _buckets_lock:
            bucket = _buckets.get(self.shop)
            delay = bucket.wait_for(cost, self.clock()) if bucket else 0.0
            if bucket and delay == 0:  # claim the points now, so parallel callers pace too
                bucket.available = bucket.available_at(self.clock()) - cost
                bucket.observed_at = self.clock()
        if delay > 0:
            self.sleep(delay)
            self._pace(cost)

    def _post(self, query: str, variables: dict) -> dict:
        try:
            response = self.http.post(self.endpoint, json={"query": query, "variables": variables},
                                      timeout=self.timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransportError(f"Shopify did not answer: {type(exc).__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise TransportError(f"Shopify refused the access token ({status}): the app was "
                                 "uninstalled or its token revoked", revoked=True)
        if status == 429 or status >= 500:
            raise TransportError(f"Shopify answered {status}: retry later")
        if status != 200:
            raise TransportError(f"Shopify answered {status}: {response.text[:300]}",
                                 permanent=True)
        try:
            body = response.json()
        except ValueError as exc:
            raise TransportError("Shopify answered 200 with a body that is not JSON") from exc
        if not isinstance(body, dict):
            raise TransportError("Shopify answered 200 with an unexpected body")
        return body

    def _observe(self, body: dict) -> None:
        status = (((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus"))
        if not isinstance(status, dict):
            return
        try:
            bucket = Bucket(float(status["maximumAvailable"]), float(status["currentlyAvailable"]),
                            float(status["restoreRate"]), self.clock())
        except (KeyError, TypeError, ValueError):
            return
        with _buckets_lock:
            _buckets[self.shop] = bucket


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e)
                         for e in errors)[:500]
    return str(errors)[:500]


def user_errors(payload: dict | None) -> list[dict]:
    return list((payload or {}).get("userErrors") or [])
