"""Helpers shared by the tests: where the captured fixtures are, and how to sign a body."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LOYALTY_SHARED_DIR", ROOT.parent / "shared"))
WOO_FIXTURES = SHARED / "fixtures" / "woocommerce"
EXAMPLE_PROGRAM = SHARED / "program-example.toml"
WOO_SECRET = "loyalty-test-secret"
SHOPIFY_FIXTURES = ROOT / "tests" / "fixtures" / "shopify"
SHOPIFY_SECRET = "shopify-test-secret"
SHOPIFY_DOMAIN = "loyalty-test.myshopify.com"


def load_woo_fixture(name: str) -> dict:
    """A captured WooCommerce delivery: {"headers": [[k, v], ...], "body": "<raw>"}."""
    matches = sorted(WOO_FIXTURES.glob(f"{name}*.json"))
    if not matches:
        raise FileNotFoundError(f"no fixture starting with {name!r} in {WOO_FIXTURES}")
    return json.loads(matches[0].read_text())


def woo_signature(body: bytes, secret: str = WOO_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_delivery(name: str) -> tuple[bytes, dict[str, str]]:
    """A generated Shopify delivery (tests/fixtures/shopify): raw body and headers."""
    (path,) = sorted(SHOPIFY_FIXTURES.glob(f"{name}*.json"))
    delivery = json.loads(path.read_text())
    return delivery["body"].encode(), dict(delivery["headers"])


def drain_in_threads(db, workers: int) -> list[Exception]:
    """Run `workers` worker threads draining the inbox at once; the errors they raised."""
    import threading

    from connector import pipeline

    errors: list[Exception] = []

    def work() -> None:
        try:
            pipeline.drain(db)
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@contextlib.contextmanager
def statements_sent(app) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs, on all its engines (SQLite's
    BEGIN, which is no round trip to a server, not counted)."""
    from sqlalchemy import event

    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.split()[0].upper() != "BEGIN":
            sent.append(statement)
    db = app.extensions["loyalty"].db
    engines = {db.engine, db.ack_engine, db.read_engine}  # on PostgreSQL, read is engine
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
