"""Canary: a referral taken through every kind of notification (new, status change,
feedback, overdue) with canary values in the survivor's name, the summary and the
feedback. No notification row, no e-mail and no notifications page carries any of them,
nor the case code or the case's id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from referral.db import utcnow
from referral.extensions import db
from referral.notifications.models import Notification, NotificationKind
from referral.referrals.models import ReferralStatus
from referral.referrals.service import lifecycle, reminders
from tests.notifications.support import open_case, send, world

NAME = "Canarykhan Zzqvyxova"
SUMMARY = "CANARY-SUMMARY-3c1d Жылдызканарейка lives behind the mosque"
FEEDBACK = "CANARY-FEEDBACK-e07b next visit at her sister's"


def test_no_notification_or_email_carries_identifying_data_or_the_case_code(smtp, login_as):
    w = world()
    case = open_case(w, name=NAME)
    referral = send(w, case, summary=SUMMARY)
    db.session.commit()
    lifecycle.provider_step(w.officer, referral, ReferralStatus.ACKNOWLEDGED, referral.lock_version)
    db.session.commit()
    lifecycle.write_feedback(w.officer, referral, FEEDBACK)
    db.session.commit()
    other = send(w, case, summary=SUMMARY)
    other.due_at = utcnow() - timedelta(hours=2)
    db.session.flush()
    reminders.send_reminders()
    db.session.commit()
    lifecycle.withdraw_referral(w.owner, other, other.lock_version)
    db.session.commit()

    rows = list(db.session.execute(select(Notification)).scalars())
    assert {n.kind for n in rows} == set(NotificationKind)
    stored = repr([[getattr(n, c.key) for c in Notification.__table__.columns] for n in rows])
    mails = b"".join(r.data for r in smtp.messages).decode()
    assert len(smtp.messages) >= 4
    pages = "".join(
        login_as(user).get("/notifications/").get_data(as_text=True)
        for user in (w.owner, w.supervisor, w.officer)
    )
    needles = [*NAME.split(), *SUMMARY.split()[:2], *FEEDBACK.split()[:1], "CANARY"]
    # The phone in every form it could be written; not a 4-digit fragment, which a
    # random Message-ID contains now and then.
    needles += [case.case_code, str(case.id), "555321654", "555 321 654", "321 654"]
    for needle in needles:
        assert needle not in stored, needle
        assert needle not in mails, needle
        assert needle not in pages, needle
    # E-mails name no referral either: only the notification, behind a sign-in.
    assert str(referral.id) not in mails
    assert str(other.id) not in mails
    print(
        f"[security] notifications canary: {len(rows)} notifications, "
        f"{len(smtp.messages)} e-mails, 0 identifying values or case codes"
    )
