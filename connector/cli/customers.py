from __future__ import annotations

import json

import click

from connector.cli.programs import shop_or_fail
from connector.statements import customer_statement


def register(cli: click.Group) -> None:
    @cli.group()
    def customer() -> None:
        """Customers and their points."""

    register_redeem(customer)

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


def register_redeem(customer: click.Group) -> None:
    @customer.command()
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--email", required=True)
    @click.option("--reward", "reward_id", required=True, help="a reward id from the program")
    @click.option("--request-id", default=None,
                  help="repeat a request with the same id and it is redeemed only once")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def redeem(ctx, shop_id: int, email: str, reward_id: str, request_id: str | None,
               as_json: bool) -> None:
        """Spend a customer's points on a reward; the code is created on the store."""
        import uuid

        from connector.customers import find_customer
        from connector.redemptions import CODE_PURPOSE, RedemptionRefused, redeem
        from connector.types import utcnow

        services = ctx.ready_services()
        with services.db.transaction() as session:
            shop = shop_or_fail(session, shop_id)
            found = find_customer(session, shop, None, email)
            if found is None:
                raise click.ClickException(f"no customer {email} in shop {shop_id}")
            try:
                done = redeem(session, shop, found, reward_id, request_id or uuid.uuid4().hex,
                              utcnow(), services.box.derive(CODE_PURPOSE))
            except RedemptionRefused as exc:
                raise click.ClickException(str(exc)) from None
        if as_json:
            click.echo(json.dumps(done.__dict__))
        else:
            again = " (already redeemed with this request id)" if done.repeated else ""
            click.echo(f"{done.code}: {done.reward_id} for {done.points} points{again}; "
                       "the code is being created on the store")
