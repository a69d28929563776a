"""Refused logins are counted per client address and per user name (Flask-Limiter); past either
limit the login page answers 429, even to the right password, until the minute is up.

A limiter is made for each app when the admin blueprint is registered on it, counting in
LOYALTY_RATELIMIT_STORAGE: memory:// counts inside one process; several web processes must
share a store (redis://...) or each would allow the full number. Only refused logins count, so
signing in and out does not use up anyone's allowance. The client address is the one
ProxyFix gives (LOYALTY_TRUSTED_PROXIES), so a visitor cannot pick their own.
"""
from __future__ import annotations

import logging

from flask import Flask, make_response, render_template, request
from flask.blueprints import BlueprintSetupState
from flask.wrappers import Response
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits.errors import ConfigurationError

from connector.admin import blueprint, views
from connector.admin.auth import safe_next
from connector.config import ConfigError

log = logging.getLogger("loyalty.admin")
PER_ADDRESS = "10 per minute"
PER_USERNAME = "5 per minute"
TOO_MANY_LOGINS = "too many login attempts: wait a minute and try again"
# Importing views first records its routes before `_limit_logins`, which wraps the login view.
LOGIN_ENDPOINT = f"{blueprint.name}.{views.login.__name__}"


def _username() -> str:
    return "user:" + request.form.get("username", "").strip().lower()[:100]


def _refused(response: Response) -> bool:
    return response.status_code == 401


def _too_many_logins(limit: RequestLimit) -> Response:
    username = request.form.get("username", "")
    log.warning("admin.login-limited", extra={"username": username[:100],
                                              "limit": str(limit.limit)})
    page = render_template("admin/login.html", error=TOO_MANY_LOGINS, username=username,
                           next_page=safe_next(request.values.get("next")))
    return make_response(page, 429)


def init_app(app: Flask) -> Limiter:
    """Limit refused logins on `app` (its login view must be registered already)."""
    uri = app.extensions["loyalty"].config.ratelimit_storage
    try:
        # if a shared store goes down, count in this process until it is back rather than fail
        limiter = Limiter(get_remote_address, app=app, storage_uri=uri, headers_enabled=True,
                          key_prefix="loyalty", in_memory_fallback_enabled=True)
    except ConfigurationError as exc:  # e.g. redis:// without the redis package installed
        raise ConfigError(f"LOYALTY_RATELIMIT_STORAGE: cannot use {uri!r}: {exc}") from None
    # Only the login form is limited: every other request (webhooks above all) skips the
    # limiter's per-request bookkeeping.
    limiter.request_filter(lambda: request.endpoint != LOGIN_ENDPOINT)
    login = app.view_functions[LOGIN_ENDPOINT]
    for allowed, key in ((PER_ADDRESS, get_remote_address), (PER_USERNAME, _username)):
        login = limiter.limit(allowed, key_func=key, methods=["POST"], deduct_when=_refused,
                              on_breach=_too_many_logins)(login)
    app.view_functions[LOGIN_ENDPOINT] = login
    return limiter


@blueprint.record_once
def _limit_logins(state: BlueprintSetupState) -> None:
    init_app(state.app)
