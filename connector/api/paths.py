"""Where the API's resources live, and the blueprint every part of the API is made from: each
route is under one shop, behind the key check, with its error answers in the document."""
from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from flask_smorest import Blueprint

from connector.api.auth import require_key
from connector.api.errors import PREFIX

ID = "int(max=9223372036854775807)"  # the largest id a 64-bit column holds
SHOP_PATH = f"{PREFIX}/shops/<{ID}:shop_id>"
CUSTOMER = f"/customers/<{ID}:customer_id>"
ALWAYS = (401, 403)  # no key or a bad one; a key for another shop
# gunicorn refuses a request line over 4 KiB itself, with its own HTML page, before the app
URI_TOO_LONG = {"description": "the address is too long for the HTTP server (over 4 KiB)",
                "content_type": "text/html", "schema": {"type": "string"}}


class ApiBlueprint(Blueprint):
    def __init__(self, name: str, description: str) -> None:
        super().__init__(f"api-{name}", __name__, url_prefix=SHOP_PATH,
                         description=description)
        self.before_request(require_key)

    def errors(self, *statuses: int) -> Callable:
        """Document the JSON error answers a view gives, besides 401 and 403 (and the 422
        that `arguments` documents itself)."""
        def decorator(view: Callable) -> Callable:
            for status in sorted({*ALWAYS, *statuses}, reverse=True):
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return self.alt_response(414, **URI_TOO_LONG)(view)
        return decorator
