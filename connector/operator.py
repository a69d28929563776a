"""Pages that act for the operator (connecting stores) ask for LOYALTY_ADMIN_PASSWORD.

HTTP Basic, any user name; without a configured password those pages are closed, and say how
to open them or use the CLI instead.
"""
from __future__ import annotations

import functools
import hmac

from flask import current_app, jsonify, request


def operator_required(view):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        password = current_app.extensions["loyalty"].config.admin_password
        if password is None:
            return jsonify(error="this page is closed: set LOYALTY_ADMIN_PASSWORD to use it, or "
                                 "connect from the command line with `loyalty shop connect`",
                           code="operator-disabled"), 403
        given = request.authorization.password if request.authorization else None
        if given is None or not hmac.compare_digest(given.encode(), password.encode()):
            response = jsonify(error="operator password required", code="unauthorized")
            response.headers["WWW-Authenticate"] = 'Basic realm="loyalty"'
            return response, 401
        return view(*args, **kwargs)
    return guarded
