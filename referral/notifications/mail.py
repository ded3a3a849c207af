"""Optional e-mail for notifications, through an SMTP relay (off unless configured).

A message says what the in-app notification says (that something is waiting) and gives
an absolute link to the notification, which needs signing in; nothing else. Messages are
queued on the database session and sent only once its transaction has committed, so an
action that is rolled back sends nothing. Sending never fails the request or the
command: a failure is logged by its type only (an SMTP error can quote an address).

The request waits for the relay: point MAIL_SMTP_HOST at a relay on the same host or
network (postfix, nullmailer, the organisation's submission server) that queues and
retries, not at a distant mailbox provider (docs/notifications.md).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_QUEUE = "notification_mail"
TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    tls: str
    user: str | None
    password_file: str | None
    timeout: float
    base_url: str


def settings(config=None) -> MailSettings | None:
    """The SMTP settings, or None when e-mail is off: it needs a relay, a sender and the
    public address of the application (links are never built from the request's Host
    header, which whoever sends the request chooses)."""
    config = config if config is not None else current_app.config
    host = config.get("MAIL_SMTP_HOST")
    sender = config.get("MAIL_FROM")
    base_url = (config.get("MAIL_LINK_BASE_URL") or "").rstrip("/")
    if not host or not sender or not base_url:
        return None
    tls = config.get("MAIL_SMTP_TLS", "starttls")
    if tls not in TLS_MODES:
        raise ValueError(f"MAIL_SMTP_TLS must be one of {TLS_MODES}")
    password_file = config.get("MAIL_SMTP_PASSWORD_FILE")
    if password_file and not Path(password_file).is_absolute():
        password_file = str(Path(current_app.instance_path) / password_file)
    return MailSettings(
        host=host,
        port=int(config.get("MAIL_SMTP_PORT", 587)),
        sender=sender,
        tls=tls,
        user=config.get("MAIL_SMTP_USER") or None,
        password_file=password_file or None,
        timeout=float(config.get("MAIL_SMTP_TIMEOUT", 10)),
        base_url=base_url,
    )


def compose(mail: MailSettings, to: str, text: str, path: str, locale: str | None):
    """The whole message: the content-free text, the link, and a line saying why it came."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        footer = _(
            "Sign in to see it. This message was sent by the GBV referral pathway; "
            "it contains nothing else."
        )
        message = EmailMessage()
        message["From"] = mail.sender
        message["To"] = to
        message["Subject"] = text
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        message.set_content(f"{text}\n\n{mail.base_url}{path}\n\n{footer}\n")
    return message


def queue(session: Session, mail: MailSettings, message: EmailMessage) -> None:
    """Send `message` once the session's transaction commits; forget it on rollback."""
    pending = session.info.setdefault(_QUEUE, [])
    pending.append((mail, message))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(_QUEUE, None)
    if pending:
        deliver(pending)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction) -> None:
    """The outermost transaction ended without a commit: nothing it queued is sent."""
    if transaction.parent is not None or transaction.nested:
        return
    session.info.pop(_QUEUE, None)


def deliver(pending: list[tuple[MailSettings, EmailMessage]]) -> int:
    """Send the messages over one connection per relay. Returns how many were accepted.
    Never raises: the action they announce has already been committed."""
    sent = 0
    by_relay: dict[MailSettings, list[EmailMessage]] = {}
    for mail, message in pending:
        by_relay.setdefault(mail, []).append(message)
    for mail, messages in by_relay.items():
        try:
            with _connect(mail) as smtp:
                for message in messages:
                    try:
                        smtp.send_message(message)
                        sent += 1
                    except smtplib.SMTPException as exc:  # one refused address
                        log.warning("notification e-mail refused: %s", type(exc).__name__)
        except Exception as exc:  # the request must not fail after its commit
            log.warning("notification e-mail not sent: %s", type(exc).__name__)
    return sent


def _connect(mail: MailSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if mail.tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            mail.host, mail.port, timeout=mail.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    try:
        if mail.tls == "starttls":
            smtp.starttls(context=context)
        if mail.user:
            password = Path(mail.password_file).read_text().strip() if mail.password_file else ""
            smtp.login(mail.user, password)
    except BaseException:
        smtp.close()
        raise
    return smtp
