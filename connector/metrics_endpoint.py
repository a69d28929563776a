"""GET /metrics: the Prometheus exposition of connector.telemetry, open like /healthz.

Counts and timings only, no shop or customer data; keep the port internal or scrape it through
the proxy's allow-list.
"""
from __future__ import annotations

from flask import Blueprint, Response

from connector import telemetry

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
def metrics() -> Response:
    body, content_type = telemetry.exposition()
    return Response(body, content_type=content_type)
