"""The provider's screens as a focal point uses them: the page of a referral and what
disappears from it when the referral stops being active, the steps (with their
refusals and the 409 of a referral changed meanwhile), feedback, notes; the inbox and
its header count; another organisation's referral is not found."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import policy as case_policy
from referral.cases.models import ConsentKind
from referral.cases.service import consent
from referral.cases.timeutil import BISHKEK, local_now
from referral.crypto import fields
from referral.crypto import grants as U
from referral.directory.models import OrganisationType
from referral.extensions import db
from referral.referrals import service
from referral.referrals.models import DeclineReason, Referral, ReferralEvent, ReferralStatus
from referral.referrals.views import provider as provider_views
from tests import factories
from tests.referrals.test_shared_by_type import VALUES, canary_case, provider_of, refer

S = ReferralStatus
NAME = VALUES["full_name"].split()[0]
NOTES = "Called her sister; CANARY-NOTE-ours Нашазаметка"


@pytest.fixture
def world():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    case, _at = canary_case(worker)
    officer = provider_of(OrganisationType.POLICE)
    referral = refer(worker, case, officer.organisation)
    return worker, case, officer, referral


def _url(referral, action=""):
    return f"/referrals/{referral.id}" + (f"/provider/{action}" if action else "")


def _post(browser, referral, action, **data):
    data.setdefault("lock_version", str(referral.lock_version))
    return browser.post(_url(referral, action), data)


def _page(browser, referral) -> str:
    response = browser.get(_url(referral))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _reload(record):
    """The record as the database has it now (a request ends the test's session)."""
    return db.session.get(type(record), record.id)


def _notes_then(browser, referral):
    assert _post(browser, referral, "notes", notes=NOTES).status_code == 302
    return _reload(referral)


def test_the_page_shows_the_shared_values_the_steps_and_records_the_read(world, login_as):
    _worker, case, officer, referral = world
    html = _page(login_as(officer), referral)
    assert NAME in html
    assert VALUES["address"].split()[0] in html
    assert "Answer by" in html
    assert "Confirm that you received it" in html
    assert case.case_code not in html
    event = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.action == "sensitive_read", AuditEvent.target_id == str(case.id))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).scalar_one()
    assert event.detail["referral"] == str(referral.id)
    assert U.NAME in event.detail["units"]
    assert U.PERPETRATOR_NAME in event.detail["units"]
    assert NAME not in repr(event.detail)


@pytest.mark.parametrize("end", ["withdrawn", "completed", "declined", "consent_withdrawn"])
def test_the_identifying_values_go_at_once_while_status_and_notes_stay(world, login_as, end):
    worker, case, officer, referral = world
    browser = login_as(officer)
    assert _post(browser, referral, "accept").status_code == 302
    referral = _reload(referral)
    assert _post(browser, referral, "feedback", service_given="Statement taken.").status_code == 302
    referral = _reload(referral)
    referral = _notes_then(browser, referral)
    worker, case = _reload(worker), _reload(case)
    if end == "withdrawn":
        service.withdraw_referral(worker, referral, referral.lock_version)
    elif end == "completed":
        for action in ("provided", "complete"):
            assert _post(browser, referral, action).status_code == 302
            referral = _reload(referral)
    elif end == "declined":
        assert _post(browser, referral, "decline", decline_reason="not_eligible").status_code == 302
    else:
        consent.withdraw_consent(
            worker, case, ConsentKind.RELEASE, consent.WithdrawInput(confirmed=True)
        )
    db.session.flush()
    referral = _reload(referral)
    html = _page(browser, referral)
    for secret in (NAME, VALUES["address"].split()[0], VALUES["perpetrator"].split()[0]):
        assert secret not in html
    assert "Her details are no longer shown to you" in html
    assert "CANARY-NOTE-ours" in html  # the provider's own notes remain
    assert "Statement taken." in html  # and its feedback
    expected = {
        "withdrawn": "Withdrawn",
        "completed": "Completed",
        "declined": "Declined",
        "consent_withdrawn": "Accepted",
    }[end]
    assert f'<span class="badge">{expected}</span>' in html
    if end == "consent_withdrawn":
        assert "withdrew her consent" in html


def test_an_answer_moves_the_referral_and_shows_who_did_what(world, login_as):
    _worker, _case, officer, referral = world
    browser = login_as(officer)
    response = _post(browser, referral, "acknowledge")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    referral = _reload(referral)
    assert referral.status == S.ACKNOWLEDGED
    assert referral.responded_at is not None
    assert _post(browser, referral, "accept").status_code == 302
    referral = _reload(referral)
    day = (local_now() + timedelta(days=3)).date()
    data = {"appointment_date": day.isoformat(), "appointment_time": "10:30"}
    assert _post(browser, referral, "appointment", **data).status_code == 302
    referral = _reload(referral)
    assert referral.status == S.APPOINTMENT_SCHEDULED
    local = referral.appointment_at.astimezone(BISHKEK)
    assert (local.date(), local.hour, local.minute) == (day, 10, 30)  # typed in Bishkek
    assert referral.appointment_at.utcoffset() == timedelta(0)
    assert _post(browser, referral, "provided").status_code == 302
    referral = _reload(referral)
    assert _post(browser, referral, "complete").status_code == 302
    referral = _reload(referral)
    assert referral.status == S.COMPLETED
    assert referral.closed_at is not None
    steps = db.session.execute(
        select(ReferralEvent.status_to, ReferralEvent.actor_id, ReferralEvent.on_behalf)
        .where(ReferralEvent.referral_id == referral.id, ReferralEvent.kind == "status")
        .order_by(ReferralEvent.at)
    ).all()
    assert [s for s, _a, _b in steps] == [
        S.SENT,
        S.ACKNOWLEDGED,
        S.ACCEPTED,
        S.APPOINTMENT_SCHEDULED,
        S.SERVICE_PROVIDED,
        S.COMPLETED,
    ]
    assert all(a == officer.id and not b for _s, a, b in steps[1:])
    html = _page(browser, referral)
    assert "Completed" in html
    assert "Confirm that you received it" not in html


def test_an_invalid_step_is_refused_with_the_clear_message(world, login_as):
    _worker, _case, officer, referral = world
    response = _post(login_as(officer), referral, "complete")
    assert response.status_code == 422
    assert "This step is not possible now: the referral is Sent." in response.get_data(as_text=True)
    referral = _reload(referral)
    assert referral.status == S.SENT


def test_decline_needs_a_reason_and_keeps_what_was_typed(world, login_as):
    _worker, _case, officer, referral = world
    browser = login_as(officer)
    response = _post(browser, referral, "decline", message="We have no interpreter today.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say why the referral is declined." in html
    assert "We have no interpreter today." in html
    referral = _reload(referral)
    assert referral.status == S.SENT
    data = {"decline_reason": "service_unavailable", "message": "No interpreter."}
    assert _post(browser, referral, "decline", **data).status_code == 302
    referral = _reload(referral)
    assert referral.status == S.DECLINED
    assert referral.decline_reason == DeclineReason.SERVICE_UNAVAILABLE
    assert "The service is not available" in _page(browser, referral)


def test_an_appointment_needs_a_date_and_time_not_in_the_past(world, login_as):
    _worker, _case, officer, referral = world
    browser = login_as(officer)
    assert _post(browser, referral, "accept").status_code == 302
    referral = _reload(referral)
    response = _post(browser, referral, "appointment", appointment_time="10:00")
    assert response.status_code == 422
    assert "Give the date and time of the appointment." in response.get_data(as_text=True)
    past = (local_now() - timedelta(days=5)).date().isoformat()
    response = _post(
        browser, referral, "appointment", appointment_date=past, appointment_time="10:00"
    )
    assert response.status_code == 422
    assert "The appointment cannot be in the past." in response.get_data(as_text=True)
    referral = _reload(referral)
    assert referral.status == S.ACCEPTED
    assert referral.appointment_at is None


def test_feedback_reaches_the_caseworker_and_is_refused_once_closed(world, login_as):
    worker, case, officer, referral = world
    browser = login_as(officer)
    day = (local_now() + timedelta(days=7)).date()
    data = {
        "service_given": "Statement taken.",
        "next_date": day.isoformat(),
        "next_time": "09:15",
        "outcome": "Protection order requested.",
    }
    assert _post(browser, referral, "feedback", **data).status_code == 302
    referral = _reload(referral)
    worker, case = _reload(worker), _reload(case)
    grant = case_policy.grant_for(worker, case, {U.REFERRAL_FEEDBACK})
    text = fields.read(referral, "feedback", grant)
    assert "Statement taken." in text
    assert "Protection order requested." in text
    assert f"{day.isoformat()} 09:15" in text
    empty = _post(browser, referral, "feedback")
    assert empty.status_code == 422
    assert "Write what was done" in empty.get_data(as_text=True)
    worker, referral = _reload(worker), _reload(referral)
    service.withdraw_referral(worker, referral, referral.lock_version)
    db.session.flush()
    closed = _post(browser, referral, "feedback", outcome="Late words.")
    assert closed.status_code == 422
    assert "Feedback can be written while the referral is open" in closed.get_data(as_text=True)
    worker, case, referral = _reload(worker), _reload(case), _reload(referral)
    grant = case_policy.grant_for(worker, case, {U.REFERRAL_FEEDBACK})
    assert fields.read(referral, "feedback", grant) == text


def test_notes_are_the_providers_and_a_stale_save_keeps_both_texts(world, login_as):
    worker, case, officer, referral = world
    colleague = factories.UserFactory(
        role=Role.PROVIDER, organisation=officer.organisation, locale="en"
    )
    first, second = login_as(officer), login_as(colleague)
    version = str(referral.lock_version)
    assert _post(first, referral, "notes", notes=NOTES, lock_version=version).status_code == 302
    response = _post(second, referral, "notes", notes="My other words.", lock_version=version)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "My other words." in html
    assert "CANARY-NOTE-ours" in html
    referral = _reload(referral)
    worker, case = _reload(worker), _reload(case)
    own = case_policy.grant_for(worker, case, {U.REFERRAL_FEEDBACK})
    assert own.units.isdisjoint({U.PROVIDER_NOTES})  # the crisis centre has no grant for them


def test_two_providers_acting_at_once_one_wins_the_other_gets_409(world, login_as):
    _worker, _case, officer, referral = world
    colleague = factories.UserFactory(
        role=Role.PROVIDER, organisation=officer.organisation, locale="en"
    )
    first, second = login_as(officer), login_as(colleague)
    version = str(referral.lock_version)  # both pages were loaded at this version
    assert _post(first, referral, "accept", lock_version=version).status_code == 302
    data = {"decline_reason": "other", "message": "Our own reason.", "lock_version": version}
    response = _post(second, referral, "decline", **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone saved this record while you were editing it." in html
    assert "Our own reason." in html  # the input is kept
    assert re.search(r'<option selected value="other">', html)
    referral = _reload(referral)
    assert referral.status == S.ACCEPTED
    assert referral.decline_reason is None
    steps = db.session.execute(
        select(ReferralEvent.status_to).where(ReferralEvent.referral_id == referral.id)
    ).scalars()
    assert sorted(s.value for s in steps) == ["accepted", "sent"]  # 0 lost, 0 doubled


def test_a_commit_between_loading_and_saving_answers_409(world, login_as, monkeypatch):
    """Another provider's step commits after this request loaded the referral: the
    step reads the version again under a row lock (or the flush checks it) and the
    second step is refused, nothing of it saved."""
    _worker, _case, officer, referral = world
    real = service.provider_step

    def racing(user, target, to, lock_version, **kwargs):
        db.session.execute(
            update(Referral)
            .where(Referral.id == target.id)
            .values(lock_version=Referral.lock_version + 1, status=S.ACKNOWLEDGED)
            .execution_options(synchronize_session=False)
        )
        return real(user, target, to, lock_version, **kwargs)

    monkeypatch.setattr(provider_views.lifecycle, "provider_step", racing)
    response = _post(login_as(officer), referral, "accept")
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == S.SENT  # nothing half-saved


def test_another_organisations_referral_is_not_found(world, login_as):
    _worker, _case, _officer, referral = world
    stranger = provider_of(OrganisationType.POLICE)
    browser = login_as(stranger)
    assert browser.get(_url(referral)).status_code == 404
    assert _post(browser, referral, "accept").status_code == 404
    assert _post(browser, referral, "notes", notes="x").status_code == 404
    referral = _reload(referral)
    assert referral.status == S.SENT


def test_the_inbox_lists_only_the_organisations_referrals_overdue_first(world, login_as):
    worker, case, officer, late = world
    other_case, _at = canary_case(worker)
    newer = refer(worker, other_case, officer.organisation, items=("summary",))
    closed = refer(worker, other_case, officer.organisation)
    service.withdraw_referral(worker, closed, closed.lock_version)
    elsewhere = refer(worker, case, provider_of(OrganisationType.POLICE).organisation)
    db.session.execute(  # the first one was sent long ago and is past its deadline
        update(Referral)
        .where(Referral.id == late.id)
        .values(sent_at=late.sent_at - timedelta(days=9), due_at=late.sent_at - timedelta(days=6))
        .execution_options(synchronize_session=False)
    )
    browser = login_as(officer)
    html = browser.get("/referrals/inbox").get_data(as_text=True)
    ids = re.findall(r'href="/referrals/([0-9a-f-]{36})"', html)
    assert ids == [str(late.id), str(closed.id), str(newer.id)]
    assert str(elsewhere.id) not in html
    assert html.count("overdue</span>") == 1
    assert "Overdue (1)" in html
    assert html.count(NAME) == 1  # the active one that shares the name; never a case code
    assert case.case_code not in html
    assert other_case.case_code not in html
    assert "Inbox (2)" in html  # the header: waiting for an answer
    only_withdrawn = browser.get("/referrals/inbox?status=withdrawn").get_data(as_text=True)
    assert re.findall(r'href="/referrals/([0-9a-f-]{36})"', only_withdrawn) == [str(closed.id)]
    home = browser.get("/").get_data(as_text=True)
    assert "Referral inbox" in home
    assert "New, waiting for your answer" in home


def test_other_roles_have_no_inbox(login_as):
    assert login_as("caseworker").get("/referrals/inbox").status_code == 403
    html = login_as("caseworker").get("/").get_data(as_text=True)
    assert "/referrals/inbox" not in html
