"""The admin's failed-jobs pages: pushes to the stores that gave up, each with every attempt,
and the buttons that run them again (connector.job_retry)."""
from __future__ import annotations

import json
import logging
from datetime import datetime

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector import job_retry
from connector.admin import auth, blueprint, scope
from connector.models import OutboxAttempt, OutboxJob, Shop
from connector.types import utcnow

log = logging.getLogger("loyalty.admin")


def _services():
    return current_app.extensions["loyalty"]


def payload_summary(payload: str) -> list[tuple[str, str]]:
    """The job's payload as (field, value) lines; nested fields as `spec.code`."""
    try:
        data = json.loads(payload)
    except ValueError:
        return [("payload", payload[:500])]
    if not isinstance(data, dict):
        return [("payload", str(data)[:500])]
    lines = []
    for field, value in sorted(data.items()):
        if isinstance(value, dict):
            lines += [(f"{field}.{inner}", _shown(item)) for inner, item in sorted(value.items())]
        else:
            lines.append((field, _shown(value)))
    return lines


def _shown(value: object) -> str:
    return "—" if value is None else str(value)


def _visible_job(session: Session, job_id: int) -> OutboxJob:
    job = session.get(OutboxJob, job_id)
    if job is None or not scope.may_see_shop(session, g.admin_user, job.shop_id):
        abort(404, description="no job with that id")
    return job


def _shop_refs(session: Session, shop_ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Shop.id, Shop.ref).where(Shop.id.in_(shop_ids))).all())


def _failed_at(session: Session, job_ids: list[int]) -> dict[int, datetime]:
    """When each job's last attempt was made: when it gave up."""
    return dict(session.execute(
        select(OutboxAttempt.job_id, func.max(OutboxAttempt.created_at))
        .where(OutboxAttempt.job_id.in_(job_ids)).group_by(OutboxAttempt.job_id)).all())


@blueprint.get("/jobs")
@auth.login_required
def jobs_page():
    with _services().db.reading() as session:
        visible = scope.shop_ids(session, g.admin_user)
        jobs = job_retry.dead_jobs(session, visible)
        return render_template("admin/jobs.html", jobs=jobs, shops=_shop_refs(session, visible),
                               failed_at=_failed_at(session, [job.id for job in jobs]))


@blueprint.get("/jobs/<int:job_id>")
@auth.login_required
def job_page(job_id: int):
    with _services().db.reading() as session:
        job = _visible_job(session, job_id)
        attempts = session.scalars(select(OutboxAttempt).where(OutboxAttempt.job_id == job.id)
                                   .order_by(OutboxAttempt.id)).all()
        shop_ref = session.get(Shop, job.shop_id).ref
        return render_template("admin/job.html", job=job, attempts=attempts,
                               shop_ref=shop_ref, payload=payload_summary(job.payload))


@blueprint.post("/jobs/<int:job_id>/retry")
@auth.login_required
def retry_job(job_id: int):
    try:
        with _services().db.transaction() as session:
            job_retry.retry(session, _visible_job(session, job_id), utcnow())
    except job_retry.RetryRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.jobs_page"))
    log.info("admin.job-retried", extra={"job_id": job_id, "username": g.admin_user.username})
    flash(f"job {job_id} will run again", "ok")
    return redirect(url_for("admin.jobs_page"))


@blueprint.post("/jobs/retry-all")
@auth.login_required
def retry_all_jobs():
    with _services().db.transaction() as session:
        visible = scope.shop_ids(session, g.admin_user)
        retried, refused = job_retry.retry_all(session, visible, utcnow())
    log.info("admin.jobs-retried", extra={"retried": retried, "refused": len(refused),
                                          "username": g.admin_user.username})
    if retried or not refused:
        flash(f"{retried} job{'' if retried == 1 else 's'} will run again", "ok")
    for message in refused:
        flash(message, "error")
    return redirect(url_for("admin.jobs_page"))
