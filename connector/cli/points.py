"""`loyalty points adjust`: add or remove a customer's points by hand, with a reason."""
from __future__ import annotations

import json
import uuid

import click

from connector.adjustments import AdjustmentRefused, adjust
from connector.cli.programs import shop_or_fail
from connector.customers import find_customer
from connector.types import utcnow


def register(cli: click.Group) -> None:
    @cli.group()
    def points() -> None:
        """Manual changes to customers' points."""

    @points.command("adjust")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--email", required=True)
    @click.option("--points", "amount", type=int, required=True,
                  help="points to add, or negative to remove (e.g. --points=-50)")
    @click.option("--reason", required=True, help="why: kept with the ledger entry")
    @click.option("--request-id", default=None,
                  help="repeat a request with the same id and it counts only once")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def adjust_command(ctx, shop_id: int, email: str, amount: int, reason: str,
                       request_id: str | None, as_json: bool) -> None:
        """Add or remove a customer's points, recorded with the reason and actor `cli`."""
        services = ctx.ready_services()
        try:
            with services.db.transaction() as session:
                shop = shop_or_fail(session, shop_id)
                customer = find_customer(session, shop, None, email)
                if customer is None:
                    raise click.ClickException(f"no customer {email} in shop {shop_id}")
                done = adjust(session, shop, customer, amount, reason, actor="cli",
                              request_id=request_id or uuid.uuid4().hex, now=utcnow())
        except AdjustmentRefused as exc:
            raise click.ClickException(str(exc)) from None
        if as_json:
            click.echo(json.dumps(done.__dict__))
            return
        again = " (already applied with this request id: counted once)" if done.repeated else ""
        click.echo(f"{done.points:+d} points for {email} in shop {shop_id}: "
                   f"{done.balance} available now{again}")
