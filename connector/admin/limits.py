"""Refused logins are counted per client address and per user name (the `limits` library); past
either limit the login page answers 429, even to the right password, until the minute is up.

A counter is made for each app when the admin blueprint is registered on it, counting in
LOYALTY_RATELIMIT_STORAGE: memory:// counts inside one process; several web processes must
share a store (redis://...) or each would allow the full number. Only refused logins count, so
signing in and out does not use up anyone's allowance. The client address is the one
ProxyFix gives (LOYALTY_TRUSTED_PROXIES), so a visitor cannot pick their own.

Only the login view is wrapped: no other request (webhooks above all) pays for a hook. If a
shared store goes down, attempts are counted in this process until it answers again.
"""
from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable

from flask import Flask, make_response, render_template, request
from flask.blueprints import BlueprintSetupState
from flask.wrappers import Response
from limits import RateLimitItem, parse
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from connector.admin import blueprint, views
from connector.admin.auth import safe_next
from connector.config import ConfigError

log = logging.getLogger("loyalty.admin")
PER_ADDRESS = "10 per minute"
PER_USERNAME = "5 per minute"
TOO_MANY_LOGINS = "too many login attempts: wait a minute and try again"
# Importing views first records its routes before `_limit_logins`, which wraps the login view.
LOGIN_ENDPOINT = f"{blueprint.name}.{views.login.__name__}"
RETRY_STORE_SECONDS = 30  # after a failure, the shared store is tried again this often


def _address() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _username() -> str:
    return "user:" + request.form.get("username", "").strip().lower()[:100]


class LoginCounter:
    """Refused logins per address and per user name, in a shared store or, while that store
    is down, in this process."""

    def __init__(self, uri: str):
        try:
            shared: Storage = storage_from_string(uri)
        except ConfigurationError as exc:  # e.g. redis:// without the redis package installed
            raise ConfigError(f"LOYALTY_RATELIMIT_STORAGE: cannot use {uri!r}: {exc}") from None
        self._uri = uri
        self._fallback = FixedWindowRateLimiter(MemoryStorage())
        self._limiter = FixedWindowRateLimiter(shared)
        self._down_until = 0.0
        self.rules: list[tuple[RateLimitItem, Callable[[], str]]] = [
            (parse(PER_ADDRESS), _address), (parse(PER_USERNAME), _username)]

    def _call(self, method: str, item: RateLimitItem, identity: str):
        """limiter.<method>(item, identity) on the shared store, or here while it is down."""
        if time.monotonic() >= self._down_until:
            try:
                return getattr(self._limiter, method)(item, "loyalty", identity)
            except Exception as exc:  # noqa: BLE001 - any store failure: count locally
                log.warning("admin.ratelimit-store-down", extra={"storage": self._uri,
                                                                  "error": str(exc)[:200]})
                self._down_until = time.monotonic() + RETRY_STORE_SECONDS
        return getattr(self._fallback, method)(item, "loyalty", identity)

    def breached(self) -> tuple[RateLimitItem, int] | None:
        """The first limit this request is over, and the seconds until its window ends."""
        for item, key in self.rules:
            identity = key()
            if not self._call("test", item, identity):
                stats = self._call("get_window_stats", item, identity)
                return item, max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def count_refusal(self) -> None:
        for item, key in self.rules:
            self._call("hit", item, key())


def _too_many_logins(item: RateLimitItem, retry_after: int) -> Response:
    username = request.form.get("username", "")
    log.warning("admin.login-limited", extra={"username": username[:100], "limit": str(item)})
    page = render_template("admin/login.html", error=TOO_MANY_LOGINS, username=username,
                           next_page=safe_next(request.values.get("next")))
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask) -> LoginCounter:
    """Limit refused logins on `app` (its login view must be registered already)."""
    counter = LoginCounter(app.extensions["loyalty"].config.ratelimit_storage)
    login = app.view_functions[LOGIN_ENDPOINT]

    @functools.wraps(login)
    def limited_login(*args, **kwargs):
        if request.method != "POST":
            return login(*args, **kwargs)
        breach = counter.breached()
        if breach is not None:
            return _too_many_logins(*breach)
        response = app.make_response(login(*args, **kwargs))
        if response.status_code == 401:
            counter.count_refusal()
        return response

    app.view_functions[LOGIN_ENDPOINT] = limited_login
    return counter


@blueprint.record_once
def _limit_logins(state: BlueprintSetupState) -> None:
    init_app(state.app)
