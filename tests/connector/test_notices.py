"""Birthday bonuses and expiry reminders, e-mailed through a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import dataclasses
import json
import threading
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import click
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from sqlalchemy import select

from connector import programs
from connector.cli.context import Context
from connector.cli.notices import register
from connector.config import ConfigError, load_config
from connector.ledger import expire_due_lots, write_entry
from connector.mail_config import mail_settings
from connector.members import join
from connector.models import Customer, LedgerEntry, Notice, Shop
from connector.notice_sending import INTERRUPTED
from connector.notices import record_birthdays, run_daily, send_due
from tests.e2e.processes import free_port
from tests.support import EXAMPLE_PROGRAM

NOW = datetime(2031, 6, 15, 9, 0, tzinfo=UTC)  # Alice's birthday
JOINED = datetime(2031, 1, 10, 12, 0, tzinfo=UTC)
SENDER = "Example Rewards <rewards@example.com>"


class Inbox:
    """An aiosmtpd handler keeping every accepted message; bounce@ addresses are refused."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def start_sink(smtp_port):
    """Starts the SMTP sink on `smtp_port` when called; stopped after the test."""
    controllers = []

    def start(**options) -> Inbox:
        inbox = Inbox()
        controllers.append(Controller(inbox, hostname="127.0.0.1", port=smtp_port, **options))
        controllers[-1].start()
        return inbox
    yield start
    for controller in controllers:
        controller.stop()


def use_smtp(services, port: int, **env: str):
    """Point the services' LOYALTY_SMTP_* at 127.0.0.1:`port`, plain SMTP."""
    mail = mail_settings({"LOYALTY_SMTP_HOST": "127.0.0.1", "LOYALTY_SMTP_PORT": str(port),
                          "LOYALTY_SMTP_SECURITY": "none", "LOYALTY_MAIL_FROM": SENDER, **env})
    services.config = dataclasses.replace(services.config, mail=mail)
    return services


@pytest.fixture
def mailed(services, smtp_port):
    return use_smtp(services, smtp_port)


@pytest.fixture
def inbox(start_sink) -> Inbox:
    return start_sink()


def member(services, shop_id: int, email: str, birthday: date | None = None,
           first_name: str | None = None) -> int:
    with services.db.transaction() as session:
        return join(session, session.get(Shop, shop_id), email, JOINED, first_name=first_name,
                    birthday=birthday).customer_id


def notices(services) -> list[Notice]:
    with services.db.reading() as session:
        return list(session.scalars(select(Notice).order_by(Notice.id)))


def birthday_points(services, customer_id: int) -> list[int]:
    with services.db.reading() as session:
        return list(session.scalars(select(LedgerEntry.points).where(
            LedgerEntry.customer_id == customer_id, LedgerEntry.source_key.like("birthday:%"))
            .order_by(LedgerEntry.id)))


def test_birthday_pays_once_and_sends_one_email_however_often_it_runs(mailed, woo_shop, inbox):
    alice = member(mailed, woo_shop, "alice@example.com", date(1990, 6, 15), "Alice")
    first, again = run_daily(mailed, NOW), run_daily(mailed, NOW + timedelta(hours=1))
    assert (first.birthdays, first.sent, again.birthdays, again.sent) == (1, 1, 0, 0)
    (message,) = inbox.messages
    assert message["To"] == "alice@example.com" and message["From"] == SENDER
    assert message["Subject"] == "Happy birthday, Alice: 250 points from Example Rewards"
    assert "Your balance is now 350 points." in message.get_content()  # 100 signup + 250
    assert birthday_points(mailed, alice) == [250]

    assert run_daily(mailed, NOW + timedelta(days=1)).sent == 0
    assert run_daily(mailed, NOW.replace(year=2032)).birthdays == 1
    assert inbox.subjects()[1:] == ["Happy birthday, Alice: 250 points from Example Rewards"]
    assert birthday_points(mailed, alice) == [250, 250]


@pytest.mark.parametrize(("day", "celebrated"), [
    (date(2031, 2, 28), True), (date(2031, 3, 1), False),
    (date(2032, 2, 28), False), (date(2032, 2, 29), True)])
def test_29_february_is_celebrated_on_the_28th_of_a_common_year(services, woo_shop, day,
                                                                celebrated):
    member(services, woo_shop, "leap@example.com", date(2000, 2, 29))
    at = datetime.combine(day, NOW.timetz())
    with services.db.transaction() as session:
        assert record_birthdays(session, at) == int(celebrated)


def test_a_program_without_a_birthday_bonus_sends_no_birthday_email(services, woo_shop):
    member(services, woo_shop, "alice@example.com", date(1990, 6, 15))
    text = EXAMPLE_PROGRAM.read_text().replace("birthday = 250", "birthday = 0")
    with services.db.transaction() as session:
        programs.publish(session, session.get(Shop, woo_shop).program_id, text, "no-birthday",
                         at=NOW - timedelta(days=1))
    assert run_daily(services, NOW).birthdays == 0
    assert notices(services) == []


EXPIRY = datetime(2031, 9, 1, 12, 0, tzinfo=UTC)


def lot(session, shop_id: int, customer_id: int, name: str, points: int,
        expires_at: datetime) -> None:
    version = programs.live_version(session, session.get(Shop, shop_id).program_id)
    write_entry(session, session.get(Customer, customer_id), LedgerEntry(
        shop_id=shop_id, kind="earn", points=points, lot=name, source_key=name,
        program_version_id=version.id, available_at=JOINED, expires_at=expires_at))


def spend(session, shop_id: int, customer_id: int, name: str, points: int) -> None:
    write_entry(session, session.get(Customer, customer_id), LedgerEntry(
        shop_id=shop_id, kind="redeem", points=-points, lot=name, source_key=f"{name}:spent",
        available_at=JOINED, expires_at=EXPIRY))


def test_expiry_reminders_go_once_per_offset_for_lots_with_points_left(mailed, woo_shop, inbox):
    alice = member(mailed, woo_shop, "alice@example.com", first_name="Alice")
    with mailed.db.transaction() as session:
        lot(session, woo_shop, alice, "order:1:earn", 120, EXPIRY)
        lot(session, woo_shop, alice, "order:2:earn", 80, EXPIRY)  # spent in full
        spend(session, woo_shop, alice, "order:2:earn", 80)
        lot(session, woo_shop, alice, "order:3:earn", 50, EXPIRY - timedelta(days=40))
        expire_due_lots(session, EXPIRY - timedelta(days=31))

    assert run_daily(mailed, EXPIRY - timedelta(days=31)).reminders == 0
    for hours in (0, 5):
        run_daily(mailed, EXPIRY - timedelta(days=30) + timedelta(hours=hours))
    assert inbox.subjects() == ["120 points expire on 2031-09-01"]
    body = inbox.messages[0].get_content()
    assert "120 of your Example Rewards points expire on 2031-09-01" in body
    assert "Your balance is 220 points" in body  # 100 signup + 120; the rest spent or expired

    for days in (8, 7, 7, 2):
        run_daily(mailed, EXPIRY - timedelta(days=days))
    assert inbox.subjects() == ["120 points expire on 2031-09-01"] * 2
    assert [n.key for n in notices(mailed)] == [f"{woo_shop}|order:1:earn:remind:{d}"
                                                for d in (30, 7)]
    run_daily(mailed, EXPIRY + timedelta(hours=1))
    assert len(inbox.messages) == 2


def test_a_lot_first_seen_a_week_before_expiry_gets_only_the_nearest_reminder(services,
                                                                             woo_shop):
    alice = member(services, woo_shop, "alice@example.com")
    with services.db.transaction() as session:
        lot(session, woo_shop, alice, "order:1:earn", 120, EXPIRY)
    assert run_daily(services, EXPIRY - timedelta(days=5)).reminders == 1
    assert [n.key for n in notices(services)] == [f"{woo_shop}|order:1:earn:remind:7"]


def test_smtp_down_keeps_notices_due_then_sends_once_when_it_is_back(mailed, woo_shop,
                                                                     start_sink):
    member(mailed, woo_shop, "alice@example.com", date(1990, 6, 15))
    down = run_daily(mailed, NOW)
    assert (down.sent, down.failed, down.waiting) == (0, 0, 1)
    (notice,) = notices(mailed)
    assert (notice.status, notice.attempts) == ("due", 1)
    assert "cannot reach SMTP server 127.0.0.1" in notice.error
    assert send_due(mailed, NOW).waiting == 1 and notices(mailed)[0].attempts == 1  # backs off

    inbox = start_sink()
    assert send_due(mailed, NOW + timedelta(hours=1)).sent == 1
    assert send_due(mailed, NOW + timedelta(hours=2)).sent == 0
    assert len(inbox.messages) == 1
    assert (notices(mailed)[0].status, notices(mailed)[0].attempts) == ("sent", 2)


def test_a_notice_fails_after_five_attempts_with_the_server_down(mailed, woo_shop):
    member(mailed, woo_shop, "alice@example.com", date(1990, 6, 15))
    reports = [run_daily(mailed, NOW + timedelta(hours=h)) for h in range(6)]
    assert [r.failed for r in reports] == [0, 0, 0, 0, 1, 0]
    (notice,) = notices(mailed)
    assert (notice.status, notice.attempts) == ("failed", 5)


def test_a_refused_recipient_fails_at_once_and_is_not_retried(mailed, woo_shop, inbox):
    member(mailed, woo_shop, "bounce@example.com", date(1990, 6, 15))
    assert run_daily(mailed, NOW).failed == 1
    assert run_daily(mailed, NOW + timedelta(hours=2)).failed == 0
    (notice,) = notices(mailed)
    assert (notice.status, notice.attempts) == ("failed", 1) and "550" in notice.error
    assert inbox.messages == []


def test_the_smtp_login_is_used_and_a_refused_login_is_retried(services, woo_shop, smtp_port,
                                                               start_sink, caplog):
    def authenticator(server, session, envelope, mechanism, auth_data):
        right = (auth_data.login, auth_data.password) == (b"rewards", b"right")
        return AuthResult(success=right, handled=False)  # handled=False: answer 535 on failure
    inbox = start_sink(authenticator=authenticator, auth_require_tls=False)
    member(services, woo_shop, "alice@example.com", date(1990, 6, 15))
    use_smtp(services, smtp_port, LOYALTY_SMTP_USERNAME="rewards", LOYALTY_SMTP_PASSWORD="wrong")
    assert run_daily(services, NOW).waiting == 1
    (notice,) = notices(services)
    assert "refused the session" in notice.error and "wrong" not in notice.error
    assert "wrong" not in caplog.text

    use_smtp(services, smtp_port, LOYALTY_SMTP_USERNAME="rewards", LOYALTY_SMTP_PASSWORD="right")
    assert send_due(services, NOW + timedelta(hours=1)).sent == 1 and len(inbox.messages) == 1


def test_two_concurrent_senders_send_each_notice_once(services, woo_shop, smtp_port, mailed,
                                                      inbox):
    for n in range(6):
        member(services, woo_shop, f"m{n}@example.com", date(1990, 6, 15))
    with services.db.transaction() as session:
        assert record_birthdays(session, NOW) == 6
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(send_due(mailed, NOW)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 6
    assert sorted(m["To"] for m in inbox.messages) == [f"m{n}@example.com" for n in range(6)]


def test_without_a_mail_server_notices_wait(services, woo_shop):
    member(services, woo_shop, "alice@example.com", date(1990, 6, 15))
    report = run_daily(services, NOW)
    assert (report.birthdays, report.sent, report.waiting) == (1, 0, 1)
    assert [(n.status, n.attempts) for n in notices(services)] == [("due", 0)]


def test_a_redacted_customer_is_skipped(mailed, woo_shop, inbox):
    alice = member(mailed, woo_shop, "alice@example.com", date(1990, 6, 15))
    with mailed.db.transaction() as session:
        record_birthdays(session, NOW)
        session.get(Customer, alice).email = None
    assert send_due(mailed, NOW).skipped == 1
    assert notices(mailed)[0].status == "skipped" and inbox.messages == []


def test_a_send_interrupted_by_a_crash_is_failed_and_never_resent(mailed, woo_shop, inbox):
    member(mailed, woo_shop, "alice@example.com", date(1990, 6, 15))
    with mailed.db.transaction() as session:
        record_birthdays(session, NOW)
        session.scalar(select(Notice)).status = "sending"
        session.scalar(select(Notice)).claimed_at = NOW
    assert send_due(mailed, NOW + timedelta(minutes=10)).failed == 0  # maybe still sending
    assert send_due(mailed, NOW + timedelta(minutes=16)).failed == 1
    assert send_due(mailed, NOW + timedelta(minutes=30)).failed == 0
    assert (notices(mailed)[0].status, notices(mailed)[0].error) == ("failed", INTERRUPTED)
    assert inbox.messages == []


def test_cli_runs_the_day_and_lists_notices(services, settings, woo_shop, monkeypatch):
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    member(services, woo_shop, "alice@example.com", date(1990, 6, 15))
    group, context = click.Group("loyalty"), Context()
    register(group)
    runner = CliRunner()
    done = runner.invoke(group, ["notices", "run", "--date", "2031-06-15"], obj=context)
    listed = runner.invoke(group, ["notices", "list", "--status", "due", "--json"], obj=context)
    context.services.close()
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "birthdays: 1, reminders: 0, sent: 0, failed: 0, waiting: 1",
        ("no mail server configured: set LOYALTY_SMTP_HOST and LOYALTY_MAIL_FROM to send "
         "the waiting e-mails")]
    (row,) = json.loads(listed.output)
    assert (row["kind"], row["status"], row["subject"]) == (
        "birthday", "due", "Happy birthday: 250 points from Example Rewards")


@pytest.mark.parametrize(("name", "value", "words"), [
    ("LOYALTY_SMTP_PORT", "smtp", "port number from 1 to 65535"),
    ("LOYALTY_SMTP_PORT", "70000", "port number from 1 to 65535"),
    ("LOYALTY_SMTP_SECURITY", "tls", "expected one of none, starttls, ssl"),
    ("LOYALTY_MAIL_FROM", "", "required when LOYALTY_SMTP_HOST is set"),
    ("LOYALTY_MAIL_FROM", "rewards at example", "expected an e-mail address"),
    ("LOYALTY_SMTP_PASSWORD", "", "expected it with LOYALTY_SMTP_USERNAME"),
])
def test_bad_mail_setting_names_the_variable(tmp_path, name, value, words):
    env = {"LOYALTY_INSTANCE_PATH": str(tmp_path), "LOYALTY_SMTP_HOST": "smtp.example.com",
           "LOYALTY_MAIL_FROM": SENDER, "LOYALTY_SMTP_USERNAME": "rewards",
           "LOYALTY_SMTP_PASSWORD": "s3cret", name: value}
    with pytest.raises(ConfigError) as error:
        load_config(env)
    assert str(error.value).startswith(f"{name}: ") and words in str(error.value)


@pytest.mark.parametrize(("security", "port"), [("", 587), ("ssl", 465), ("none", 25)])
def test_mail_port_defaults_follow_the_security(tmp_path, security, port):
    config = load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path), "LOYALTY_MAIL_FROM": SENDER,
                          "LOYALTY_SMTP_HOST": "smtp.example.com",
                          "LOYALTY_SMTP_SECURITY": security, "LOYALTY_SMTP_PASSWORD": "s3cret",
                          "LOYALTY_SMTP_USERNAME": "rewards"})
    assert config.mail.port == port and "s3cret" not in repr(config)
    assert load_config({"LOYALTY_INSTANCE_PATH": str(tmp_path)}).mail is None
