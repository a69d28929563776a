from __future__ import annotations

import json
from datetime import UTC, date, datetime

import click
from sqlalchemy import select

from connector.models import NOTICE_STATUSES, Notice


def _moment(day: date | None) -> datetime:
    """Now, or the given day at the current UTC time of day."""
    now = datetime.now(UTC)
    return now if day is None else datetime.combine(day, now.timetz())


def _row(notice: Notice) -> dict:
    return {"id": notice.id, "kind": notice.kind, "status": notice.status,
            "customer_id": notice.customer_id, "shop_id": notice.shop_id,
            "due_at": notice.due_at.isoformat(), "attempts": notice.attempts,
            "subject": notice.subject, "error": notice.error,
            "sent_at": notice.sent_at.isoformat() if notice.sent_at else None}


def register(cli: click.Group) -> None:
    @cli.group()
    def notices() -> None:
        """Member e-mails: birthday bonuses and reminders before points expire."""

    @notices.command()
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="run as on this day (YYYY-MM-DD), at the current time of day UTC")
    @click.pass_obj
    def run(ctx, day: datetime | None) -> None:
        """Pay today's birthday bonuses, record expiry reminders and send what is due."""
        from connector.notices import run_daily

        services = ctx.ready_services()
        report = run_daily(services, _moment(day.date() if day else None))
        click.echo(f"birthdays: {report.birthdays}, reminders: {report.reminders}, "
                   f"sent: {report.sent}, failed: {report.failed}, waiting: {report.waiting}")
        if services.config.mail is None:
            click.echo("no mail server configured: set LOYALTY_SMTP_HOST and LOYALTY_MAIL_FROM "
                       "to send the waiting e-mails")

    @notices.command("list")
    @click.option("--status", type=click.Choice(NOTICE_STATUSES), default=None)
    @click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def list_notices(ctx, status: str | None, limit: int, as_json: bool) -> None:
        """Recorded notices, newest first, with why any failed."""
        services = ctx.ready_services()
        query = select(Notice).order_by(Notice.due_at.desc(), Notice.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Notice.status == status)
        with services.db.reading() as session:
            rows = [_row(n) for n in session.scalars(query)]
        if as_json:
            click.echo(json.dumps(rows))
            return
        for row in rows:
            error = f"  ({row['error']})" if row["error"] else ""
            click.echo(f"{row['id']:>6}  {row['due_at'][:16]}  {row['status']:<8} "
                       f"{row['kind']:<16} {row['subject']}{error}")
        if not rows:
            click.echo("no notices")
