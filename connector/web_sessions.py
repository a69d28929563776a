"""Cookie sessions only where a person signs in (the admin and the operator's pages).

Webhooks, the JSON API, the storefront, health and metrics are called by stores, apps and
monitors that carry no session cookie: for them Flask would still build the cookie signer and
parse the cookie header on every request, about a fifth of a webhook acknowledgement's
framework time (bench/ack_profile.py). They get Flask's null session instead, which reads as
empty and refuses writes, so a view there that tried to use the session would fail loudly.
"""
from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface

SESSIONLESS = ("/webhooks/", "/api/", "/proxy/", "/storefront/", "/healthz", "/metrics")


class SignedInSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request):
        if request.path.startswith(SESSIONLESS):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SignedInSessions()
