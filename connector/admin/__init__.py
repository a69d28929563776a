"""The merchant admin at /admin: server-rendered pages behind a login, CSRF-checked forms."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

from connector.admin import views  # noqa: F401  (registers the routes on the blueprint)
