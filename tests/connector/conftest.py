"""Fixtures for the connector tests: the `loyalty` command through click's runner."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from connector.cli import cli


@pytest.fixture
def run(settings, services, monkeypatch):
    """Invoke `loyalty ...` against the test's database; arguments may be numbers."""
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return invoke
