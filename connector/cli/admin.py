"""`loyalty admin create-user`: the people who may sign in to the merchant admin at /admin."""
from __future__ import annotations

import sys

import click

from connector.admin.auth import AdminUserRefused, create_user, password_problem


def _read_password(from_stdin: bool) -> str:
    if from_stdin:  # the first line, for scripts; the newline is not part of the password
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def register(cli: click.Group) -> None:
    @cli.group("admin")
    def admin_group() -> None:
        """People who sign in to the merchant admin at /admin."""

    @admin_group.command("create-user")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True,
                  help="read the password from the first line of standard input instead of "
                       "asking for it twice")
    @click.option("--merchant", "merchant_id", type=int, default=None,
                  help="limit the user to this merchant's shops and programs (default: an "
                       "operator, who sees every merchant)")
    @click.pass_obj
    def create_user_command(ctx, username: str, password_stdin: bool,
                            merchant_id: int | None) -> None:
        """Add USERNAME, who signs in at /admin with the password you give (12 characters or
        more; only its argon2 hash is stored)."""
        services = ctx.ready_services()
        password = _read_password(password_stdin)
        problem = password_problem(password)
        if problem:
            raise click.ClickException(problem)
        try:
            with services.db.transaction() as session:
                user = create_user(session, username, password, merchant_id)
        except AdminUserRefused as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"admin user {user.username!r} created: sign in at "
                   f"{services.config.public_url}/admin/login")
