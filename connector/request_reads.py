"""One read session per request, for the hot read paths (an API balance, a storefront balance).

The key check or the signature check opens it, the view reads through the same session, and it
closes when the request ends: one connection checkout (and on PostgreSQL one pool ping) instead
of one per step, and the shop the check loaded (and `held`) is already in the session's
identity map, which keeps an object only while something else references it.

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


def held(loaded: object) -> None:
    """Keep an object the request's read session loaded until the request ends, so that a
    later `session.get` of it is answered from the identity map instead of the database."""
    g.setdefault("loyalty_held", []).append(loaded)


def _close_reader(_error: BaseException | None) -> None:
    stack = g.pop("loyalty_reader_exit", None)
    g.pop("loyalty_reader", None)
    g.pop("loyalty_held", None)
    if stack is not None:
        stack.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_reader)
