from __future__ import annotations

import sys

import click

from connector import ledger as ledger_store


def register(cli: click.Group) -> None:
    @cli.group()
    def ledger() -> None:
        """The points ledger."""

    @ledger.command()
    @click.pass_obj
    def verify(ctx) -> None:
        """Recompute every customer's cached totals from the entries; exit 1 on a mismatch."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            mismatches = ledger_store.verify(session)
        for m in mismatches:
            click.echo(f"customer {m.customer_id}: cached total/lifetime {m.cached} "
                       f"but entries sum to {m.recomputed}", err=True)
        if mismatches:
            click.echo(f"ledger verify: {len(mismatches)} mismatched customers", err=True)
            sys.exit(1)
        click.echo("ledger verify: every cached balance matches its entries")
