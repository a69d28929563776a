from __future__ import annotations

import click

from connector import migrate


def register(cli: click.Group) -> None:
    @cli.group()
    def db() -> None:
        """Database schema."""

    @db.command()
    @click.pass_obj
    def upgrade(ctx) -> None:
        """Apply all migrations (creates the database on first run)."""
        migrate.upgrade(ctx.services.db)
        click.echo(f"database is up to date ({ctx.services.config.database_url.split('@')[-1]})")

    @cli.command("secret-key")
    def secret_key() -> None:
        """Print a new key for LOYALTY_SECRET_KEY."""
        from cryptography.fernet import Fernet

        click.echo(Fernet.generate_key().decode())
