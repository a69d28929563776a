"""`loyalty program simulate`: a draft program against the live one, over the stored orders."""
from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from connector import simulation
from connector.cli.programs import shop_or_fail
from connector.types import utcnow
from rules.program import Program, ProgramError, load_program


def _draft(file: str) -> Program:
    try:
        return load_program(Path(file).read_text(encoding="utf-8"), source=file)
    except ProgramError as exc:
        raise click.ClickException(str(exc)) from None


def _table(result: simulation.Comparison, draft: Program) -> str:
    rows = simulation.comparison_rows(result, draft)
    live_title = f"live (v{result.live_version})" if result.live_version else "live (none)"
    width = max(len(cell) for row in rows for cell in (row.draft, row.live, live_title)) + 2
    lines = [f"{'':<26}{'draft':>{width}}{live_title:>{width}}"]
    lines += [f"{row.label[0].lower() + row.label[1:]:<26}{row.draft:>{width}}{row.live:>{width}}"
              for row in rows]
    return "\n".join(lines)


def register(cli: click.Group) -> None:
    program = cli.commands["program"]
    assert isinstance(program, click.Group)

    @program.command()
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Only orders created on or after this date (UTC), e.g. 2026-01-01.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.pass_obj
    def simulate(ctx, shop_id: int, since: datetime | None, file: str) -> None:
        """Replay the shop's stored orders under FILE and under the live version, side by side."""
        draft = _draft(file)
        services = ctx.ready_services()
        since_utc = since.replace(tzinfo=UTC) if since else None
        now = utcnow()
        with services.db.snapshot() as session:
            shop = shop_or_fail(session, shop_id)
            total = simulation.count_deliveries(session, shop_id)
            with click.progressbar(length=total, label="replaying stored deliveries",
                                   file=sys.stderr,
                                   update_min_steps=max(1, total // 200)) as bar:
                result = simulation.compare(session, shop, draft, now, since_utc, bar.update)
        click.echo(f"{result.orders} orders of shop {shop_id}"
                   + (f" created since {since:%Y-%m-%d}" if since else "")
                   + f", tiers as of {now:%Y-%m-%d %H:%M} UTC"
                   + (f"; {result.unreadable} unreadable deliveries skipped"
                      if result.unreadable else ""))
        click.echo(_table(result, draft))
        if result.live is None:
            click.echo("no live version yet: publish one to compare tier movements")
        else:
            click.echo(f"customers moving tier: {result.movers}")
