"""While the database cannot be reached, every page and call answers 503 with Retry-After,
never a 500: the webhooks already did (connector.receiving); the JSON API, the storefront, the
links and the admin now do too. A store, an app or a browser may simply try again.

Only OperationalError (connection refused or dropped, a timeout, SQLite busy past its wait) and
the pool's TimeoutError (every connection in use): an IntegrityError or a programming error is
a bug, and stays a 500 so it is seen.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import ServiceUnavailable

log = logging.getLogger("loyalty.web")
MESSAGE = "storage unavailable, retry later"
RETRY_AFTER_SECONDS = 5
STOREFRONT = ("/proxy/", "/storefront/")  # answers {"error", "code"} (connector.storefront)


def _unavailable(error: Exception):
    log.warning("database.unavailable", extra={"path": request.path,
                                                "error": type(error).__name__})
    if request.path.startswith(STOREFRONT):
        return (jsonify(error=MESSAGE, code="unavailable"), 503,
                {"Retry-After": str(RETRY_AFTER_SECONDS)})
    # through the app's HTTP error handling: JSON under /api/v1, the plain page elsewhere
    return current_app.handle_http_exception(
        ServiceUnavailable(MESSAGE, retry_after=RETRY_AFTER_SECONDS))


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(PoolTimeout, _unavailable)
