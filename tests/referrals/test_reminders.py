"""Deadlines in Bishkek time, overdue referrals on the home page and in the case list of
the referring centre (and nowhere else), and the reminders a timer sends: once per
referral, whatever the number of runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from referral.cases.timeutil import BISHKEK
from referral.db import utcnow
from referral.extensions import db
from referral.notifications.models import Notification, NotificationKind
from referral.referrals.models import Referral, ReferralStatus, Urgency
from referral.referrals.service import lifecycle, reminders
from tests.notifications.smtp import SMTPReceiver
from tests.notifications.support import mail_on, notifications, open_case, send, world

K = NotificationKind
U = Urgency


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BISHKEK)


# --- deadline arithmetic ----------------------------------------------------------------


def test_immediate_sent_late_evening_is_due_the_same_time_next_day_local():
    due = lifecycle.deadline(local(2026, 3, 10, 23, 30), U.IMMEDIATE)
    assert due.astimezone(BISHKEK) == local(2026, 3, 11, 23, 30)
    assert due.astimezone(UTC) == datetime(2026, 3, 11, 17, 30, tzinfo=UTC)  # UTC+6


def test_a_deadline_across_the_month_and_year_end():
    assert lifecycle.deadline(local(2026, 1, 31, 22, 0), U.URGENT).astimezone(BISHKEK) == local(
        2026, 2, 3, 22, 0
    )
    assert lifecycle.deadline(local(2028, 2, 28, 12, 0), U.URGENT).astimezone(BISHKEK) == local(
        2028, 3, 2, 12, 0
    )  # a leap year: 29 February counts
    assert lifecycle.deadline(local(2026, 12, 31, 23, 59), U.IMMEDIATE).astimezone(
        BISHKEK
    ) == local(2027, 1, 1, 23, 59)


def test_no_daylight_saving_in_bishkek():
    # The last Sunday of March, when Europe's clocks move: Bishkek's do not.
    sent = local(2026, 3, 28, 12, 0)
    due = lifecycle.deadline(sent, U.IMMEDIATE).astimezone(BISHKEK)
    assert due == local(2026, 3, 29, 12, 0)
    assert due.utcoffset() == sent.utcoffset() == timedelta(hours=6)


def test_routine_comes_from_the_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "REFERRAL_ROUTINE_HOURS", 120)
    sent = local(2026, 4, 30, 9, 0)
    assert lifecycle.deadline(sent, U.ROUTINE).astimezone(BISHKEK) == local(2026, 5, 5, 9, 0)
    w = world()
    referral = send(w, urgency=U.ROUTINE)
    assert referral.due_at - referral.sent_at == timedelta(hours=120)


def test_overdue_turns_at_the_deadline_across_midnight():
    referral = Referral(status=ReferralStatus.SENT, due_at=local(2026, 3, 11, 0, 30))
    assert not lifecycle.is_overdue(referral, local(2026, 3, 11, 0, 29))
    assert lifecycle.is_overdue(referral, local(2026, 3, 11, 0, 31))


# --- overdue lists ----------------------------------------------------------------------


@pytest.fixture
def w():
    return world()


def overdue(referral, hours=1):
    referral.due_at = utcnow() - timedelta(hours=hours)
    db.session.flush()
    return referral


def test_overdue_referrals_are_the_referring_centres_only(w):
    late = overdue(send(w))
    send(w)  # not yet due
    answered = overdue(send(w))
    lifecycle.provider_step(w.officer, answered, ReferralStatus.ACKNOWLEDGED, answered.lock_version)
    db.session.flush()
    [row] = reminders.overdue_referrals(w.owner)
    assert (row.referral_id, row.case_id, row.case_code) == (
        late.id,
        late.case_id,
        late.case.case_code,
    )
    assert [r.referral_id for r in reminders.overdue_referrals(w.supervisor)] == [late.id]
    assert reminders.overdue_referrals(w.bystander) == []  # same centre, not her case
    assert reminders.overdue_referrals(w.other_worker) == []
    assert reminders.overdue_referrals(w.other_supervisor) == []
    assert reminders.overdue_referrals(w.officer) == []  # never case codes to a provider


def test_the_overdue_query_walks_the_status_deadline_index(w):
    """The index is usable for the overdue filter (PostgreSQL: with sequential scans off,
    as a large table would make the planner choose; SQLite picks it on its own)."""
    bind = db.session.get_bind()
    query = (
        select(Referral.id)
        .where(*reminders._overdue(utcnow()))
        .compile(bind, compile_kwargs={"literal_binds": True})
    )
    if bind.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = db.session.execute(text(f"EXPLAIN {query}")).all()
    else:
        plan = db.session.execute(text(f"EXPLAIN QUERY PLAN {query}")).all()
    assert "ix_referrals_status_due" in repr(plan)


def test_the_home_page_shows_overdue_referrals_to_the_case_staff_only(w, login_as):
    late = overdue(send(w))
    row = f"{late.case.case_code}: referral overdue"
    for user in (w.owner, w.colleague, w.supervisor):
        page = login_as(user).get("/").get_data(as_text=True)
        assert row in page
        assert f'href="/referrals/{late.id}"' in page
    for user in (w.bystander, w.other_worker, w.other_supervisor):
        assert "referral overdue" not in login_as(user).get("/").get_data(as_text=True)


def test_the_case_list_marks_cases_with_an_overdue_referral(w, login_as):
    late = overdue(send(w))
    calm = open_case(w, name="Jyldyz Asanova")
    send(w, calm)
    page = login_as(w.owner).get("/cases/").get_data(as_text=True)
    rows = page.split("<tr>")
    [flagged] = [row for row in rows if "referral overdue" in row]
    assert late.case.case_code in flagged
    assert any(calm.case_code in row for row in rows)


# --- reminders --------------------------------------------------------------------------


def test_reminders_tell_the_caseworkers_and_supervisors_once(w):
    late = overdue(send(w))
    lock, changed = late.lock_version, late.updated_at
    first = reminders.send_reminders()
    assert (first.referrals, first.notifications) == (1, 3)
    told = {n.user_id for n in notifications(kind=K.OVERDUE)}
    assert told == {w.owner.id, w.colleague.id, w.supervisor.id}
    assert reminders.send_reminders() == reminders.ReminderRun(0, 0)
    assert len(notifications(kind=K.OVERDUE)) == 3
    db.session.expire(late)
    assert late.overdue_notified_at is not None
    # Not an edit: a provider's open form (its version) and the list order stay valid.
    assert (late.lock_version, late.updated_at) == (lock, changed)
    lifecycle.provider_step(w.officer, late, ReferralStatus.ACKNOWLEDGED, lock)


def test_reminders_in_batches_and_only_for_overdue_unanswered_referrals(w):
    late = [overdue(send(w)) for _ in range(3)]
    answered = overdue(send(w))
    lifecycle.provider_step(w.officer, answered, ReferralStatus.ACCEPTED, answered.lock_version)
    lifecycle.withdraw_referral(w.owner, late[2], late[2].lock_version)
    send(w)  # not yet due
    db.session.flush()
    run = reminders.send_reminders(batch=1)
    assert run.referrals == 2
    assert {n.referral_id for n in notifications(kind=K.OVERDUE)} == {late[0].id, late[1].id}
    assert (
        db.session.execute(
            select(Notification).where(
                Notification.kind == K.OVERDUE, Notification.user_id == w.other_supervisor.id
            )
        ).first()
        is None
    )


def test_the_remind_command_commits_once_and_mails_after_commit(app, monkeypatch, w):
    late = overdue(send(w))
    db.session.commit()
    with SMTPReceiver() as smtp:
        mail_on(app, monkeypatch, smtp.port)
        result = app.test_cli_runner().invoke(args=["referrals", "remind"])
        assert result.exit_code == 0, result.output
        assert "1 overdue referral(s) reminded; 3 notification(s)." in result.output
        again = app.test_cli_runner().invoke(args=["referrals", "remind"])
        assert "0 overdue referral(s) reminded" in again.output
        got = sorted(r.recipients[0] for r in smtp.messages)
    assert got == ["colleague@centre.example", "owner@centre.example", "supervisor@centre.example"]
    assert {r.message["Subject"] for r in smtp.messages} == {"A referral is overdue"}
    assert all(late.case.case_code not in r.data.decode() for r in smtp.messages)
