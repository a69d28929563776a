from __future__ import annotations

import json

import click

from connector.cli.programs import shop_or_fail
from connector.statements import customer_statement


def register(cli: click.Group) -> None:
    @cli.group()
    def customer() -> None:
        """Customers and their points."""

    @customer.command()
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--email", default=None)
    @click.option("--customer", "customer_ref", default=None, help="the platform's customer id")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def show(ctx, shop_id: int, email: str | None, customer_ref: str | None, as_json: bool):
        """A customer's balance, pending points, tier and ledger entries."""
        if (email is None) == (customer_ref is None):
            raise click.UsageError("give exactly one of --email or --customer")
        services = ctx.ready_services()
        with services.db.reading() as session:
            shop = shop_or_fail(session, shop_id)
            statement = customer_statement(session, shop, customer_ref, email)
        if statement is None:
            raise click.ClickException(f"no customer {email or customer_ref} in shop {shop_id}")
        if as_json:
            click.echo(json.dumps(statement))
            return
        click.echo(f"{statement['email'] or '(redacted)'}: {statement['balance']} points "
                   f"available, {statement['pending']} pending, tier {statement['tier'] or '-'}")
        for entry in statement["entries"]:
            click.echo(f"  {entry['created_at'][:19]}  {entry['kind']:<9} {entry['points']:>7}  "
                       f"{entry['source_key']}")
