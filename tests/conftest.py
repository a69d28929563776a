"""Fixtures: every storage test runs on SQLite and on a fresh PostgreSQL database.

PostgreSQL is required: `make test` starts it when it is down; if it still cannot be reached,
the PostgreSQL half fails with a message saying how to start it. Nothing is skipped.
"""
from __future__ import annotations

import os
import uuid

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connector import create_app, migrate, programs
from connector.services import build_services
from connector.shops import add_shop
from tests import clock
from tests.support import EXAMPLE_PROGRAM, WOO_SECRET

PG_ADMIN_URL = os.environ.get("LOYALTY_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin():
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure here means the same thing
        engine.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({type(exc).__name__}). "
                    "Run `make test`, which starts it, or start it with: pg_ctlcluster "
                    "--skip-systemctl-redirect $(ls /etc/postgresql) main start", pytrace=False)
    return engine


@pytest.fixture
def postgres_url():
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    admin = _pg_admin()
    name = f"loyalty_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'loyalty.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(database_url, tmp_path):
    return {"LOYALTY_DATABASE_URL": database_url, "LOYALTY_INSTANCE_PATH": str(tmp_path / "inst"),
            "LOYALTY_LOG_LEVEL": "INFO"}


@pytest.fixture
def services(settings):
    built = build_services(settings)
    migrate.upgrade(built.db)
    yield built
    built.close()


@pytest.fixture
def woo_shop(services):
    """A WooCommerce shop with the example program published; returns the shop id."""
    with services.db.transaction() as session:
        shop = add_shop(session, services.box, "woocommerce", "http://127.0.0.1:8000/",
                        webhook_secret=WOO_SECRET, api_key="ck_test", api_secret="cs_test")
        programs.publish(session, shop.program_id, EXAMPLE_PROGRAM.read_text(),
                         str(EXAMPLE_PROGRAM))
        return shop.id


@pytest.fixture
def app(settings, services):
    flask_app = create_app(settings)
    yield flask_app
    flask_app.extensions["loyalty"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def fixture_clock():
    """Run the test as if it were clock.FIXTURE_NOW, a week after the captured fixtures'
    orders (their points still pending); yields the environment for service processes."""
    with time_machine.travel(clock.shifted_now(), tick=True):
        yield clock.shifted_env()
