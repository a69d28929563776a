"""The application: configuration, storage, ledger, pipeline, CLI and the Flask app factory."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import import_string

from connector import logs
from connector.services import Services, build_services

# Blueprints are found by name so the web layer depends on the connector, never the reverse.
BLUEPRINTS = ("webhooks.receiver:blueprint", "connector.health:blueprint",
              "connector.install:blueprint", "connector.storefront:blueprint",
              "connector.link_routes:blueprint", "connector.metrics_endpoint:blueprint")


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the web app. `test_config` holds LOYALTY_* settings that override the environment."""
    services = build_services(test_config)
    logs.configure(services.config.log_level)
    app = Flask(__name__, instance_path=str(services.config.instance_path))
    app.config["MAX_CONTENT_LENGTH"] = services.config.max_body_bytes
    app.extensions["loyalty"] = services
    for dotted in BLUEPRINTS:
        app.register_blueprint(import_string(dotted))
    hops = services.config.trusted_proxies
    if hops:  # the visitor's address and scheme as the proxies in front saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app


def services_of(app: Flask) -> Services:
    return app.extensions["loyalty"]
