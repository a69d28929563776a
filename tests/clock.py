"""The tests' clock, for tests whose answer depends on today's date.

The captured fixtures were delivered on 2026-11-23, and a balance read asks what is pending
*now* (the example program holds points 14 days). A test that reads such a balance runs as if
it were FIXTURE_NOW, with the clock ticking from there: in the test process (the
`fixture_clock` fixture) and in the service processes it starts (`shifted_env()` in their
environment), all by the same shift, so a signature made in one process is fresh in another.
"""
from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

FIXTURE_NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)  # a week after the fixtures' orders
SHIFT_VARIABLE = "LOYALTY_TEST_CLOCK_SHIFT"
_SITECUSTOMIZE_DIR = Path(__file__).resolve().parent / "clock_shift"
_SHIFT = FIXTURE_NOW.timestamp() - time.time()  # one shift for the whole test run


def shifted_now() -> float:
    """FIXTURE_NOW plus the real time elapsed since the test run began, as a timestamp."""
    return time.time() + _SHIFT


def shifted_env() -> dict[str, str]:
    """Environment that starts a Python child process on the same shifted clock."""
    path = os.pathsep.join(p for p in (str(_SITECUSTOMIZE_DIR), os.environ.get("PYTHONPATH"))
                           if p)
    return {"PYTHONPATH": path, SHIFT_VARIABLE: repr(_SHIFT)}
