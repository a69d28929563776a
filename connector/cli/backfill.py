"""`loyalty import` and `loyalty reconcile`: orders read back from the store, with progress."""
from __future__ import annotations

from datetime import UTC, datetime

import click

from adapters import TransportError
from connector.backfill import BackfillReport, backfill
from connector.cli.programs import shop_or_fail


def _since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date such as 2026-01-31, got {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _run(ctx, shop_id: int, since: str, only_changed: bool, progress: bool) -> BackfillReport:
    services = ctx.ready_services()
    with services.db.reading() as session:
        shop = shop_or_fail(session, shop_id)
        session.expunge(shop)
    try:
        return backfill(services, shop, _since(since), only_changed=only_changed,
                        show_progress=progress)
    except TransportError as exc:
        raise click.ClickException(f"the store could not be read: {exc}") from None


def _summary(report: BackfillReport) -> None:
    for problem in report.unreadable[:20]:
        click.echo(f"unreadable: {problem}", err=True)


def register(cli: click.Group) -> None:
    options = [click.option("--shop", "shop_id", type=int, required=True),
               click.option("--since", required=True, help="orders modified after this date "
                            "(UTC), e.g. 2026-01-01"),
               click.option("--progress/--no-progress", default=True)]

    def with_options(command):
        for option in reversed(options):
            command = option(command)
        return command

    @cli.command("import")
    @with_options
    @click.pass_obj
    def import_orders(ctx, shop_id: int, since: str, progress: bool) -> None:
        """Pull historical orders through the pipeline, so tiers see pre-install history."""
        report = _run(ctx, shop_id, since, only_changed=False, progress=progress)
        _summary(report)
        click.echo(f"imported {report.fetched} orders ({report.fed} new to the pipeline) in "
                   f"{report.seconds:.1f} s: {report.rate:.0f} orders/s")

    @cli.command("reconcile")
    @with_options
    @click.pass_obj
    def reconcile(ctx, shop_id: int, since: str, progress: bool) -> None:
        """Recover orders whose webhooks were lost: feed the missing and changed ones."""
        report = _run(ctx, shop_id, since, only_changed=True, progress=progress)
        _summary(report)
        click.echo(f"checked {report.fetched} orders: {report.fed} recovered, "
                   f"{report.up_to_date} up to date, {report.deleted} trashed; "
                   f"{report.seconds:.1f} s")
