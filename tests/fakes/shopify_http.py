"""HTTP details of the fake Shopify: paths, request bodies, and the pages of injected failures."""
from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request, Response

GRAPHQL_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
TOKEN_PATH = "/admin/oauth/access_token"
BAD_TOKEN = {"errors": "[API] Invalid API key or access token "
                       "(unrecognized login or wrong password)"}


def read_body(request: Request) -> dict:
    """JSON, form or application/graphql body as a dict (query string merged in); {} if bad."""
    data = request.get_data()
    if request.mimetype == "application/graphql":
        return {"query": data.decode("utf-8", "replace"), **request.args.to_dict()}
    if request.mimetype == "application/x-www-form-urlencoded":
        return {**request.args.to_dict(), **request.form.to_dict()}
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {}
    return {**request.args.to_dict(), **(parsed if isinstance(parsed, dict) else {})}


def failure_reply(status: int) -> tuple[int, Any, dict]:
    """An injected failure: Shopify's 5xx pages are HTML, its 4xx JSON."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    if status == 401:
        return 401, BAD_TOKEN, {}
    if status == 429:
        return 429, {"errors": "Exceeded 2 calls per second for api client. Reduce request "
                               "rates to resume uninterrupted service."}, {"Retry-After": "1.0"}
    if status < 500:
        return status, {"errors": phrase}, {}
    return status, (f"<!DOCTYPE html><html><head><title>{phrase} | Shopify</title></head>"
                    f"<body><h1>{status} {phrase}</h1><p>There was a problem loading this "
                    "website. Please try again.</p></body></html>"), {}


def json_response(status: int, payload, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload), status, headers or {},
                    content_type="application/json; charset=utf-8")
