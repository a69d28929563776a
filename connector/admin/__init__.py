"""The merchant admin at /admin: server-rendered pages behind a login, CSRF-checked forms."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

from connector.admin import (
    customer_pages,  # noqa: F401
    job_pages,  # noqa: F401
    limits,  # noqa: F401  (limits refused logins on each app the blueprint is registered on)
    program_pages,  # noqa: F401
    shop_pages,  # noqa: F401
    views,  # noqa: F401  (registers the routes on the blueprint)
)
