"""`loyalty jobs list|retry`: pushes to the stores that failed for good, and running them again."""
from __future__ import annotations

import json

import click

from connector.job_retry import RetryRefused, dead_jobs, retry, retry_all
from connector.models import OutboxJob, Shop
from connector.types import utcnow


def _shop_filter(session, shop_id: int | None) -> list[int] | None:
    if shop_id is None:
        return None
    if session.get(Shop, shop_id) is None:
        raise click.ClickException(f"no shop with id {shop_id} (see `loyalty shop list`)")
    return [shop_id]


def _job_json(job: OutboxJob) -> dict:
    return {"id": job.id, "shop_id": job.shop_id, "kind": job.kind, "attempts": job.attempts,
            "last_error": job.last_error, "created_at": job.created_at.isoformat()}


def _retry_each(services, job_ids: tuple[int, ...]) -> bool:
    """Retry the jobs one by one (a refusal leaves the others retried); True if all were."""
    all_retried = True
    for job_id in job_ids:
        try:
            with services.db.transaction() as session:
                job = session.get(OutboxJob, job_id)
                if job is None:
                    raise RetryRefused(f"no job with id {job_id} (see `loyalty jobs list`)")
                retry(session, job, utcnow())
        except RetryRefused as exc:
            click.echo(f"job {job_id} not retried: {exc}", err=True)
            all_retried = False
            continue
        click.echo(f"job {job_id} will run again")
    return all_retried


def register(cli: click.Group) -> None:
    @cli.group()
    def jobs() -> None:
        """Pushes to the stores (codes, tiers) that failed for good."""

    @jobs.command("list")
    @click.option("--shop", "shop_id", type=int, default=None, help="only this shop's jobs")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def list_jobs(ctx, shop_id: int | None, as_json: bool) -> None:
        """List failed jobs, newest first, with their attempts and last error."""
        services = ctx.ready_services()
        with services.db.reading() as session:
            rows = [_job_json(job) for job in dead_jobs(session, _shop_filter(session, shop_id))]
        if as_json:
            click.echo(json.dumps(rows))
            return
        if not rows:
            click.echo("no failed jobs")
        for row in rows:
            attempts = f"{row['attempts']} attempt{'' if row['attempts'] == 1 else 's'}"
            click.echo(f"{row['id']:>6}  shop {row['shop_id']:<4} {row['kind']:<22} "
                       f"{attempts:<11} {row['last_error'] or ''}")

    @jobs.command("retry")
    @click.argument("job_ids", nargs=-1, type=int)
    @click.option("--all", "every", is_flag=True, help="retry every failed job")
    @click.option("--shop", "shop_id", type=int, default=None,
                  help="with --all: only this shop's jobs")
    @click.pass_obj
    def retry_jobs(ctx, job_ids: tuple[int, ...], every: bool, shop_id: int | None) -> None:
        """Run failed jobs JOB_IDS (or --all) again from a fresh run of attempts. A discount
        code's points, given back when it failed, are spent again (refused if they are gone)."""
        if bool(job_ids) == every:
            raise click.UsageError("give job ids, or --all (not both)")
        if shop_id is not None and not every:
            raise click.UsageError("--shop goes with --all")
        services = ctx.ready_services()
        if job_ids:
            if not _retry_each(services, job_ids):
                raise SystemExit(1)
            return
        with services.db.transaction() as session:
            retried, refused = retry_all(session, _shop_filter(session, shop_id), utcnow())
        click.echo(f"{retried} job{'' if retried == 1 else 's'} will run again")
        for message in refused:
            click.echo(f"not retried: {message}", err=True)
        if refused:
            raise SystemExit(1)
