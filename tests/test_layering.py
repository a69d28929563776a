"""Imports point one way: webhooks -> connector -> rules, connector -> adapters -> rules."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "rules": {"connector", "adapters", "webhooks", "flask", "sqlalchemy", "requests"},
    "adapters": {"connector", "webhooks", "flask", "sqlalchemy"},
    "connector": {"webhooks"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package):
    offenders = {str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
                 for path in (ROOT / package).rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_rules_uses_only_the_standard_library():
    import sys

    allowed = set(sys.stdlib_module_names) | {"rules", "__future__"}
    outside = {str(p.relative_to(ROOT)): sorted(imported_packages(p) - allowed)
               for p in (ROOT / "rules").rglob("*.py")}
    assert {k: v for k, v in outside.items() if v} == {}


def test_rules_modules_stay_small():
    sizes = {p.name: len(p.read_text().splitlines()) for p in (ROOT / "rules").glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 230} == {}
