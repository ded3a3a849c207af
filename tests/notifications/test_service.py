"""Who is told what, and that a notification says nothing but that something waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referral.cases import service as cases
from referral.cases.models import ErasureReason
from referral.db import utcnow
from referral.extensions import db
from referral.notifications import service
from referral.notifications.models import Notification, NotificationKind
from referral.referrals.models import DeclineReason, ReferralStatus
from referral.referrals.service import lifecycle
from tests.notifications.support import notifications, open_case, recipients, send, world

K = NotificationKind
S = ReferralStatus


@pytest.fixture
def w():
    return world()


def _step(user, referral, to, **kwargs):
    lifecycle.provider_step(user, referral, to, referral.lock_version, **kwargs)
    db.session.flush()


def test_a_new_referral_tells_the_active_focal_points_of_the_receiving_organisation(w):
    referral = send(w)
    assert recipients(K.NEW_REFERRAL) == {w.officer.id, w.officer2.id}
    [first, _second] = notifications(kind=K.NEW_REFERRAL)
    assert first.link == f"/referrals/{referral.id}"
    assert first.text == "A new referral is waiting"
    assert first.read_at is None
    # Nobody else: not the sender, not the centre, not another police organisation.
    assert recipients(K.STATUS_CHANGED) == recipients(K.OVERDUE) == set()


def test_a_status_change_tells_the_referring_caseworkers_not_the_provider(w):
    referral = send(w)
    _step(w.officer, referral, S.ACKNOWLEDGED)
    # The owner, the assigned colleague (the sender is the owner); not a colleague off
    # the case, not the supervisor, not the provider who acted.
    assert recipients(K.STATUS_CHANGED) == {w.owner.id, w.colleague.id}
    _step(w.officer2, referral, S.DECLINED, decline_reason=DeclineReason.NOT_ELIGIBLE)
    assert len(notifications(w.owner, K.STATUS_CHANGED)) == 2


def test_the_sender_is_told_too_when_a_supervisor_sent_it(w):
    referral = send(w, sender=w.supervisor)
    _step(w.officer, referral, S.ACCEPTED)
    assert recipients(K.STATUS_CHANGED) == {w.owner.id, w.colleague.id, w.supervisor.id}


def test_feedback_tells_the_referring_caseworkers_once_even_with_a_step(w):
    referral = send(w)
    _step(w.officer, referral, S.ACCEPTED)
    lifecycle.write_feedback(w.officer, referral, "Seen today; next visit Monday.")
    db.session.flush()
    assert recipients(K.FEEDBACK) == {w.owner.id, w.colleague.id}
    # A step written with feedback is one action: one notification for each person.
    before = len(notifications(w.owner))
    _step(w.officer, referral, S.SERVICE_PROVIDED, feedback="Counselling given.")
    assert len(notifications(w.owner)) == before + 1


def test_who_acts_is_not_told_of_their_own_act(w):
    referral = send(w)
    _step(w.officer, referral, S.ACCEPTED)
    _step(w.officer, referral, S.SERVICE_PROVIDED)
    assert len(notifications(w.owner, K.STATUS_CHANGED)) == 2
    assert len(notifications(w.colleague, K.STATUS_CHANGED)) == 2
    lifecycle.complete_referral(w.colleague, referral, referral.lock_version)
    db.session.flush()
    assert len(notifications(w.owner, K.STATUS_CHANGED)) == 3
    assert len(notifications(w.colleague, K.STATUS_CHANGED)) == 2
    assert notifications(w.officer, K.STATUS_CHANGED) == []


def test_deactivated_and_moved_staff_are_not_told(w):
    referral = send(w)
    w.colleague.is_active_account = False
    w.owner.organisation = w.other_crisis  # moved to another centre
    db.session.flush()
    _step(w.officer, referral, S.ACCEPTED)
    assert recipients(K.STATUS_CHANGED) == set()


def test_unread_counts_and_marking_read(w):
    for _ in range(3):
        send(w)
    assert service.unread_count(w.officer) == 3
    assert service.unread_count(w.owner) == 0
    first = notifications(w.officer)[0]
    assert service.open_notification(w.officer, first) == first.link
    assert service.unread_count(w.officer) == 2
    read_at = first.read_at
    service.open_notification(w.officer, first)  # opening again changes nothing
    assert first.read_at == read_at
    assert service.mark_all_read(w.officer) == 2
    assert service.unread_count(w.officer) == 0
    assert service.unread_count(w.officer2) == 3  # each person's own


def test_the_unread_count_stops_at_the_cap(w):
    db.session.add_all(
        Notification(user_id=w.owner.id, kind=K.OVERDUE, link="/")
        for _ in range(service.UNREAD_CAP + 5)
    )
    db.session.flush()
    assert service.unread_count(w.owner) == service.UNREAD_CAP


def test_the_list_is_newest_first_by_keyset(w):
    start = utcnow() - timedelta(days=1)
    made = [
        Notification(
            user_id=w.owner.id, kind=K.FEEDBACK, link="/", created_at=start + timedelta(minutes=i)
        )
        for i in range(service.PAGE_SIZE + 3)
    ]
    db.session.add_all(made)
    db.session.add(Notification(user_id=w.colleague.id, kind=K.FEEDBACK, link="/"))
    db.session.flush()
    page = service.list_notifications(w.owner)
    assert [r.id for r in page.rows] == [n.id for n in reversed(made)][: service.PAGE_SIZE]
    assert page.first
    assert page.next_cursor
    rest = service.list_notifications(w.owner, page.next_cursor)
    assert [r.id for r in rest.rows] == [n.id for n in reversed(made[:3])]
    assert not rest.first
    assert rest.next_cursor is None
    # A malformed cursor starts at the top, never an error.
    assert service.list_notifications(w.owner, "zz.not-a-cursor").first


def test_someone_elses_notification_cannot_be_opened(w):
    send(w)
    theirs = notifications(w.officer)[0]
    with pytest.raises(PermissionError):
        service.open_notification(w.officer2, theirs)
    assert theirs.read_at is None


@pytest.mark.parametrize(
    "link", ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "/\\evil", ""]
)
def test_only_internal_links_are_followed(link):
    assert service.safe_link(link) is None


def test_erasing_a_case_removes_the_notifications_of_its_referrals(w):
    referral = send(w)
    kept = send(w)
    _step(w.officer, referral, S.ACCEPTED)
    cases.erase_case(w.supervisor, referral.case, ErasureReason.SURVIVOR_REQUEST)
    db.session.flush()
    left = notifications()
    assert left
    assert {n.referral_id for n in left} == {kept.id}


def test_no_notification_carries_a_name_a_case_code_or_a_summary(w):
    case = open_case(w, name="Canarykhan Zzqvyx")
    referral = send(w, case, summary="CANARY-SUMMARY-9f3e Жылдызканарейка")
    _step(w.officer, referral, S.ACKNOWLEDGED)
    _step(w.officer, referral, S.ACCEPTED, feedback="CANARY-FEEDBACK-77ab")
    lifecycle.write_feedback(w.officer, referral, "CANARY-FEEDBACK-88cd")
    db.session.flush()
    rows = notifications()
    assert {n.kind for n in rows} == {K.NEW_REFERRAL, K.STATUS_CHANGED, K.FEEDBACK}
    texts = {
        K.NEW_REFERRAL: "A new referral is waiting",
        K.STATUS_CHANGED: "A referral you sent changed status",
        K.FEEDBACK: "New feedback on a referral",
    }
    for n in rows:
        assert n.text == texts[n.kind]
        stored = repr([getattr(n, c.key) for c in Notification.__table__.columns])
        for needle in ("Canarykhan", "Zzqvyx", "CANARY", "канарейка", case.case_code, str(case.id)):
            assert needle not in stored
        assert n.link == f"/referrals/{referral.id}"


def test_a_notification_row_knows_nothing_but_kind_link_and_times():
    columns = {c.key for c in Notification.__table__.columns}
    assert columns == {"id", "user_id", "kind", "link", "referral_id", "created_at", "read_at"}


def test_a_withdrawal_tells_the_providers_focal_points_to_stop(w):
    referral = send(w)
    lifecycle.withdraw_referral(w.owner, referral, referral.lock_version)
    db.session.flush()
    assert recipients(K.WITHDRAWN) == {w.officer.id, w.officer2.id}
    [told, _other] = notifications(kind=K.WITHDRAWN)
    assert told.text == "A referral to your organisation was withdrawn"
    assert told.link == f"/referrals/{referral.id}"
