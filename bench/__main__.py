"""`python -m bench [--quick] [--only ack,processing,...]`: every scenario beside its baseline
in one run; prints the targets table and writes bench/results/<date>.json, .md and charts.

make bench-quick  (under two minutes: small sizes, one load level)
make bench        (full sizes, three load levels, charts; also updates bench/results/latest.md)
python -m bench --only push --update   (run one scenario again, keep the others of today's run)
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time

from tqdm import tqdm

from bench.report import earlier, merged, write

SCENARIOS = ("ack", "processing", "backfill", "push", "reads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated scenarios (default all: {','.join(SCENARIOS)})")
    parser.add_argument("--update", action="store_true",
                        help="replace only these scenarios in today's results file")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    results, started = [], time.perf_counter()
    for name in tqdm(chosen, desc="scenarios", unit="scenario", file=sys.stderr):
        module = importlib.import_module(f"bench.{name}")
        tqdm.write(f"bench: {name} ...", file=sys.stderr)
        began = time.perf_counter()
        results.append(module.run(args.quick))
        results[-1].notes.append(f"Scenario run time: {time.perf_counter() - began:.0f} s.")
    if args.update:
        results = merged(earlier(args.quick), results)
    path = write(results, args.quick)
    print(path.read_text())
    print(f"bench: {len(results)} scenarios in {time.perf_counter() - started:.0f} s; "
          f"written to {path.parent}/{path.stem}.json, .md and charts")
    missed = sum(not t.met for r in results for t in r.targets)
    print(f"bench: {missed} of {sum(len(r.targets) for r in results)} targets missed "
          "(see the closing notes for the profiles)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
