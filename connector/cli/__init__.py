"""`loyalty`: the command line. Each area is a module; services are built only when needed."""
from __future__ import annotations

import sys

import click

from connector.cli import (
    admin,
    api_keys,
    backfill,
    customers,
    database,
    demo,
    export,
    jobs,
    ledger,
    members,
    notices,
    points,
    privacy,
    programs,
    referrals,
    serve,
    shops,
    simulate,
)
from connector.cli.context import Context
from connector.config import ConfigError


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Self-hosted loyalty engine for Shopify and WooCommerce stores."""
    ctx.obj = Context()


for module in (serve, database, shops, programs, simulate, customers, ledger, demo, backfill,
               privacy, members, referrals, notices, export, admin, points, jobs,
               api_keys):
    module.register(cli)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except ConfigError as exc:  # a bad setting: one line naming the variable, non-zero exit
        click.echo(f"loyalty: configuration error: {exc}", err=True)
        sys.exit(2)
