"""Publishing programs as immutable versions, and finding the version in force at a time."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from connector.db import run_prepared
from connector.models import ProgramVersion
from connector.types import utcnow
from rules.program import Program, load_program

_PARSED: dict[str, Program] = {}  # parsed programs by the SHA-256 of their text
_PARSED_MAX = 256
_MEMO = "program_versions"  # session.info key: program id -> its versions, oldest first


def _parsed(digest: str, text_of: Callable[[], str]) -> Program:
    """The program whose text has this digest, parsed once per process; `text_of` is only
    called (the text only read) the first time."""
    program = _PARSED.get(digest)
    if program is None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        program = _PARSED[digest] = load_program(text_of(), source=f"program {digest[:12]}")
    return program


def parsed(version: ProgramVersion) -> Program:
    """The rules object of a stored version (immutable, so cached per process)."""
    return _parsed(version.sha256, lambda: version.source_text)


def publish(session: Session, program_id: int, text: str, source: str, actor: str = "cli",
            at: datetime | None = None) -> ProgramVersion:
    """Validate `text` and store it as the next version; the same text twice is one version."""
    load_program(text, source=source)  # raises ProgramError naming file, key and expectation
    digest = hashlib.sha256(text.encode()).hexdigest()
    latest = live_version(session, program_id)
    if latest is not None and latest.sha256 == digest:
        return latest
    number = (session.scalar(select(func.max(ProgramVersion.version))
                             .where(ProgramVersion.program_id == program_id)) or 0) + 1
    version = ProgramVersion(program_id=program_id, version=number, source_text=text,
                             sha256=digest, published_at=at or utcnow(), actor=actor)
    session.add(version)
    session.flush()
    session.info.get(_MEMO, {}).pop(program_id, None)
    return version


def _versions(session: Session, program_id: int) -> list[ProgramVersion]:
    """Every version of the program, oldest first, read once per session: versions never
    change once stored, and a batch of deliveries asks for them once per delivery."""
    known = session.info.setdefault(_MEMO, {})
    if program_id not in known:
        known[program_id] = list(session.scalars(
            select(ProgramVersion).where(ProgramVersion.program_id == program_id)
            .order_by(ProgramVersion.version)))
    return known[program_id]


def live_version(session: Session, program_id: int) -> ProgramVersion | None:
    versions = _versions(session, program_id)
    return versions[-1] if versions else None


def version_in_force(session: Session, program_id: int, at: datetime) -> ProgramVersion | None:
    """The latest version published at or before `at`; an order older than the first version
    (placed before install, or imported history) earns under the first version."""
    versions = _versions(session, program_id)
    in_force = [v for v in versions if v.published_at <= at]
    if in_force:
        return max(in_force, key=lambda v: (v.published_at, v.version))
    return versions[0] if versions else None


_VERSIONS = ProgramVersion.__table__
_SOURCE = select(_VERSIONS.c.source_text).where(
    _VERSIONS.c.program_id == bindparam("program_id"),
    _VERSIONS.c.sha256 == bindparam("sha256")).limit(1)


def live_digest(program_id):
    """The SHA-256 of the live version's text as a scalar subquery: `program_id` may be a
    value or a column, so a query can read a shop and its live program's digest at once."""
    return select(_VERSIONS.c.sha256).where(_VERSIONS.c.program_id == program_id).order_by(
        _VERSIONS.c.version.desc()).limit(1).scalar_subquery()


_LIVE_DIGEST = select(live_digest(bindparam("program_id")))


def live_program(session: Session, program_id: int) -> Program | None:
    """The rules of the live version. A session that has read the versions already answers
    from them; otherwise one prepared statement reads the live version's digest (see
    program_of_digest)."""
    known = session.info.get(_MEMO, {}).get(program_id)
    if known is not None:
        return parsed(known[-1]) if known else None
    return program_of_digest(session, program_id, run_prepared(
        session, _LIVE_DIGEST, flush=False, program_id=program_id).scalar())


def program_of_digest(session: Session, program_id: int, digest: str | None) -> Program | None:
    """The rules of the program's version with this digest (None: no version), its text read
    only the first time this process sees the digest (the storefront asks on every read)."""
    if digest is None:
        return None
    return _parsed(digest, lambda: run_prepared(
        session, _SOURCE, flush=False, program_id=program_id, sha256=digest).scalar_one())
