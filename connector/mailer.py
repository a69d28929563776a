"""Sending one e-mail through the configured SMTP server, with errors sorted into retry-or-stop.

Anything that goes wrong before the message is handed over (cannot connect, TLS, login) is about
the server, not the message: transient, and `unreachable`, so the caller stops its batch instead
of waiting out a timeout per message. Once connected, a 5xx reply is permanent and a 4xx transient.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from connector.mail_config import Mail

TIMEOUT_SECONDS = 30


class MailError(Exception):
    """The message was not accepted; `permanent` says a retry cannot help."""

    def __init__(self, message: str, permanent: bool, unreachable: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable


def _message(mail: Mail, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    try:
        message["From"] = mail.sender
        message["To"] = to
        message["Subject"] = subject
    except ValueError as exc:  # a line break in a header: no retry can fix the text
        raise MailError(f"message cannot be sent: {exc}", permanent=True) from None
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(mail.sender)[1].rpartition("@")[2])
    message.set_content(body)
    return message


def _connect(mail: Mail) -> smtplib.SMTP:
    """An open, authenticated connection, or MailError(unreachable=True)."""
    context = ssl.create_default_context()
    try:
        if mail.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(mail.host, mail.port, timeout=TIMEOUT_SECONDS,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=TIMEOUT_SECONDS)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot reach SMTP server {mail.host}:{mail.port}: {exc}",
                        permanent=False, unreachable=True) from None
    try:
        if mail.starttls:
            smtp.starttls(context=context)
        if mail.username:
            smtp.login(mail.username, mail.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        # smtplib's messages carry the server's reply, never the password we sent
        raise MailError(f"SMTP server {mail.host}:{mail.port} refused the session: {exc}",
                        permanent=False, unreachable=True) from None
    return smtp


def _refused(exc: smtplib.SMTPRecipientsRefused) -> MailError:
    codes = [code for code, _reply in exc.recipients.values()]
    replies = "; ".join(f"{to}: {code} {reply.decode(errors='replace')}"
                        for to, (code, reply) in exc.recipients.items())
    return MailError(f"recipient refused: {replies}", permanent=all(c >= 500 for c in codes))


def _delivery_error(exc: Exception) -> MailError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _refused(exc)
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, data refused, ...
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return MailError(f"SMTP {exc.smtp_code}: {reply}", permanent=exc.smtp_code >= 500)
    if isinstance(exc, smtplib.SMTPNotSupportedError | ValueError):
        return MailError(f"message cannot be sent: {exc}", permanent=True)
    return MailError(f"SMTP connection lost: {exc}", permanent=False)


def send(mail: Mail, to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the server, or raise MailError."""
    message = _message(mail, to, subject, body)
    smtp = _connect(mail)
    try:
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise _delivery_error(exc) from None
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
