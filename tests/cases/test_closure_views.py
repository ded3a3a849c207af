"""Closure screens as people use them: the caseworker asks, the supervisor decides and
reopens; the anonymous feedback form; the print view."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import sections, service
from referral.cases.models import Case, CaseStatus, ClientFeedback, ErasureReason
from referral.extensions import db

CHECKLIST = ["safety_plan_reviewed", "survivor_informed", "referrals_closed", "follow_up_done"]
NOTE = "Her brother must not learn where she stays"


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


@pytest.fixture
def boss(login_as, worker):
    return login_as("supervisor", organisation=worker.user.organisation)


@pytest.fixture
def case(worker):
    return service.open_case(
        worker.user, service.CaseInput(full_name="Айгүл Токтогулова", note=NOTE)
    )


def _case(case) -> Case:
    return db.session.get(Case, case.id)


def _ask(browser, case, **data):
    form = {"reason": "needs_met", "checklist": CHECKLIST, "lock_version": _case(case).lock_version}
    return browser.post(f"/cases/{case.id}/closure/request", {**form, **data})


def _decide(browser, case, decision, **data):
    form = {"decision": decision, "lock_version": _case(case).lock_version}
    return browser.post(f"/cases/{case.id}/closure/review", {**form, **data})


def test_caseworker_asks_supervisor_approves(worker, boss, case):
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Ask to close the case" in page
    assert worker.get(f"/cases/{case.id}/closure/request").status_code == 200
    assert _ask(worker, case).status_code == 302
    assert _case(case).status == CaseStatus.CLOSURE_REQUESTED
    waiting = boss.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Review the closure request" in waiting
    assert "Awaiting closure approval" in waiting
    review = boss.get(f"/cases/{case.id}/closure/review")
    assert review.status_code == 200
    assert "Every referral is closed" in review.get_data(as_text=True)
    assert _decide(boss, case, "approve").status_code == 302
    assert _case(case).status == CaseStatus.CLOSED
    closed = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Closure approved" in closed
    assert "Ask to close the case" not in closed
    assert worker.get(f"/cases/{case.id}/edit").status_code == 409


def test_a_caseworker_cannot_reach_the_review_or_reopen(worker, case):
    _ask(worker, case)
    assert worker.get(f"/cases/{case.id}/closure/review").status_code == 403
    assert _decide(worker, case, "approve").status_code == 403
    assert worker.post(f"/cases/{case.id}/reopen", {"reason": "other"}).status_code == 403
    assert _case(case).status == CaseStatus.CLOSURE_REQUESTED


def test_an_incomplete_request_keeps_what_was_ticked(worker, case):
    response = _ask(worker, case, reason="", checklist=["follow_up_done"])
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose why the case can be closed." in body
    assert "Before closing" in body
    assert '<input checked id="checklist-3"' in body  # follow_up_done stays ticked
    assert '<input id="checklist-0"' in body


def test_a_stale_request_is_refused_then_saved_on_purpose(worker, case):
    response = _ask(worker, case, lock_version=0)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert _case(case).status == CaseStatus.OPEN
    assert "Someone saved this record" in body
    saved = re.search(r'name="lock_version" type="hidden" value="(\d+)"', body).group(1)
    assert int(saved) == _case(case).lock_version  # the second save is deliberate
    assert _ask(worker, case, lock_version=saved).status_code == 302


def test_send_back_shows_the_reason_to_the_caseworker(worker, boss, case):
    _ask(worker, case)
    missing = _decide(boss, case, "return")
    assert missing.status_code == 422
    assert "Choose why the request goes back" in missing.get_data(as_text=True)
    assert _decide(boss, case, "return", return_reason="referrals_open").status_code == 302
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "sent the closure request back: Referrals are still open" in page
    assert _case(case).status == CaseStatus.OPEN


def test_supervisor_reopens_a_closed_case(worker, boss, case):
    _ask(worker, case)
    _decide(boss, case, "approve")
    assert boss.get(f"/cases/{case.id}/reopen").status_code == 200
    no_reason = boss.post(f"/cases/{case.id}/reopen", {"lock_version": _case(case).lock_version})
    assert no_reason.status_code == 422
    done = boss.post(
        f"/cases/{case.id}/reopen",
        {"reason": "survivor_returned", "lock_version": _case(case).lock_version},
    )
    assert done.status_code == 302
    assert _case(case).status == CaseStatus.OPEN
    assert "Case reopened" in worker.get(f"/cases/{case.id}").get_data(as_text=True)


def test_feedback_form_records_anonymous_answers(worker, case):
    _ask(worker, case)
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "/cases/feedback" in page  # offered at closure
    form = worker.get("/cases/feedback")
    assert form.status_code == 200
    assert "anonymous" in form.get_data(as_text=True).lower()
    assert worker.post("/cases/feedback", {}).status_code == 422
    response = worker.post("/cases/feedback", {"felt_safe": "yes", "overall": "satisfied"})
    assert response.status_code == 302
    (row,) = db.session.execute(select(ClientFeedback)).scalars()
    assert row.felt_safe.value == "yes"
    assert row.felt_welcome.value == "no_answer"
    assert "Did she feel safe" not in worker.get(f"/cases/{case.id}").get_data(as_text=True)


def test_feedback_is_for_centre_staff_only(login_as):
    assert login_as("provider").get("/cases/feedback").status_code == 403


def test_print_leaves_notes_out_unless_asked(worker, case):
    built = []
    probe = sections.Section(510, "cases/_timeline.html", lambda u, c, a: built.append(1) or {})
    sections.SECTIONS.append(probe)
    try:
        page = worker.get(f"/cases/{case.id}/print")
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        assert "Айгүл Токтогулова" in body
        assert case.case_code in body
        assert NOTE not in body
        assert built == []
        assert "Case notes are not included" in body
        with_notes = worker.get(f"/cases/{case.id}/print?notes=y").get_data(as_text=True)
        assert NOTE in with_notes
        assert built == [1]
    finally:
        sections.SECTIONS.remove(probe)
    printed = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "case_printed")
    ).scalars()
    assert [e.detail["notes"] for e in printed] == [False, True]


def test_print_shows_no_forms_or_timeline(worker, case):
    body = worker.get(f"/cases/{case.id}/print").get_data(as_text=True)
    assert 'id="timeline"' not in body
    assert "Ask to close the case" not in body
    assert 'id="attachments"' not in body


def test_print_of_an_erased_case_is_gone(worker, login_as, case):
    boss = login_as(Role.SUPERVISOR.value, organisation=worker.user.organisation)
    service.erase_case(boss.user, _case(case), ErasureReason.SURVIVOR_REQUEST)
    assert worker.get(f"/cases/{case.id}/print").status_code == 410
