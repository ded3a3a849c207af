"""Optional e-mail: off unless configured; the same content-free text and a link; sent
only once the transaction has committed; never a failure for the person acting."""

from __future__ import annotations

import logging
import socket

import pytest
from sqlalchemy import select

from referral.extensions import db
from referral.notifications import mail
from referral.notifications.models import Notification, NotificationKind
from referral.referrals.models import ReferralStatus
from referral.referrals.service import lifecycle
from tests.notifications.support import BASE_URL, mail_on, open_case, send, world


@pytest.fixture
def w():
    return world()


def test_email_is_off_by_default(app, w):
    assert mail.settings() is None
    send(w)
    db.session.commit()  # nothing queued, nothing to send, nothing fails
    assert db.session.info.get("notification_mail") is None


def test_a_new_referral_mails_the_focal_points_with_an_address_after_commit(smtp, w):
    case = open_case(w, name="Canarykhan Zzqvyx")
    referral = send(w, case, summary="CANARY-SUMMARY-51ac")
    assert smtp.messages == []  # not before the commit
    db.session.commit()
    [received] = smtp.messages  # officer2 has no address; the retired officer is inactive
    assert received.recipients == ["officer@police.example"]
    message = received.message
    assert message["Subject"] == "A new referral is waiting"
    assert message["From"] == "no-reply@referral.example.kg"
    assert message["Auto-Submitted"] == "auto-generated"
    notification = db.session.execute(
        select(Notification).where(Notification.user_id == w.officer.id)
    ).scalar_one()
    assert f"{BASE_URL}/notifications/{notification.id}" in received.body
    raw = received.data.decode()
    for needle in (
        "Canarykhan",
        "Zzqvyx",
        "CANARY",
        case.case_code,
        str(case.id),
        str(referral.id),
        w.police.name_en,
        w.owner.username,
    ):
        assert needle not in raw


def test_nothing_is_sent_when_the_action_is_rolled_back(smtp, w):
    send(w)
    db.session.rollback()
    db.session.commit()  # a later commit does not send what was rolled back
    assert smtp.messages == []
    assert db.session.execute(select(Notification)).first() is None


def test_a_status_change_mails_the_caseworkers_in_their_language(smtp, w):
    w.owner.locale = "ru"
    referral = send(w)
    db.session.commit()
    lifecycle.provider_step(w.officer, referral, ReferralStatus.ACCEPTED, referral.lock_version)
    db.session.commit()
    got = {r.recipients[0]: r.message["Subject"] for r in smtp.messages[1:]}
    assert set(got) == {"owner@centre.example", "colleague@centre.example"}
    # Untranslated for now: the catalogue falls back to the English text, never a detail.
    assert set(got.values()) == {
        str(NotificationKind.STATUS_CHANGED.LABELS[NotificationKind.STATUS_CHANGED])
    }


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_relay_never_fails_the_action_and_logs_the_type_only(
    app, monkeypatch, caplog, w
):
    mail_on(app, monkeypatch, _closed_port())
    referral = send(w)
    with caplog.at_level(logging.WARNING, logger="referral.notifications.mail"):
        db.session.commit()  # does not raise
    assert db.session.get(type(referral), referral.id) is not None
    [record] = [r for r in caplog.records if r.name == "referral.notifications.mail"]
    assert record.getMessage() == "notification e-mail not sent: ConnectionRefusedError"


def test_a_refused_address_does_not_stop_the_others(smtp, caplog, w):
    w.officer.email = "refused@police.example"
    w.officer2.email = "second@police.example"
    send(w)
    with caplog.at_level(logging.WARNING, logger="referral.notifications.mail"):
        db.session.commit()
    assert [r.recipients for r in smtp.messages] == [["second@police.example"]]
    messages = [r.getMessage() for r in caplog.records if r.name == "referral.notifications.mail"]
    assert messages == ["notification e-mail refused: SMTPRecipientsRefused"]
    assert "refused@" not in caplog.text


def test_an_incomplete_configuration_keeps_email_off(app, monkeypatch):
    mail_on(app, monkeypatch, 25)
    monkeypatch.setitem(app.config, "MAIL_LINK_BASE_URL", None)
    assert mail.settings() is None  # links are never built from the request's Host
    monkeypatch.setitem(app.config, "MAIL_LINK_BASE_URL", BASE_URL)
    monkeypatch.setitem(app.config, "MAIL_SMTP_TLS", "maybe")
    with pytest.raises(ValueError, match="MAIL_SMTP_TLS"):
        mail.settings()
