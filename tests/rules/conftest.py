"""Fixtures for the rules tests; plain builders live in tests/rules/builders.py."""
from __future__ import annotations

import pytest

from rules.program import Program
from tests.rules.builders import example_program


@pytest.fixture(scope="session")
def example() -> Program:
    """The shipped example program. Programs are frozen, so every test can share one."""
    return example_program()
