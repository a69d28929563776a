"""The acknowledgement path's only write: one autocommit INSERT ... ON CONFLICT DO NOTHING.

No ORM session and no BEGIN/COMMIT round trips: the platform is waiting (Shopify allows 5 s,
WooCommerce disables a webhook after repeated failures), and rules work happens later.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, bindparam, text

from connector.db import Database
from connector.types import UTCDateTime

_INSERT = text(
    "INSERT INTO inbox (platform, shop_id, dedupe_key, topic, body, received_at, status, attempts)"
    " VALUES (:platform, :shop_id, :dedupe_key, :topic, :body, :received_at, 'new', 0)"
    " ON CONFLICT (platform, shop_id, dedupe_key) DO NOTHING RETURNING id"
).bindparams(bindparam("body", type_=LargeBinary()),
             bindparam("received_at", type_=UTCDateTime()))


def record_delivery(db: Database, *, platform: str, shop_id: int, dedupe_key: str, topic: str,
                    body: bytes, received_at: datetime) -> int | None:
    """Store a verified delivery: its inbox id when new, None when it was already recorded."""
    params = {"platform": platform, "shop_id": shop_id, "dedupe_key": dedupe_key,
              "topic": topic, "body": body, "received_at": received_at}
    with db.write_lock(), db.ack_engine.connect() as connection:
        return connection.execute(_INSERT, params).scalar()
