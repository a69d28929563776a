"""`loyalty members import` and `loyalty members list`: enrolling a mailing list, and who is in."""
from __future__ import annotations

import csv
import json

import click

from connector.cli.programs import shop_or_fail
from connector.member_import import ImportReport, RowError, import_members
from connector.members import members as program_members

ERRORS_SHOWN = 20


def _print_report(report: ImportReport) -> None:
    click.echo(f"{report.rows} rows: {report.joined} joined, {report.already_members} already "
               f"members, {len(report.errors)} errors; {report.points_awarded} points awarded")
    for error in report.errors[:ERRORS_SHOWN]:
        click.echo(f"line {error.line}: {error.message}")
    if len(report.errors) > ERRORS_SHOWN:
        click.echo(f"... and {len(report.errors) - ERRORS_SHOWN} more: --errors-csv PATH "
                   "writes them all")


def _write_errors(path: str, errors: list[RowError]) -> None:
    try:
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "email", "error"])
            writer.writerows([error.line, error.email, error.message] for error in errors)
    except OSError as exc:
        raise click.ClickException(f"cannot write the errors to {path}: {exc.strerror}") from None


def register(cli: click.Group) -> None:
    @cli.group("members")
    def members_group() -> None:
        """Members of the loyalty program: enrol a mailing list, list who has joined."""

    @members_group.command("import")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--welcome-points", type=click.IntRange(min=0), default=0,
                  help="a one-off bonus for each member, on top of the program's signup bonus")
    @click.option("--errors-csv", type=click.Path(dir_okay=False), default=None,
                  help="write every row that could not join here (line,email,error)")
    @click.option("--progress/--no-progress", default=True)
    @click.pass_obj
    def import_file(ctx, file: str, shop_id: int, welcome_points: int, errors_csv: str | None,
                    progress: bool) -> None:
        """Join everyone in FILE, a CSV with an email column and optional name and birthday
        (YYYY-MM-DD) columns. Running it again joins nobody twice."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            shop_or_fail(session, shop_id)
        try:
            report = import_members(services, shop_id, file, welcome_points=welcome_points,
                                    show_progress=progress)
        except OSError as exc:
            raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        _print_report(report)
        if errors_csv is not None:
            _write_errors(errors_csv, report.errors)

    @members_group.command("list")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def list_members(ctx, shop_id: int, as_json: bool) -> None:
        """Every member, in the order they joined, with their birthday and balance."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            shop = shop_or_fail(session, shop_id)
            rows = [{"email": member.email, "joined": member.joined_at.date().isoformat(),
                     "birthday": member.birthday and member.birthday.isoformat(),
                     "balance": member.points_total}
                    for member in program_members(session, shop.program_id)]
        if as_json:
            click.echo(json.dumps(rows))
            return
        for row in rows:
            click.echo(f"{row['email'] or '(redacted)'}  joined {row['joined']}  "
                       f"birthday {row['birthday'] or '-'}  {row['balance']} points")
