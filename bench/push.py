"""Scenario 4, push-back: discount codes per second through the fake Shopify's cost bucket
against the bucket's sustainable rate (bench/shopify_push.py does the work)."""
from __future__ import annotations

from bench.common import Result, Target
from bench.shopify_push import COST, TARGET, _run

# Shopify's Advanced plan restores 200 points/s (20 codes/s); Plus's 1,000 would be above what
# one worker's client makes unthrottled here (~120 codes/s), so it would measure the client.
FULL = {"codes": 400, "bucket": 1000.0, "restore_rate": 200.0}
QUICK = {"codes": 200, "bucket": 500.0, "restore_rate": 500.0}


def run(quick: bool) -> Result:
    size = QUICK if quick else FULL
    result = Result("push", "4. Push-back: codes through the fake Shopify's cost bucket "
                            f"({COST} points a code)")
    free = _run(size["codes"], 10.0 ** 9, 10.0 ** 9, "free")
    measured = _run(size["codes"], size["bucket"], size["restore_rate"], "bucket")
    fastest = max(0.0, (size["codes"] * COST - size["bucket"]) / size["restore_rate"])
    ratio = fastest / measured["elapsed"] if fastest else 1.0
    sustainable = size["restore_rate"] / COST
    for label, run_ in (("unthrottled", free), ("through the bucket", measured)):
        result.rows.append({"run": label, "codes": size["codes"],
                            "codes_s": round(run_["rate"], 1),
                            "seconds": round(run_["elapsed"], 2), "created": run_["created"],
                            "failed_jobs": run_["failed"], "throttled": run_["throttled"]})
    result.rows.append({"run": "bucket's sustainable rate", "codes": size["codes"],
                        "codes_s": sustainable, "seconds": round(fastest, 2)})
    result.targets.append(Target("push-back rate / the bucket's ceiling", ratio, TARGET, "ratio"))
    result.targets.append(Target("push-back failed jobs + throttled answers",
                                 measured["failed"] + measured["throttled"], 0, "count",
                                 higher_is_better=False))
    result.targets.append(Target("codes created on the store", measured["created"],
                                 size["codes"], "codes"))
    return result
