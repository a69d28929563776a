"""Admin users: argon2 password hashes, constant-time login checks, and the signed-in session.

The session is Flask's signed cookie (key derived from LOYALTY_SECRET_KEY): it holds the user's
id and name, lasts 12 hours (PERMANENT_SESSION_LIFETIME, set in create_app), and every request
re-reads the user, so a disabled or deleted user is signed out at once.
"""
from __future__ import annotations

import functools
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.models import AdminUser, Merchant

MIN_PASSWORD_LENGTH = 12
MAX_USERNAME_LENGTH = 100
HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


class AdminUserRefused(ValueError):
    """A user name or password that cannot be used; the message says why and what to do."""


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user name is unknown, so that answer takes as long."""
    return HASHER.hash("not the password of anyone: only here to spend the same time")


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
                "(a few words make a long password that is easy to remember)")
    return None


def create_user(session: Session, username: str, password: str,
                merchant_id: int | None = None) -> AdminUser:
    """Store a new admin user with an argon2id hash of `password`; raises AdminUserRefused.
    With `merchant_id`, the user sees only that merchant's shops and programs."""
    username = username.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH:
        raise AdminUserRefused(f"the user name must be 1 to {MAX_USERNAME_LENGTH} characters")
    problem = password_problem(password)
    if problem:
        raise AdminUserRefused(problem)
    if session.scalar(select(AdminUser.id).where(AdminUser.username == username)) is not None:
        raise AdminUserRefused(f"an admin user named {username!r} already exists: "
                               "choose another name")
    if merchant_id is not None and session.get(Merchant, merchant_id) is None:
        raise AdminUserRefused(f"no merchant with id {merchant_id} (see `loyalty shop list`)")
    user = AdminUser(username=username, password_hash=HASHER.hash(password),
                     merchant_id=merchant_id)
    session.add(user)
    session.flush()
    return user


def check_login(session: Session, username: str, password: str, now: datetime
                ) -> AdminUser | None:
    """The user these credentials belong to, or None; as slow for an unknown name as for a wrong
    password. Upgrades the stored hash when the hashing parameters have changed."""
    user = session.scalar(select(AdminUser).where(AdminUser.username == username.strip()))
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if HASHER.check_needs_rehash(stored):
        user.password_hash = HASHER.hash(password)
    user.last_login_at = now
    return user


def sign_in(user: AdminUser) -> None:
    session.clear()  # a fresh session (and CSRF token) after login
    session.permanent = True
    session["admin_user_id"] = user.id
    session["admin_username"] = user.username


def sign_out() -> None:
    session.clear()


def safe_next(target: str | None) -> str | None:
    """Only a path inside the admin may be returned to after login (never another site)."""
    if target and target.startswith("/admin"):
        return target
    return None


def login_required(view):
    """Run `view` for a signed-in, enabled user (as `g.admin_user`); else go to the login page."""
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        user_id = session.get("admin_user_id")
        user = None
        if user_id is not None:
            with current_app.extensions["loyalty"].db.reading() as db_session:
                user = db_session.get(AdminUser, user_id)
        if user is None or user.disabled:
            session.pop("admin_user_id", None)
            session.pop("admin_username", None)
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        g.admin_user = user
        return view(*args, **kwargs)
    return guarded
