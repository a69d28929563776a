"""Building blocks of the fake WooCommerce REST API: requests, replies, errors, shared helpers.

Handlers (in `woo_routes`) take `(fake, request, **url_args)`, run with `fake.lock` held, read
and change the fake's state, and return a `Reply` or raise `WooError`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from math import ceil
from typing import Any
from urllib.parse import urlencode

API_PREFIX = "/wp-json/wc/v3/"
WC_DATE = "%Y-%m-%dT%H:%M:%S"
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$")


@dataclass
class ApiRequest:
    method: str
    path: str  # after /wp-json/wc/v3/, e.g. "customers/5"
    params: dict[str, str]  # query string, first value of each name, auth parameters included
    body: Any


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    ping: list[int] = field(default_factory=list)  # webhook ids to ping before answering


class WooError(Exception):
    """A WordPress REST error: {"code", "message", "data": {"status", ...}}."""

    def __init__(self, status: int, code: str, message: str, **data: Any):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.data = status, code, message, data

    def body(self) -> dict:
        return {"code": self.code, "message": self.message,
                "data": {"status": self.status, **self.data}}


def auth_error(message="Invalid signature - provided signature does not match.") -> WooError:
    return WooError(401, "woocommerce_rest_authentication_error", message)


def status_error(status: int) -> WooError:
    """A WooCommerce-style body for an injected failure: 503 -> "service_unavailable"."""
    if status == 401:
        return auth_error()
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = f"HTTP {status}"
    return WooError(status, phrase.lower().replace(" ", "_").replace("-", "_"), phrase)


def get_item(store: dict, item_id, code: str, status: int = 404, message="Invalid ID.") -> dict:
    try:
        return store[int(item_id)]
    except (KeyError, ValueError, TypeError):
        raise WooError(status, code, message) from None


def object_body(request: ApiRequest) -> dict:
    if not isinstance(request.body, dict):
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
    return request.body


def invalid_param(name: str, reason: str) -> WooError:
    return WooError(400, "rest_invalid_param", f"Invalid parameter(s): {name}",
                    params={name: reason}, details={name: {"code": "rest_invalid_param",
                                                           "message": reason, "data": None}})


def missing_params(*names: str) -> WooError:
    return WooError(400, "rest_missing_callback_param",
                    f"Missing parameter(s): {', '.join(names)}", params=list(names))


def now() -> str:
    return datetime.now(UTC).strftime(WC_DATE)


def int_param(params: dict, name: str, default: int, low: int = 1, high: int | None = None):
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_param(name, f"{name} is not of type integer.") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} (inclusive) and {high} (inclusive)" if high else f">= {low}"
        raise invalid_param(name, f"{name} must be {bounds}")
    return value


def bool_param(params: dict, name: str, default: bool = False) -> bool:
    raw = params.get(name)
    if raw is None:
        return default
    if str(raw).lower() in ("true", "1"):
        return True
    if str(raw).lower() in ("false", "0", ""):
        return False
    raise invalid_param(name, f"{name} is not of type boolean.")


def choice_param(params: dict, name: str, default: str, allowed) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise invalid_param(name, f"{name} is not one of {', '.join(allowed)}.")
    return value


def date_param(params: dict, name: str) -> datetime | None:
    """An ISO 8601 date-time as a naive UTC datetime (offset-less values taken as they are)."""
    raw = params.get(name)
    if raw is None:
        return None
    if not _ISO_8601.match(raw):
        raise invalid_param(name, "Invalid date.")
    value = datetime.fromisoformat(raw)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def parse_wc_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def paginate(fake, request: ApiRequest, items: list, route: str | None = None) -> Reply:
    """One page of `items` with X-WP-Total, X-WP-TotalPages and Link headers, like WordPress."""
    per_page = int_param(request.params, "per_page", 10, 1, 100)
    page = int_param(request.params, "page", 1)
    total = len(items)
    pages = ceil(total / per_page)
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    kept = {k: v for k, v in request.params.items() if not k.startswith("oauth_")}
    base = f"{fake.url}{API_PREFIX.lstrip('/')}{route or request.path}"
    links = []
    if page > 1:
        links.append(f'<{base}?{urlencode({**kept, "page": min(page - 1, pages)})}>; rel="prev"')
    if page < pages:
        links.append(f'<{base}?{urlencode({**kept, "page": page + 1})}>; rel="next"')
    if links:
        headers["Link"] = ", ".join(links)
    return Reply(200, items[(page - 1) * per_page: page * per_page], headers)


def upsert_meta(fake, current: list[dict], updates: Any) -> list[dict]:
    """WC_Data::update_meta_data for each item: by id if given, else by key (one entry kept)."""
    if not isinstance(updates, list):
        raise invalid_param("meta_data", "meta_data is not of type array.")
    result = [dict(meta) for meta in current]
    for item in updates:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise invalid_param("meta_data", "meta_data[0][key] is not of type string.")
        key, meta_id = item["key"], item.get("id")
        if meta_id:
            target = next((m for m in result if str(m["id"]) == str(meta_id)), None)
        else:
            target = next((m for m in result if m["key"] == key), None)
            result = [m for m in result if m is target or m["key"] != key]
        if target is None:
            result.append({"id": fake.next_id("meta"), "key": key, "value": item.get("value")})
        else:
            target.update(key=key, value=item.get("value"))
    return result


def links(fake, route: str, item_id: int) -> dict:
    base = f"{fake.url}{API_PREFIX.lstrip('/')}{route}"
    return {"self": [{"href": f"{base}/{item_id}"}], "collection": [{"href": base}]}


def batch(request: ApiRequest, create, update, delete, limit: int = 100) -> Reply:
    """POST <resource>/batch: at most `limit` items in all, per-item errors inside a 200."""
    body = request.body if isinstance(request.body, dict) else {}
    actions = {"create": create, "update": update, "delete": delete}
    given = {name: body[name] for name in actions if isinstance(body.get(name), list)}
    if sum(len(items) for items in given.values()) > limit:
        raise WooError(413, "woocommerce_rest_request_entity_too_large",
                       f"Unable to accept more than {limit} items for this request.")
    result = {}
    for name, items in given.items():
        result[name] = []
        for item in items:
            try:
                result[name].append(actions[name](item))
            except WooError as error:
                item_id = item.get("id", 0) if isinstance(item, dict) else item
                result[name].append({"id": 0 if name == "create" else item_id,
                                     "error": {"code": error.code, "message": error.message,
                                               "data": {"status": error.status}}})
    return Reply(200, result)
