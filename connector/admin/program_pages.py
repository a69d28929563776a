"""The admin's program pages: the live version and its history, and an editor that validates and
simulates a draft. Only a simulated text can be published: the simulation's result page carries
the text with a token over it (connector.admin.program_drafts), and publishing checks the token."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from connector import programs as program_store
from connector import simulation
from connector.admin import auth, blueprint, program_drafts, program_queries, scope
from connector.models import Program, Shop
from connector.types import utcnow
from rules import program as program_rules

log = logging.getLogger("loyalty.admin")
NOT_SIMULATED = "simulate this text before publishing it"


@dataclass(frozen=True)
class Simulated:
    shop: Shop
    at: datetime
    result: simulation.Comparison
    rows: list[simulation.ComparisonRow]
    publish_token: str


def _services():
    return current_app.extensions["loyalty"]


def _program_or_404(session: Session, program_id: int) -> Program:
    program = program_queries.visible_program(
        session, scope.program_ids(session, g.admin_user), program_id)
    if program is None:
        abort(404, description="no program with that id")
    return program


def _shops(session: Session, program_id: int) -> list[Shop]:
    return program_queries.program_shops(session, program_id,
                                         scope.shop_ids(session, g.admin_user))


def _page(program_id: int, text: str | None = None, status: int = 200, **outcome):
    """The program page; `text` in the editor (default: the live source), with the outcome of
    the last action (`error`, `valid` or `simulated`)."""
    with _services().db.reading() as session:
        program = _program_or_404(session, program_id)
        live = program_store.live_version(session, program_id)
        history = program_queries.versions(session, program_id)
        shops = _shops(session, program_id)
    if text is None:
        text = live.source_text if live is not None else ""
    context = {"error": None, "valid": None, "simulated": None, **outcome}
    return render_template("admin/program.html", program=program, live=live, versions=history,
                           shops=shops, text=text, **context), status


@blueprint.get("/programs")
@auth.login_required
def programs_page():
    with _services().db.reading() as session:
        user = g.admin_user
        rows = program_queries.program_rows(session, scope.program_ids(session, user),
                                            scope.shop_ids(session, user))
    return render_template("admin/programs.html", rows=rows)


@blueprint.get("/programs/<int:program_id>")
@auth.login_required
def program_page(program_id: int):
    return _page(program_id)


def _load_submitted() -> tuple[str, program_rules.Program | str]:
    """The submitted text (an uploaded .toml, else the editor's) and its program, or the
    message saying what is wrong with it."""
    try:
        draft = program_drafts.submitted_draft(request.form.get("text", ""),
                                               request.files.get("file"))
    except program_drafts.UnreadableUpload as exc:
        return request.form.get("text", ""), str(exc)
    try:
        return draft.text, program_rules.load_program(draft.text, source=draft.source)
    except program_rules.ProgramError as exc:
        return draft.text, str(exc)


@blueprint.post("/programs/<int:program_id>/validate")
@auth.login_required
def program_validate(program_id: int):
    text, loaded = _load_submitted()
    if isinstance(loaded, str):
        return _page(program_id, text, 422, error=loaded)
    return _page(program_id, text,
                 valid=f"valid: {len(loaded.tiers)} tiers, {len(loaded.rewards)} rewards")


@blueprint.post("/programs/<int:program_id>/simulate")
@auth.login_required
def program_simulate(program_id: int):
    text, loaded = _load_submitted()
    if isinstance(loaded, str):
        return _page(program_id, text, 422, error=loaded)
    wanted = request.form.get("shop", type=int)
    now = utcnow()
    with _services().db.snapshot() as session:
        _program_or_404(session, program_id)
        shops = _shops(session, program_id)
        shop = next((s for s in shops if s.id == wanted), shops[0] if shops else None)
        result = (simulation.compare(session, shop, loaded, now, since=None, progress=None)
                  if shop is not None else None)
    if shop is None or result is None:
        return _page(program_id, text, 409, error="no shop runs this program yet, so there "
                     "are no orders to replay: connect a shop first")
    key = _services().box.derive(program_drafts.PUBLISH_PURPOSE)
    simulated = Simulated(shop, now, result, simulation.comparison_rows(result, loaded),
                          program_drafts.publish_token(key, program_id, text))
    return _page(program_id, text, simulated=simulated)


@blueprint.post("/programs/<int:program_id>/publish")
@auth.login_required
def program_publish(program_id: int):
    text = program_drafts.submitted_draft(request.form.get("text", ""), None).text
    key = _services().box.derive(program_drafts.PUBLISH_PURPOSE)
    if not program_drafts.was_simulated(key, program_id, text,
                                        request.form.get("publish_token", "")):
        return _page(program_id, text, 400, error=NOT_SIMULATED)
    actor = f"admin:{g.admin_user.username}"
    try:
        with _services().db.transaction() as session:
            _program_or_404(session, program_id)
            before = program_store.live_version(session, program_id)
            version = program_store.publish(session, program_id, text, source="admin",
                                            actor=actor)
            number, unchanged = version.version, before is not None and before.id == version.id
    except program_rules.ProgramError as exc:
        return _page(program_id, text, 422, error=str(exc))
    if unchanged:
        flash(f"this text is already live as version {number}: nothing published")
    else:
        log.info("admin.program-published", extra={"program_id": program_id, "version": number,
                                                   "actor": actor})
        flash(f"published version {number}")
    return redirect(url_for("admin.program_page", program_id=program_id))
