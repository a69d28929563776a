"""The admin's pages: login, logout and the dashboard. Forms carry Flask-WTF's CSRF token."""
from __future__ import annotations

import logging

from flask import abort, current_app, g, redirect, render_template, request, url_for

from connector.admin import auth, blueprint, dashboard, scope
from connector.types import utcnow

log = logging.getLogger("loyalty.admin")
WRONG_LOGIN = "wrong user name or password"


def _services():
    return current_app.extensions["loyalty"]


@blueprint.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"  # figures and tokens stay off shared caches
    return response


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    next_page = auth.safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("admin/login.html", next_page=next_page, error=None)
    username = request.form.get("username", "")
    with _services().db.transaction() as session:
        user = auth.check_login(session, username, request.form.get("password", ""), utcnow())
        if user is not None:
            auth.sign_in(user)
    if user is None:
        log.warning("admin.login-refused", extra={"username": username[:100]})
        return render_template("admin/login.html", next_page=next_page, error=WRONG_LOGIN,
                               username=username), 401
    log.info("admin.login", extra={"username": user.username})
    return redirect(next_page or url_for("admin.dashboard_page"))


@blueprint.post("/logout")
def logout():
    auth.sign_out()
    return redirect(url_for("admin.login"))


@blueprint.get("/")
@auth.login_required
def dashboard_page():
    with _services().db.reading() as session:
        visible = scope.program_ids(session, g.admin_user)
        offered = dashboard.published_programs(session, visible)
        if not offered:
            return render_template("admin/dashboard.html", programs=[], board=None)
        wanted = request.args.get("program", type=int)
        chosen = next((p for p in offered if p.id == wanted), None) if wanted else offered[0]
        if chosen is None:
            abort(404, description="no published program with that id")
        board = dashboard.build(session, chosen, utcnow())
    return render_template("admin/dashboard.html", programs=offered, board=board)
