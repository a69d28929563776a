"""STYLE.md: `mypy` on rules/ and adapters/, the two packages everything else leans on."""
from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_rules_and_adapters_type_check():
    out, err, status = api.run(["--config-file", str(ROOT / "setup.cfg"),
                                str(ROOT / "rules"), str(ROOT / "adapters")])
    assert status == 0, out + err
    assert out.startswith("Success: no issues found")
