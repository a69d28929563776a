"""`loyalty referrals list|replay`: referral decisions with the fraud rules behind them, and
what a changed program would decide instead."""
from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from connector.cli.programs import shop_or_fail
from connector.models import Customer, Referral
from connector.referrals import replay
from rules.program import ProgramError, load_program


def _rows(session, shop_id: int) -> list[dict]:
    rows = []
    for record in session.scalars(select(Referral).where(Referral.shop_id == shop_id)
                                  .order_by(Referral.id)):
        referrer = session.get(Customer, record.referrer_id)
        rows.append({"id": record.id, "order_id": record.order_id, "code": record.code,
                     "referrer": referrer.email if referrer else None,
                     "attributed_by": record.attributed_by, "status": record.status,
                     "refused_by": record.refused_by,
                     "decided_at": record.decided_at.isoformat(),
                     "release_at": record.release_at.isoformat() if record.release_at else None,
                     "note": record.note, "decision": json.loads(record.decision)})
    return rows


def register(cli: click.Group) -> None:
    @cli.group()
    def referrals() -> None:
        """Two-sided referral decisions."""

    @referrals.command("list")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.option("--json", "as_json", is_flag=True, help="with every rule's inputs and outcome")
    @click.pass_obj
    def list_referrals(ctx, shop_id: int, as_json: bool) -> None:
        """Each referred order: who referred, the outcome, and the rule that refused it."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            shop_or_fail(session, shop_id)
            rows = _rows(session, shop_id)
        if as_json:
            click.echo(json.dumps(rows, indent=2))
            return
        for row in rows:
            why = row["refused_by"] or row["note"] or ""
            click.echo(f"order {row['order_id']:<12} {row['status']:<9} referrer "
                       f"{row['referrer']} via {row['attributed_by']} {why}".rstrip())

    @referrals.command("replay")
    @click.option("--shop", "shop_id", type=int, required=True)
    @click.argument("program_file", type=click.Path(exists=True, dir_okay=False))
    @click.pass_obj
    def replay_referrals(ctx, shop_id: int, program_file: str) -> None:
        """Decide every recorded referral again under PROGRAM_FILE; list those that change."""
        try:
            draft = load_program(Path(program_file).read_text(), source=program_file)
        except ProgramError as exc:
            raise click.ClickException(str(exc)) from None
        if draft.referral is None:
            raise click.ClickException(f"{program_file} has no [referral] section")
        services = ctx.ready_services()
        changed = 0
        with services.db.reading() as session:
            shop_or_fail(session, shop_id)
            records = session.scalars(select(Referral).where(Referral.shop_id == shop_id)
                                      .order_by(Referral.id)).all()
            for record in records:
                again = replay(record, draft)
                was = json.loads(record.decision)
                if again.approved != was["approved"]:
                    changed += 1
                    click.echo(f"order {record.order_id}: "
                               f"{'approved' if was['approved'] else 'refused'} -> "
                               f"{'approved' if again.approved else 'refused by ' + str(again.refused_by)}")
        click.echo(f"{len(records)} decisions replayed, {changed} would change")
