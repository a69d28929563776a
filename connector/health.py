"""/healthz: is the database reachable, and how long since a worker last beat."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from connector.worker import latest_beat_age

blueprint = Blueprint("health", __name__)
STALE_WORKER_SECONDS = 60.0


@blueprint.get("/healthz")
def healthz():
    db = current_app.extensions["loyalty"].db
    try:
        with db.ack_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        age = latest_beat_age(db)
    except SQLAlchemyError as exc:
        return jsonify(status="unavailable", database="unreachable", error=type(exc).__name__), 503
    worker_ok = age is not None and age < STALE_WORKER_SECONDS
    return jsonify(status="ok" if worker_ok else "degraded", database="ok",
                   worker_heartbeat_age_seconds=None if age is None else round(age, 3))
