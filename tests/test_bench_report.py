"""The benchmark report: every target with its verdict, every scenario's table, a JSON file a
later run can compare with, and real PNG charts."""
from __future__ import annotations

import json

from bench.common import Result, Target, percentile
from bench.report import write


def _result() -> Result:
    return Result(
        "ack", "1. Webhook acknowledgement",
        rows=[{"endpoint": "bare HMAC", "req_s": 5300}, {"endpoint": "loyalty", "req_s": 2100,
                                                        "lost": 0}],
        targets=[Target("ack / bare", 2100 / 5300, 0.6, "ratio"),
                 Target("p99", 12.5, 25.0, "ms", higher_is_better=False)],
        charts=[{"title": "req/s", "x": "connections", "y": "req/s", "file": "ack",
                 "series": {"bare": [(8, 4000), (32, 5300)], "loyalty": [(8, 1500), (32, 2100)]}}],
        notes=["paced runs are approximate"])


def test_the_report_shows_each_target_met_or_missed_and_the_tables(tmp_path):
    markdown = write([_result()], quick=False, folder=tmp_path).read_text()
    assert "| ack / bare | 0.396 ratio | ≥ 0.600 | **no** |" in markdown
    assert "| p99 | 12.5 ms | ≤ 25.0 | yes |" in markdown
    assert "| bare HMAC | 5,300 |  |" in markdown and "- paced runs are approximate" in markdown
    assert (tmp_path / "latest.md").read_text() == markdown


def test_the_json_and_the_charts_are_written(tmp_path):
    path = write([_result()], quick=True, folder=tmp_path)
    document = json.loads(path.with_suffix(".json").read_text())
    assert document["quick"] is True
    assert [t["met"] for t in document["results"][0]["targets"]] == [False, True]
    (chart,) = tmp_path.glob("*-ack.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 5000
    assert not (tmp_path / "latest.md").exists()  # a quick run does not replace the full one


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile([], 99)) == (50, 99, 0)


def test_a_scenario_run_again_replaces_only_itself_in_todays_results(tmp_path):
    from bench.report import earlier, merged

    write([_result(), Result("push", "4. Push-back", rows=[{"codes_s": 19.0}])], quick=False,
          folder=tmp_path)
    again = Result("push", "4. Push-back", rows=[{"codes_s": 20.0}])
    kept = merged(earlier(False, folder=tmp_path), [again])
    assert [r.name for r in kept] == ["ack", "push"]
    assert kept[0].targets[0].measured == 2100 / 5300 and kept[1].rows == [{"codes_s": 20.0}]


def test_on_a_new_day_a_scenario_run_again_carries_the_others_over_with_their_day(tmp_path):
    import time_machine

    from bench.report import earlier, merged

    with time_machine.travel("2026-12-07 18:00Z", tick=False):
        write([_result(), Result("push", "4. Push-back", rows=[{"codes_s": 19.0}])],
              quick=False, folder=tmp_path)
    with time_machine.travel("2026-12-08 09:00Z", tick=False):
        kept = merged(earlier(False, folder=tmp_path),
                      [Result("push", "4. Push-back", rows=[{"codes_s": 20.0}])])
        markdown = write(kept, quick=False, folder=tmp_path).read_text()
    assert [(r.name, r.measured_on) for r in kept] == [("ack", "2026-12-07"),
                                                      ("push", "2026-12-08")]
    assert "## 1. Webhook acknowledgement (measured 2026-12-07)" in markdown
    assert "\n## 4. Push-back\n" in markdown and "carried over" in markdown
    assert "| ack / bare | 0.396 ratio | ≥ 0.600 | **no** |" in markdown
    assert (tmp_path / "latest.md").read_text() == markdown
    assert earlier(True, folder=tmp_path) == []  # a quick run never builds on a full one
