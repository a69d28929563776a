"""`loyalty export` and `loyalty import-ledger`: a program's ledger out to JSON Lines and back."""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

import click
from tqdm import tqdm

from connector.cli.programs import shop_or_fail
from connector.export import ExportCounts, export_shop
from connector.import_ledger import import_export


@contextlib.contextmanager
def _destination(output: str | None) -> Iterator[TextIO]:
    if output is None:
        yield click.get_text_stream("stdout")
        return
    with open(output, "w", encoding="utf-8", newline="\n") as handle:
        yield handle


def _export(services, shop_id: int, out: TextIO, progress: bool) -> ExportCounts:
    bar = tqdm(unit="record", file=sys.stderr, desc="export", disable=not progress)
    with services.db.snapshot() as session, bar:  # balances agree with the entries
        return export_shop(session, shop_id, out, lambda _kind: bar.update())


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing"


def register(cli: click.Group) -> None:
    @cli.command("export")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
                  help="write to this file (default: standard output)")
    @click.option("--progress/--no-progress", default=True,
                  help="a progress bar on standard error when writing to a file")
    @click.pass_obj
    def export(ctx, shop_id: int, output: str | None, progress: bool) -> None:
        """Write the shop's program, customers and full ledger as JSON Lines (no secrets)."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            shop_or_fail(session, shop_id)  # before a file is created for nothing
        with _destination(output) as out:
            written = _export(services, shop_id, out, progress and output is not None)
        if output is not None:
            click.echo(f"exported {_summary(written.counts)} to {output} "
                       f"(ledger sum {written.ledger_sum})", err=True)

    @cli.command("import-ledger")
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @click.pass_obj
    def import_ledger(ctx, file: TextIO) -> None:
        """Restore an export into this (empty) database; its shops must then be reconnected."""
        services = ctx.ready_services()
        try:
            with services.db.transaction() as session:
                imported = import_export(session, file)
        except ValueError as exc:
            click.echo(f"loyalty import-ledger: refused: {exc}", err=True)
            sys.exit(1)
        click.echo(f"imported {_summary(imported.counts)} (ledger sum {imported.ledger_sum})")
        click.echo("secrets are never exported: reconnect each shop (`loyalty shop list` "
                   "shows them as disconnected)")
