"""Writing a run's results: bench/results/<date>.json, a Markdown table (also latest.md), and
PNG charts (matplotlib, no display)."""
from __future__ import annotations

import json
import platform
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Result, Target

RESULTS = Path(__file__).resolve().parent / "results"


def _cell(value) -> str:
    if isinstance(value, float):
        digits = 3 if abs(value) < 10 else 1 if abs(value) < 1000 else 0
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(rows: list[dict]) -> list[str]:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return lines


def markdown(results: list[Result], stamp: str, quick: bool, charts: list[Path]) -> str:
    today = stamp[:10]
    machine = (f"Machine: {platform.node()}, {platform.machine()}, Python "
               f"{platform.python_version()}. Every figure of a scenario is measured in one "
               "run, beside its baseline; the machine is shared, so read the ratios.")
    if any(result.measured_on != today for result in results):
        machine += (" A scenario whose heading gives an earlier day was carried over from "
                    "that day's run; the others were run again today "
                    "(`python -m bench --only <scenario> --update`).")
    lines = [f"# Benchmarks, {stamp} ({'quick' if quick else 'full'} run)", "", machine, "",
             "## Targets", "", "| target | measured | goal | met |", "|---|---|---|---|"]
    for result in results:
        for target in result.targets:
            sign = "≥" if target.higher_is_better else "≤"
            lines.append(f"| {target.name} | {_cell(target.measured)} {target.unit} | "
                         f"{sign} {_cell(target.goal)} | {'yes' if target.met else '**no**'} |")
    for result in results:
        day = "" if result.measured_on == today else f" (measured {result.measured_on})"
        lines += ["", f"## {result.title}{day}", "", *_table(result.rows)]
        if result.notes:
            lines += ["", *(f"- {note}" for note in result.notes)]
    if charts:
        lines += ["", "## Charts", ""] + [f"![{c.stem}]({c.name})" for c in charts]
    return "\n".join(lines) + "\n"


def draw(results: list[Result], folder: Path, stamp: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    for result in results:
        for chart in result.charts:
            figure, axes = plt.subplots(figsize=(7, 4.2))
            for label, points in chart["series"].items():
                xs, ys = zip(*points, strict=True) if points else ((), ())
                axes.plot(xs, ys, marker="o", label=label)
            axes.set(title=chart["title"], xlabel=chart["x"], ylabel=chart["y"])
            axes.grid(alpha=0.3)
            axes.legend()
            path = folder / f"{stamp}-{chart['file']}.png"
            figure.tight_layout()
            figure.savefig(path, dpi=100)
            plt.close(figure)
            made.append(path)
    return made


def earlier(quick: bool, folder: Path = RESULTS) -> list[Result]:
    """The latest results already written, today's or, on a new day, the last day's (a run of
    some scenarios updates them; each scenario keeps the day it was measured)."""
    suffix = "-quick" if quick else ""
    today = _stamp(datetime.now(UTC), quick=False)
    written = sorted(path for path in folder.glob(f"????-??-??{suffix}.json")
                     if path.stem[:10] <= today)
    if not written:
        return []
    document = json.loads(written[-1].read_text())
    results = []
    for stored in document["results"]:
        targets = [Target(**{k: v for k, v in t.items() if k != "met"})
                   for t in stored.pop("targets")]
        stored.setdefault("measured_on", document["run_at"][:10])  # files before the field
        results.append(Result(**stored, targets=targets))
    return results


def merged(old: list[Result], new: list[Result]) -> list[Result]:
    """`old` with each scenario run again replaced by its new result, in the usual order."""
    fresh = {result.name: result for result in new}
    kept = [fresh.pop(result.name, result) for result in old]
    return kept + list(fresh.values())


def _stamp(now: datetime, quick: bool) -> str:
    return now.strftime("%Y-%m-%d") + ("-quick" if quick else "")


def write(results: list[Result], quick: bool, folder: Path = RESULTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    stamp = _stamp(now, quick)
    for result in results:
        result.measured_on = result.measured_on or stamp[:10]
    charts = draw(results, folder, stamp)
    document = {"run_at": now.isoformat(), "quick": quick, "machine": platform.node(),
                "results": [{**asdict(r), "targets": [{**asdict(t), "met": t.met}
                                                      for t in r.targets]} for r in results]}
    (folder / f"{stamp}.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    text = markdown(results, stamp, quick, charts)
    (folder / f"{stamp}.md").write_text(text)
    if not quick:
        (folder / "latest.md").write_text(text)  # the charts sit beside it
    return folder / f"{stamp}.md"
