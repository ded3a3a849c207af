"""The header's unread count, the notifications page, opening and "mark all read"; a
link never opens what the page behind it refuses."""

from __future__ import annotations

import re

import pytest

from referral.auth.models import User
from referral.cases import service as cases
from referral.cases.models import Case
from referral.extensions import db
from referral.notifications import service
from referral.notifications.models import Notification, NotificationKind
from referral.referrals.models import ReferralStatus
from referral.referrals.service import lifecycle
from tests.notifications.support import notifications, open_case, send, world

K = NotificationKind
BADGE = re.compile(r'Notifications <span class="badge warn" title="unread">([0-9+]+)</span>')


@pytest.fixture
def w():
    return world()


def _badge(browser) -> str | None:
    match = BADGE.search(browser.get("/").get_data(as_text=True))
    return match.group(1) if match else None


def test_every_signed_in_user_sees_their_unread_count_in_the_header(w, login_as):
    send(w)
    send(w)
    assert _badge(login_as(w.officer)) == "2"
    assert _badge(login_as(w.officer2)) == "2"
    worker = login_as(w.owner)
    assert _badge(worker) is None  # nothing unread: no badge
    assert "Notifications" in worker.get("/").get_data(as_text=True)


def test_a_long_backlog_shows_99_plus(w, login_as):
    db.session.add_all(
        Notification(user_id=w.owner.id, kind=K.OVERDUE, link="/")
        for _ in range(service.UNREAD_CAP)
    )
    assert _badge(login_as(w.owner)) == "99+"


def test_the_page_lists_newest_first_and_opening_marks_read(w, login_as):
    case = open_case(w)
    first = send(w, case)
    second = send(w, case)
    officer = login_as(w.officer)
    page = officer.get("/notifications/").get_data(as_text=True)
    assert page.count("A new referral is waiting") == 2
    assert case.case_code not in page
    assert "Aigul" not in page
    older, newer = notifications(w.officer)
    assert page.index(str(newer.id)) < page.index(str(older.id))
    response = officer.get(f"/notifications/{older.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{first.id}"
    assert db.session.get(Notification, older.id).read_at is not None
    assert db.session.get(Notification, newer.id).read_at is None
    assert _badge(officer) == "1"
    assert second.id  # the newer one stays unread until opened


def test_mark_all_read(w, login_as):
    send(w)
    send(w)
    officer = login_as(w.officer)
    response = officer.post("/notifications/read")
    assert response.status_code == 302
    assert "All notifications are marked as read." in officer.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert _badge(officer) is None
    assert service.unread_count(w.officer2) == 2  # only one's own


def test_mark_all_read_needs_the_form_token(w, login_as):
    send(w)
    officer = login_as(w.officer)
    assert officer.post("/notifications/read", csrf=False).status_code == 400
    assert service.unread_count(w.officer) == 1


def test_someone_elses_notification_answers_404_and_stays_unread(w, login_as):
    send(w)
    theirs = notifications(w.officer)[0]
    assert login_as(w.officer2).get(f"/notifications/{theirs.id}").status_code == 404
    assert login_as(w.supervisor).get(f"/notifications/{theirs.id}").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


def test_a_link_to_a_referral_no_longer_in_scope_answers_404(w, login_as):
    referral = send(w)
    lifecycle.provider_step(w.officer, referral, ReferralStatus.ACCEPTED, referral.lock_version)
    db.session.flush()
    told = notifications(w.colleague, K.STATUS_CHANGED)[0]
    colleague = login_as(w.colleague)
    link = colleague.get(f"/notifications/{told.id}").headers["Location"]
    assert colleague.get(link).status_code == 200  # assigned: the referral page opens
    # Taken off the case: the same notification leads to a 404, it grants nothing.
    case = db.session.get(Case, referral.case_id)
    cases.assign_case(db.session.get(User, w.supervisor.id), case, w.owner.id, [])
    db.session.flush()
    assert colleague.get(f"/notifications/{told.id}").headers["Location"] == link
    assert colleague.get(link).status_code == 404


def test_a_provider_who_left_the_organisation_cannot_follow_the_link(w, login_as):
    send(w)
    told = notifications(w.officer2)[0]
    w.officer2.organisation = w.other_police
    db.session.flush()
    officer = login_as(w.officer2)
    link = officer.get(f"/notifications/{told.id}").headers["Location"]
    assert officer.get(link).status_code == 404


def test_a_stored_link_to_another_site_is_never_followed(w, login_as):
    planted = Notification(user_id=w.owner.id, kind=K.FEEDBACK, link="//evil.example/x")
    db.session.add(planted)
    response = login_as(w.owner).get(f"/notifications/{planted.id}")
    assert response.headers["Location"] == "/notifications/"
