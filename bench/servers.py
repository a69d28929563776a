"""The three web apps the acknowledgement benchmark compares, under one gunicorn configuration.

    python -m bench.servers {bare,raw-insert,loyalty} --bind 127.0.0.1:PORT [--workers 2]

- `bare`: reads the body and verifies its HMAC (the platform's header), answers 200: the ceiling.
- `raw-insert`: the same, plus one raw-driver autocommit INSERT ... ON CONFLICT DO NOTHING of the
  delivery into the inbox table (psycopg, or sqlite3 in WAL with synchronous=FULL).
- `loyalty`: the service's own app (connector.create_app), web only: no worker runs.
Settings come from the environment: LOYALTY_DATABASE_URL and the shops' secrets (BENCH_*).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import sqlite3
import threading
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from gunicorn.app.base import BaseApplication

from bench.common import driver_dsn

WOO_SECRET = os.environ.get("BENCH_WOO_SECRET", "bench-woo-secret")
SHOPIFY_SECRET = os.environ.get("BENCH_SHOPIFY_SECRET", "bench-shopify-secret")
HEADERS = {"woocommerce": "X-WC-Webhook-Signature", "shopify": "X-Shopify-Hmac-Sha256"}


def _signed(platform: str, raw: bytes) -> bool:
    secret = WOO_SECRET if platform == "woocommerce" else SHOPIFY_SECRET
    digest = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest())
    return hmac.compare_digest(digest, request.headers.get(HEADERS[platform], "").encode())


def _hmac_app(store=None) -> Flask:
    app = Flask("bench")
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20

    def answer(platform: str, shop: int):
        raw = request.get_data(cache=False)
        if not _signed(platform, raw):
            return jsonify(error="bad signature"), 401
        if store is not None:
            store(platform, shop, raw)
        return jsonify(status="accepted")

    app.add_url_rule("/webhooks/woocommerce/<int:shop>", "woo", methods=["POST"],
                     view_func=lambda shop: answer("woocommerce", shop))
    app.add_url_rule("/webhooks/shopify", "shopify", methods=["POST"],
                     view_func=lambda: answer("shopify", 2))
    app.add_url_rule("/healthz", "health", view_func=lambda: "ok")
    return app


INSERT = ("INSERT INTO inbox (platform, shop_id, dedupe_key, topic, body, received_at, status, "
          "attempts) VALUES ({0}, {0}, {0}, 'order.updated', {0}, {0}, 'new', 0) "
          "ON CONFLICT (platform, shop_id, dedupe_key) DO NOTHING")


def _raw_store():
    """One connection per thread, autocommit, as lean as the driver allows."""
    url = os.environ["LOYALTY_DATABASE_URL"]
    local = threading.local()
    if url.startswith("sqlite"):
        sql = INSERT.format("?")

        def connect():
            connection = sqlite3.connect(driver_dsn(url), isolation_level=None, timeout=30)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
                connection.execute(f"PRAGMA {pragma}")
            return connection
    else:
        import psycopg

        sql = INSERT.format("%s")

        def connect():
            return psycopg.connect(driver_dsn(url), autocommit=True)

    def store(platform: str, shop: int, raw: bytes) -> None:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = connect()
        key = "sha256:" + hashlib.sha256(raw).hexdigest()
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.execute(sql, (platform, shop, key, raw, stamp))
    return store


def make_app(kind: str) -> Flask:
    if kind == "bare":
        return _hmac_app()
    if kind == "raw-insert":
        return _hmac_app(_raw_store())
    from connector import create_app

    return create_app()


class Server(BaseApplication):
    def __init__(self, kind: str, options: dict):
        self.kind, self.options = kind, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return make_app(self.kind)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    parser.add_argument("kind", choices=("bare", "raw-insert", "loyalty"))
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    Server(args.kind, {"bind": args.bind, "workers": args.workers,
                       "worker_class": args.worker_class, "threads": args.threads,
                       "accesslog": None, "loglevel": "warning", "timeout": 30,
                       "backlog": 2048}).run()


if __name__ == "__main__":
    main()
