"""The store-side packages (integrations/): PHP and Node.js tests driven from pytest.

`make test` installs PHP and Node.js first and sets LOYALTY_REQUIRE_INTEGRATIONS=1, so a missing
tool fails these tests. A bare `pytest` on a machine without them deselects them and says so in
the summary, so the Python suite keeps running without PHP or Node.
"""
from __future__ import annotations

import os
import shutil

import pytest

TOOLS = {"needs_php": ("php", "phpunit"), "needs_node": ("node",)}


def missing_tools(item: pytest.Item) -> list[str]:
    return [tool for marker, tools in TOOLS.items() if item.get_closest_marker(marker)
            for tool in tools if shutil.which(tool) is None]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    required = os.environ.get("LOYALTY_REQUIRE_INTEGRATIONS") == "1"
    kept, dropped, absent = [], [], set()
    for item in items:
        lacking = missing_tools(item)
        if lacking and not required:
            dropped.append(item)
            absent.update(lacking)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
        config.stash[DESELECTED] = (len(dropped), sorted(absent))


DESELECTED = pytest.StashKey[tuple[int, list[str]]]()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if DESELECTED in config.stash:
        count, absent = config.stash[DESELECTED]
        terminalreporter.write_line(
            f"{count} integration tests deselected: {', '.join(absent)} not found "
            "(`make test` installs them and runs these tests)", yellow=True)


@pytest.fixture(autouse=True)
def _tools_present(request: pytest.FixtureRequest) -> None:
    lacking = missing_tools(request.node)
    if lacking:
        pytest.fail(f"{', '.join(lacking)} not found: run `make test`, which installs them "
                    "(scripts/ensure-php.sh, scripts/ensure-node.sh)", pytrace=False)
