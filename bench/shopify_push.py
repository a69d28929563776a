"""Push-back throughput: discount codes per second through the fake Shopify's cost bucket, side
by side with the bucket's sustainable rate and with an unthrottled run of the same pushes.

    .venv/bin/python -m bench.shopify_push [--codes 1000] [--restore-rate 1000] [--bucket 1000]

Each code is one outbox job run by the real runner (connector.pushing) with the real client
(adapters.shopify), against tests/fakes/shopify.FakeShopify on 127.0.0.1. A mutation costs 10
points, so the bucket sustains restore_rate / 10 codes per second after its first `bucket`
points: the fastest possible run takes max(0, (codes * 10 - bucket) / restore_rate) seconds.
Prints the achieved rate, that ceiling, their ratio (target at least 90%), the unthrottled
baseline, and the failed and throttled counts (both must be 0 for the client to be honest).
Shopify's published restore rates: 100 points/s (Standard), 200 (Advanced), 1,000 (Plus).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from adapters.shopify.admin import forget_buckets
from connector import migrate, outbox, pushing
from connector.models import OutboxJob
from connector.redemptions import spec_to_json
from connector.services import build_services
from connector.shops import add_shop
from rules.redemption import CodeSpec
from tests.fakes.shopify import FakeShopify

COST = 10  # points per mutation, as Shopify charges discountCodeBasicCreate
TARGET = 0.90


def _run(codes: int, bucket: float, restore_rate: float, label: str) -> dict:
    forget_buckets()
    with tempfile.TemporaryDirectory() as folder, \
            FakeShopify(bucket_size=bucket, restore_rate=restore_rate) as fake:
        services = build_services({"LOYALTY_DATABASE_URL": f"sqlite:///{folder}/bench.db",
                                   "LOYALTY_INSTANCE_PATH": folder,
                                   "LOYALTY_LOG_LEVEL": "ERROR"})
        migrate.upgrade(services.db)
        with services.db.transaction() as session:
            shop = add_shop(session, services.box, "shopify", "bench.myshopify.com",
                            webhook_secret="bench-secret", api_key=fake.access_token,
                            api_base=fake.url)
            expires = datetime.now(UTC) + timedelta(days=30)
            for n in range(codes):
                spec = CodeSpec(f"BENCH-{label}-{n:05d}", "5-off", "fixed_amount",
                                Decimal("5.00"), Decimal("20.00"), expires, None, None)
                outbox.enqueue(session, shop.id, "discount.create", f"bench:{label}:{n}",
                               {"redemption_id": 0, "customer_ref": str(1000 + n),
                                "spec": spec_to_json(spec)})
        started = time.perf_counter()
        pushing.drain(services)
        elapsed = time.perf_counter() - started
        with services.db.reading() as session:
            failed = session.query(OutboxJob).filter(OutboxJob.status != "done").count()
        throttled = sum(1 for call in fake.calls if call.throttled)
        created = len(fake.discounts)
        services.close()
    return {"elapsed": elapsed, "rate": codes / elapsed, "failed": failed,
            "throttled": throttled, "created": created}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=1000)
    parser.add_argument("--restore-rate", type=float, default=1000.0)
    parser.add_argument("--bucket", type=float, default=1000.0)
    args = parser.parse_args()
    baseline = _run(args.codes, 10.0 ** 9, 10.0 ** 9, "free")
    measured = _run(args.codes, args.bucket, args.restore_rate, "bucket")
    fastest = max(0.0, (args.codes * COST - args.bucket) / args.restore_rate)
    ratio = fastest / measured["elapsed"] if fastest else 1.0
    print(f"codes: {args.codes}, bucket {args.bucket:.0f} points, restore "
          f"{args.restore_rate:.0f} points/s, {COST} points per code")
    print(f"unthrottled baseline : {baseline['rate']:8.1f} codes/s "
          f"({baseline['elapsed']:.2f} s)")
    print(f"through the bucket   : {measured['rate']:8.1f} codes/s "
          f"({measured['elapsed']:.2f} s; fastest possible {fastest:.2f} s)")
    print(f"sustainable rate     : {args.restore_rate / COST:8.1f} codes/s")
    print(f"ratio to the ceiling : {ratio:8.1%} (target {TARGET:.0%})")
    print(f"created {measured['created']}, failed jobs {measured['failed']}, "
          f"throttled answers {measured['throttled']}")
    ok = (ratio >= TARGET and measured["failed"] == 0 and measured["created"] == args.codes)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
