"""Errors of the JSON API: always JSON `{code, status, message[, errors]}`, never an HTML page.

flask-smorest would answer every error of the whole app in JSON; the admin and the storefront
keep their own pages, so the handler here answers JSON only under the API's prefix.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

import marshmallow as ma
from flask import Response, jsonify, request
from flask_smorest import abort
from werkzeug.exceptions import HTTPException

PREFIX = "/api/v1"
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "the HTTP status"})
    status = ma.fields.String(required=True, metadata={"description": "its name"})
    message = ma.fields.String(required=True, metadata={"description": "what was wrong"})
    errors = ma.fields.Dict(metadata={"description": "per location and field, when the "
                                                     "request did not validate"})


def refuse(status: int, message: str, headers: Mapping[str, str] | None = None) -> NoReturn:
    """End the request with a JSON error saying what was wrong."""
    abort(status, message=message, headers=dict(headers or {}))
    raise AssertionError("unreachable")  # abort always raises


def _flatten(errors: object, path: str = "") -> list[str]:
    if isinstance(errors, Mapping):
        return [line for key, value in errors.items()
                for line in _flatten(value, f"{path}.{key}" if path else str(key))]
    if isinstance(errors, list | tuple) and all(isinstance(e, str) for e in errors):
        return [f"{path}: {' '.join(errors)}"]
    if isinstance(errors, list | tuple):
        return [line for item in errors for line in _flatten(item, path)]
    return [f"{path}: {errors}"]


def _message(error: HTTPException, data: Mapping, errors: object) -> str:
    if data.get("message"):
        return str(data["message"])
    if errors:
        return "the request is not valid: " + "; ".join(_flatten(errors))
    return error.description or error.name


def json_error(error: HTTPException) -> Response | HTTPException:
    """The app's handler for HTTP errors: JSON under /api/v1, the usual page elsewhere."""
    if not (request.path == PREFIX or request.path.startswith(PREFIX + "/")):
        return error
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    payload = {"code": error.code, "status": error.name,
               "message": _message(error, data, errors)}
    if errors:
        payload["errors"] = errors
    response = jsonify(payload)
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name in KEPT_HEADERS:
            response.headers[name] = value
    response.headers.update(data.get("headers") or {})
    return response
