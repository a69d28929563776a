"""The Alembic migrations create exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from connector import migrate
from connector.models import Base


def test_migrations_match_models(services):
    with services.db.ack_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_upgrade_is_idempotent_and_current(services):
    migrate.upgrade(services.db)
    assert migrate.is_current(services.db)
