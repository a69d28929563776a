"""One read session per request, for the hot read paths (an API balance, a storefront balance).

The key check or the signature check opens it, the view reads through the same session, and it
closes when the request ends: one connection checkout (and on SQLite one BEGIN) instead of one
per step.

Only for views that read: on SQLite the session holds one snapshot from its first read, so a
view that writes and then reads again would not see its own write here.
"""
from __future__ import annotations

import contextlib

from flask import Flask, current_app, g
from sqlalchemy.orm import Session


def request_reader() -> Session:
    """This request's read session, opened on first use."""
    reader = g.get("loyalty_reader")
    if reader is None:
        stack = contextlib.ExitStack()
        reader = stack.enter_context(current_app.extensions["loyalty"].db.reading())
        g.loyalty_reader, g.loyalty_reader_exit = reader, stack
    return reader


def _close_reader(_error: BaseException | None) -> None:
    stack = g.pop("loyalty_reader_exit", None)
    g.pop("loyalty_reader", None)
    if stack is not None:
        stack.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_reader)
