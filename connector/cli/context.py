from __future__ import annotations

from connector import logs
from connector.migrate import is_current
from connector.services import Services, build_services


class Context:
    """Builds the services on first use, so `loyalty --help` touches nothing."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = build_services()
            logs.configure(self._services.config.log_level)
        return self._services

    def ready_services(self) -> Services:
        """Services on an up-to-date schema, or a clear instruction to upgrade it."""
        import click
        from sqlalchemy.exc import OperationalError

        services = self.services
        try:
            current = is_current(services.db)
        except OperationalError as exc:
            where = services.config.database_url.split("@")[-1]
            raise click.ClickException(f"cannot reach the database at {where}: "
                                       f"{str(exc.orig).splitlines()[0]}; start it (or fix "
                                       "LOYALTY_DATABASE_URL) and try again") from None
        if not current:
            raise click.ClickException("the database schema is not up to date: "
                                       "run `loyalty db upgrade` first")
        return services
