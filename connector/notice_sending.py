"""Sending due notices, each claimed with a conditional UPDATE so two workers never both send it.

A claim commits before the SMTP call and the outcome commits after it. A notice still `sending`
long after its claim was interrupted mid-send; whether the server accepted it cannot be known,
so it is failed rather than resent: a member never gets the same e-mail twice.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from connector import mailer
from connector.db import Database
from connector.mail_config import Mail
from connector.models import Customer, Notice
from connector.services import Services

log = logging.getLogger("loyalty.notices")

MAX_ATTEMPTS = 5
RETRY_STEP = timedelta(minutes=10)  # a transient failure waits attempts x this before the next
STUCK_AFTER = timedelta(minutes=15)
INTERRUPTED = "interrupted while sending; not resent so nobody gets it twice"
NO_ADDRESS = "the customer has no e-mail address (redacted)"


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    skipped: int
    waiting: int  # notices still due (not yet due, waiting to retry, or no mail server set)


def send_due(services: Services, now: datetime, limit: int = 500) -> SendReport:
    """Send up to `limit` due notices; without a configured mail server, send nothing."""
    counts: Counter[str] = Counter(failed=_fail_interrupted(services.db, now))
    mail = services.config.mail
    if mail is not None:
        for notice_id in _due_ids(services.db, now, limit):
            outcome = _send_one(services.db, mail, notice_id, now)
            counts[outcome] += 1
            if outcome == "unreachable":  # the rest would only wait out the same timeout
                break
    return SendReport(counts["sent"], counts["failed"], counts["skipped"], _waiting(services.db))


def _fail_interrupted(db: Database, now: datetime) -> int:
    with db.transaction() as session:
        result = session.execute(
            update(Notice).where(Notice.status == "sending",
                                 Notice.claimed_at < now - STUCK_AFTER)
            .values(status="failed", error=INTERRUPTED)
            .execution_options(synchronize_session=False))
        return result.rowcount


def _due_ids(db: Database, now: datetime, limit: int) -> list[int]:
    with db.reading() as session:
        return list(session.scalars(select(Notice.id)
                                    .where(Notice.status == "due", Notice.due_at <= now)
                                    .order_by(Notice.due_at, Notice.id).limit(limit)))


def _waiting(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count(Notice.id))
                                  .where(Notice.status == "due")) or 0)


def _claim(db: Database, notice_id: int, now: datetime) -> tuple[Notice, str | None] | None:
    """The notice and its recipient if this caller won it (due -> sending), else None. A
    customer redacted since it was recorded has no address: the notice is skipped."""
    with db.transaction() as session:
        won = session.execute(
            update(Notice).where(Notice.id == notice_id, Notice.status == "due")
            .values(status="sending", claimed_at=now, attempts=Notice.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not won:
            return None
        notice = session.get(Notice, notice_id)
        email = session.scalar(select(Customer.email).where(Customer.id == notice.customer_id))
        if email is None:
            notice.status, notice.error = "skipped", NO_ADDRESS
        return notice, email


def _send_one(db: Database, mail: Mail, notice_id: int, now: datetime) -> str:
    """One of: sent, failed, skipped, retry, unreachable (retry, and stop the batch), lost."""
    claimed = _claim(db, notice_id, now)
    if claimed is None:
        return "lost"  # another worker has it
    notice, email = claimed
    if email is None:
        return "skipped"
    try:
        mailer.send(mail, email, notice.subject, notice.body)
    except mailer.MailError as exc:
        final = exc.permanent or notice.attempts >= MAX_ATTEMPTS
        if final:
            _settle(db, notice_id, status="failed", error=str(exc))
        else:
            _settle(db, notice_id, status="due", error=str(exc),
                    due_at=now + RETRY_STEP * notice.attempts)
        log.warning("notice.failed", extra={"notice_id": notice_id, "kind": notice.kind,
                                            "attempts": notice.attempts, "final": final,
                                            "error": str(exc)})
        return "failed" if final else "unreachable" if exc.unreachable else "retry"
    _settle(db, notice_id, status="sent", sent_at=now, error=None)
    log.info("notice.sent", extra={"notice_id": notice_id, "kind": notice.kind})
    return "sent"


def _settle(db: Database, notice_id: int, **values: object) -> None:
    """Record the outcome, unless the notice was meanwhile failed as interrupted."""
    with db.transaction() as session:
        session.execute(update(Notice).where(Notice.id == notice_id, Notice.status == "sending")
                        .values(**values).execution_options(synchronize_session=False))
