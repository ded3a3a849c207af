"""Closure: the caseworker asks, a supervisor of the centre decides, a supervisor
reopens; client feedback is stored without anything that links it to a case."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import policy, service
from referral.cases.models import (
    CaseEvent,
    CaseStatus,
    ClientFeedback,
    ClosureCheck,
    ClosureReason,
    FeedbackAnswer,
    ReopenReason,
    ReturnReason,
    Satisfaction,
)
from referral.cases.service import closure
from referral.crypto.grants import GrantError
from referral.extensions import db
from tests import factories

ALL = tuple(ClosureCheck)


@pytest.fixture
def worker():
    return factories.UserFactory(role=Role.CASEWORKER)


@pytest.fixture
def supervisor(worker):
    return factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)


@pytest.fixture
def case(worker):
    return service.open_case(worker, service.CaseInput(full_name="Айгүл Токтогулова"))


def _request(user, case, reason=ClosureReason.NEEDS_MET, checks=ALL):
    closure.request_closure(
        user, case, closure.ClosureRequestInput(reason, checks), case.lock_version
    )
    db.session.flush()


def _events(case):
    return [
        e.kind
        for e in db.session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at)
        ).scalars()
    ]


def _audit(action):
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_request_then_approve_closes_the_case(worker, supervisor, case):
    _request(worker, case)
    assert case.status == CaseStatus.CLOSURE_REQUESTED
    assert case.closure_requested_by_id == worker.id
    assert case.closure_reason == "needs_met"
    assert policy.access_for(worker, case).can_edit  # still editable while waiting
    closure.approve_closure(supervisor, case, case.lock_version)
    db.session.flush()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_by_id == supervisor.id
    assert not policy.access_for(worker, case).can_edit
    assert _events(case)[-2:] == ["closure_requested", "closure_approved"]
    (approved,) = _audit("closure_approved")
    assert approved.detail == {"reason": "needs_met", "requested_by": str(worker.id)}


def test_a_caseworker_cannot_approve_or_reopen(worker, case):
    _request(worker, case)
    with pytest.raises(GrantError):
        closure.approve_closure(worker, case, case.lock_version)
    with pytest.raises(GrantError):
        closure.reopen_case(worker, case, ReopenReason.NEW_INCIDENT, case.lock_version)
    assert case.status == CaseStatus.CLOSURE_REQUESTED


def test_a_supervisor_of_another_centre_cannot_decide(worker, case):
    _request(worker, case)
    stranger = factories.UserFactory(role=Role.SUPERVISOR)
    with pytest.raises(GrantError):
        closure.approve_closure(stranger, case, case.lock_version)


def test_the_reason_and_every_required_check_are_reported_at_once(worker, case):
    with pytest.raises(service.CaseError) as refused:
        closure.request_closure(
            worker,
            case,
            closure.ClosureRequestInput(None, (ClosureCheck.FOLLOW_UP_DONE,)),
            case.lock_version,
        )
    problems = dict(refused.value.errors)
    assert set(problems) == {"reason", "checklist"}
    message = str(problems["checklist"])
    assert "safety plan" in message
    assert "referral" in message
    assert "follow-up" not in message
    assert case.status == CaseStatus.OPEN


def test_no_contact_needs_no_check_that_needs_her(worker, case):
    checks = (ClosureCheck.REFERRALS_CLOSED, ClosureCheck.FOLLOW_UP_DONE)
    _request(worker, case, ClosureReason.NO_CONTACT_30_DAYS, checks)
    assert case.status == CaseStatus.CLOSURE_REQUESTED
    assert closure.closure_state(case).missing == (
        ClosureCheck.SAFETY_PLAN_REVIEWED,
        ClosureCheck.SURVIVOR_INFORMED,
    )


def test_a_second_request_and_a_stale_one_are_refused(worker, case):
    with pytest.raises(service.StaleError):
        closure.request_closure(
            worker,
            case,
            closure.ClosureRequestInput(ClosureReason.NEEDS_MET, ALL),
            case.lock_version - 1,
        )
    _request(worker, case)
    with pytest.raises(service.CaseError):
        _request(worker, case)


def test_send_back_with_a_reason(worker, supervisor, case):
    _request(worker, case)
    with pytest.raises(service.CaseError) as no_reason:
        closure.return_closure(supervisor, case, None, case.lock_version)
    assert no_reason.value.field == "return_reason"
    closure.return_closure(supervisor, case, ReturnReason.REFERRALS_OPEN, case.lock_version)
    db.session.flush()
    assert case.status == CaseStatus.OPEN
    assert case.closure_requested_at is None
    state = closure.closure_state(case)
    assert state.returned_reason == ReturnReason.REFERRALS_OPEN
    assert state.reason == ClosureReason.NEEDS_MET  # kept for the next request
    assert _events(case)[-1] == "closure_returned"


def test_reopen_a_closed_case_with_a_reason(worker, supervisor, case):
    _request(worker, case)
    with pytest.raises(service.CaseError):  # not closed yet
        closure.reopen_case(supervisor, case, ReopenReason.NEW_INCIDENT, case.lock_version)
    closure.approve_closure(supervisor, case, case.lock_version)
    db.session.flush()
    with pytest.raises(service.CaseError) as no_reason:
        closure.reopen_case(supervisor, case, None, case.lock_version)
    assert no_reason.value.field == "reason"
    closure.reopen_case(supervisor, case, ReopenReason.SURVIVOR_RETURNED, case.lock_version)
    db.session.flush()
    assert case.status == CaseStatus.OPEN
    assert case.closed_at is None
    assert case.closure_reason is None
    assert case.closure_checklist is None
    assert policy.access_for(worker, case).can_edit
    assert _events(case)[-1] == "case_reopened"
    (reopened,) = _audit("case_reopened")
    assert reopened.detail == {"reason": "survivor_returned", "closed_reason": "needs_met"}


def test_a_closed_case_cannot_be_asked_to_close_again(worker, supervisor, case):
    _request(worker, case)
    closure.approve_closure(supervisor, case, case.lock_version)
    db.session.flush()
    with pytest.raises(service.CaseClosedError):
        _request(worker, case)


def test_the_supervisors_home_list_holds_only_the_centres_waiting_cases(worker, supervisor, case):
    waiting_other_centre = factories.UserFactory(role=Role.CASEWORKER)
    other = service.open_case(waiting_other_centre, service.CaseInput(full_name="Жылдыз"))
    untouched = service.open_case(worker, service.CaseInput(full_name="Нурзада"))
    _request(worker, case)
    _request(waiting_other_centre, other)
    awaiting = closure.cases_awaiting_closure(supervisor)
    assert [a.case_code for a in awaiting] == [case.case_code]
    assert untouched.case_code not in {a.case_code for a in awaiting}
    assert closure.cases_awaiting_closure(worker) == []


def test_feedback_is_stored_without_case_user_or_time(worker, case):
    _request(worker, case)
    row = closure.record_feedback(
        worker,
        closure.FeedbackInput(
            felt_welcome=FeedbackAnswer.YES,
            felt_safe=FeedbackAnswer.PARTLY,
            overall=Satisfaction.SATISFIED,
        ),
    )
    columns = {c.key for c in inspect(ClientFeedback).columns}
    assert not {"case_id", "user_id", "created_at", "recorded_by_id"} & columns
    assert row.organisation_id == worker.organisation_id
    assert row.month.day == 1
    assert row.staff_listened == FeedbackAnswer.NO_ANSWER
    (recorded,) = _audit("client_feedback_recorded")
    assert recorded.target_type == "organisation"
    assert str(case.id) not in repr((recorded.target_id, recorded.detail))
    assert str(row.id) not in repr((recorded.target_id, recorded.detail))
    assert "client_feedback" not in " ".join(_events(case))
    counts = closure.feedback_counts(worker.organisation_id)
    assert counts.total == 1
    assert counts.answers["felt_safe"]["partly"] == 1


def test_feedback_with_no_answer_at_all_is_refused(worker):
    with pytest.raises(service.CaseError):
        closure.record_feedback(worker, closure.FeedbackInput(felt_safe=FeedbackAnswer.NO_ANSWER))


def test_only_centre_staff_record_feedback():
    provider = factories.UserFactory(role=Role.PROVIDER)
    with pytest.raises(GrantError):
        closure.record_feedback(provider, closure.FeedbackInput(felt_safe=FeedbackAnswer.YES))
