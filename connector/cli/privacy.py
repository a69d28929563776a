"""`loyalty privacy list`: compliance requests received from the platforms, and the data
exports to hand to customers who asked for their data."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from connector.cli.programs import shop_or_fail
from connector.models import PrivacyRequest


def register(cli: click.Group) -> None:
    @cli.group()
    def privacy() -> None:
        """Privacy requests (Shopify's mandatory compliance webhooks)."""

    @privacy.command("list")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--json", "as_json", is_flag=True, help="with each data request's export")
    @click.pass_obj
    def list_requests(ctx, shop_id: int, as_json: bool) -> None:
        """What was asked, when, and what was done; data exports with --json."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            shop_or_fail(session, shop_id)
            rows = [{"id": r.id, "kind": r.kind, "customer_ref": r.customer_ref,
                     "request_ref": r.request_ref, "received_at": r.created_at.isoformat(),
                     "outcome": r.outcome, "export": json.loads(r.export) if r.export else None}
                    for r in session.scalars(select(PrivacyRequest).where(
                        PrivacyRequest.shop_id == shop_id).order_by(PrivacyRequest.id))]
        if as_json:
            click.echo(json.dumps(rows))
            return
        if not rows:
            click.echo("no privacy requests")
        for row in rows:
            click.echo(f"{row['id']:>4}  {row['received_at'][:19]}  {row['kind']:<16} "
                       f"customer {row['customer_ref'] or '-'}: {row['outcome']}")
