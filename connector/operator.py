"""Pages that act for the operator (connecting stores): open to an admin user signed in at
/admin who is an operator (no merchant set), or to LOYALTY_ADMIN_PASSWORD over HTTP Basic.

An admin user limited to one merchant is refused these pages (403): they reconnect their own
stores from the shop pages of the admin instead. Basic: any user name; without a configured
password and without a signed-in operator those pages are closed, and say how to open them or
use the CLI instead.
"""
from __future__ import annotations

import functools
import hmac

from flask import current_app, jsonify, request, session

from connector.models import AdminUser


def _signed_in_admin() -> AdminUser | None:
    """The enabled admin user of this browser's /admin session, if any."""
    user_id = session.get("admin_user_id")
    if user_id is None:
        return None
    with current_app.extensions["loyalty"].db.reading() as db_session:
        user = db_session.get(AdminUser, user_id)
    return None if user is None or user.disabled else user


def _merchant_refused(user: AdminUser):
    return jsonify(error=f"this page is for operators: admin user {user.username!r} may only "
                         f"manage merchant {user.merchant_id}; reconnect your stores from "
                         "their page at /admin/shops, or ask an operator",
                   code="operator-only"), 403


def _basic_password_matches(password: str) -> bool:
    given = request.authorization.password if request.authorization else None
    return given is not None and hmac.compare_digest(given.encode(), password.encode())


def operator_required(view):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        password = current_app.extensions["loyalty"].config.admin_password
        if password is not None and _basic_password_matches(password):
            return view(*args, **kwargs)
        user = _signed_in_admin()
        if user is not None:
            if user.merchant_id is not None:
                return _merchant_refused(user)
            return view(*args, **kwargs)
        if password is None:
            return jsonify(error="this page is closed: set LOYALTY_ADMIN_PASSWORD to use it, or "
                                 "connect from the command line with `loyalty shop connect`",
                           code="operator-disabled"), 403
        response = jsonify(error="operator password required", code="unauthorized")
        response.headers["WWW-Authenticate"] = 'Basic realm="loyalty"'
        return response, 401
    return guarded
