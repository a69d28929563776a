"""The application: configuration, storage, ledger, pipeline, CLI and the Flask app factory."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import import_string

from connector import logs
from connector.services import Services, build_services

# Blueprints are found by name so the web layer depends on the connector, never the reverse.
# These are called by stores and platforms (signed with HMAC or the app proxy signature) or by
# anyone following a link: no form of ours, so no CSRF token. Every other blueprint (the admin)
# has each POST checked for the token.
CSRF_EXEMPT = ("webhooks.receiver:blueprint", "connector.health:blueprint",
               "connector.install:blueprint", "connector.storefront:blueprint",
               "connector.link_routes:blueprint", "connector.metrics_endpoint:blueprint")
BLUEPRINTS = (*CSRF_EXEMPT, "connector.admin:blueprint")


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the web app. `test_config` holds LOYALTY_* settings that override the environment."""
    services = build_services(test_config)
    logs.configure(services.config.log_level)
    app = Flask(__name__, instance_path=str(services.config.instance_path))
    app.config["MAX_CONTENT_LENGTH"] = services.config.max_body_bytes
    app.extensions["loyalty"] = services
    app.secret_key = services.box.derive("admin-sessions")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=services.config.public_url.startswith("https://"),
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
                      WTF_CSRF_TIME_LIMIT=None)  # a token lives as long as the session
    csrf = CSRFProtect(app)
    for dotted in BLUEPRINTS:
        blueprint = import_string(dotted)
        app.register_blueprint(blueprint)
        if dotted in CSRF_EXEMPT:
            csrf.exempt(blueprint)
    import_string("connector.api:init_app")(app, csrf)  # /api/v1: by key, not cookie: no CSRF
    import_string("connector.request_reads:init_app")(app)
    import_string("connector.web_sessions:init_app")(app)
    import_string("connector.unavailable:init_app")(app)
    hops = services.config.trusted_proxies
    if hops:  # the visitor's address and scheme as the proxies in front saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app


def services_of(app: Flask) -> Services:
    return app.extensions["loyalty"]
