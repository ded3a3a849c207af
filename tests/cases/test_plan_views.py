"""The plan, follow-up, protection-order and note screens as a caseworker uses them:
the case page sections, refused forms that keep what was typed (422), stale saves that
keep it too (409), closed and erased cases, author-only note edits."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import Case, CaseStatus, ErasureReason
from referral.cases.models.plan import (
    ActionPlanItem,
    CaseNote,
    FollowUp,
    PlanArea,
    ProtectionOrder,
)
from referral.cases.service import incidents, notes, plan
from referral.cases.service.common import today
from referral.extensions import db
from tests import factories


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


@pytest.fixture
def case(worker):
    case = service.open_case(worker.user, service.CaseInput(full_name="Айгүл Токтогулова"))
    db.session.flush()
    return case


def _day(offset: int = 0) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def _item_data(worker, **kw):
    data = {
        "area": "safety",
        "goal": "Find a shelter place",
        "service_type": "shelter_safe_accommodation",
        "owner_id": str(worker.user.id),
        "due_date": _day(7),
        "progress": "not_started",
    }
    data.update(kw)
    return data


def _only(model, case):
    return db.session.execute(select(model).where(model.case_id == case.id)).scalar_one()


def test_add_a_goal_and_see_it_on_the_case_page(worker, case):
    form = worker.get(f"/cases/{case.id}/plan/new")
    assert form.status_code == 200
    assert "Shelter / safe accommodation" in form.get_data(as_text=True)
    response = worker.post(f"/cases/{case.id}/plan/new", _item_data(worker))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#plan")
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="plan"' in page
    assert "Find a shelter place" in page
    assert "Mark met" in page


def test_a_refused_goal_keeps_what_was_typed_and_shows_every_error(worker, case):
    response = worker.post(
        f"/cases/{case.id}/plan/new",
        _item_data(worker, area="", owner_id="", due_date=_day(-2), goal="Keep this text"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Keep this text" in page
    assert "Choose the need area." in page
    assert "Choose a caseworker of this centre." in page
    assert "before the case was opened" in page
    assert db.session.execute(select(ActionPlanItem)).first() is None


def test_a_stale_goal_edit_answers_409_and_keeps_the_input(worker, case):
    item = plan.add_action_item(
        worker.user,
        case,
        plan.ActionItemInput(PlanArea.SAFETY, "Original goal", worker.user.id, today()),
    )
    db.session.flush()
    url = f"/cases/{case.id}/plan/{item.id}/edit"
    assert "Original goal" in worker.get(url).get_data(as_text=True)
    first = worker.post(url, _item_data(worker, goal="Saved first", lock_version=1))
    assert first.status_code == 302
    second = worker.post(url, _item_data(worker, goal="Typed second", lock_version=1))
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Typed second" in page
    assert "Saved first" in page
    assert 'name="lock_version" type="hidden" value="2"' in page  # saving again is deliberate


def test_mark_met_from_the_case_page_and_a_stale_button(worker, case):
    item = plan.add_action_item(
        worker.user, case, plan.ActionItemInput(PlanArea.SAFETY, "Goal", worker.user.id, today())
    )
    db.session.flush()
    url = f"/cases/{case.id}/plan/{item.id}/met"
    assert worker.post(url, {"lock_version": "1"}).status_code == 302
    db.session.expire_all()
    assert _only(ActionPlanItem, case).progress.value == "met"
    stale = worker.post(url, {"lock_version": "1"})
    assert stale.status_code == 409
    assert "Someone saved this record" in stale.get_data(as_text=True)


def test_record_a_follow_up_with_risk_reassessed_leads_to_the_risk_section(worker, case):
    data = {
        "held_on": _day(),
        "kind": "phone",
        "services_received": "partly",
        "services_details": "Legal aid still missing",
        "risk_reassessed": "y",
        "notes": "Calmer today",
        "next_date": _day(7),
    }
    response = worker.post(f"/cases/{case.id}/followups/new", data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#risk")
    record = _only(FollowUp, case)
    assert record.risk_reassessed
    assert record.next_date == today() + timedelta(days=7)
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Legal aid still missing" in page
    assert "record a new risk assessment" in page
    assert f'href="/cases/{case.id}#risk"' in page


def test_a_refused_follow_up_keeps_the_notes(worker, case):
    data = {
        "held_on": _day(1),
        "kind": "",
        "services_received": "yes",
        "notes": "Do not lose me",
        "next_date": _day(),
    }
    response = worker.post(f"/cases/{case.id}/followups/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Do not lose me" in page
    assert "cannot be in the future" in page
    assert "Choose how the follow-up took place." in page


def test_a_stale_follow_up_edit_is_409(worker, case):
    data = {"held_on": _day(), "kind": "office", "services_received": "yes", "notes": "First"}
    worker.post(f"/cases/{case.id}/followups/new", data)
    record = _only(FollowUp, case)
    url = f"/cases/{case.id}/followups/{record.id}/edit"
    assert "First" in worker.get(url).get_data(as_text=True)
    assert worker.post(url, {**data, "notes": "Second", "lock_version": "1"}).status_code == 302
    stale = worker.post(url, {**data, "notes": "Third", "lock_version": "1"})
    assert stale.status_code == 409
    assert "Third" in stale.get_data(as_text=True)


def test_record_an_order_with_the_default_duration_and_a_violation(worker, case):
    form = worker.get(f"/cases/{case.id}/orders/new").get_data(as_text=True)
    assert "3 days for a temporary order" in form
    data = {
        "kind": "temporary",
        "issuing_body": "police",
        "issuing_unit": "Oktyabr district police",
        "issued_on": _day(-1),
        "conditions": ["no_contact", "weapons_ban"],
        "status": "active",
    }
    assert worker.post(f"/cases/{case.id}/orders/new", data).status_code == 302
    order = _only(ProtectionOrder, case)
    assert order.valid_until == today() + timedelta(days=2)
    url = f"/cases/{case.id}/orders/{order.id}/violations/new"
    refused = worker.post(url, {"occurred_on": _day(1), "description": "Keep me"})
    assert refused.status_code == 422
    assert "Keep me" in refused.get_data(as_text=True)
    assert worker.post(url, {"occurred_on": _day(), "description": "He came"}).status_code == 302
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "In force, violated" in page
    assert "He came" in page
    assert "Weapons ban" in page


def test_the_order_form_offers_the_incidents_of_the_case(worker, case):
    recorded = incidents.IncidentInput(
        incident_date=today(), report_date=today(), q_penetration=False,
        q_sexual_contact=False, q_physical_assault=True,
    )  # fmt: skip
    incident = incidents.add_incident(worker.user, case, recorded)
    db.session.flush()
    page = worker.get(f"/cases/{case.id}/orders/new").get_data(as_text=True)
    assert f'value="{incident.id}"' in page
    assert "Physical assault" in page


def test_a_refused_order_shows_every_date_error(worker, case):
    data = {
        "kind": "temporary",
        "issuing_body": "court",
        "issued_on": _day(),
        "valid_until": _day(-1),
        "extended_until": _day(-2),
        "conditions": ["other"],
        "status": "active",
    }
    response = worker.post(f"/cases/{case.id}/orders/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "valid until after it was issued" in page
    assert "must end after the order" in page
    assert "Describe the other conditions." in page
    assert 'value="court" selected' in page or 'selected value="court"' in page


def test_a_stale_order_edit_is_409(worker, case):
    data = {"kind": "temporary", "issuing_body": "police", "issued_on": _day(), "status": "active"}
    worker.post(f"/cases/{case.id}/orders/new", data)
    order = _only(ProtectionOrder, case)
    url = f"/cases/{case.id}/orders/{order.id}/edit"
    assert worker.get(url).status_code == 200
    edit = {**data, "valid_until": _day(3), "lock_version": "1"}
    assert worker.post(url, {**edit, "issuing_unit": "First"}).status_code == 302
    stale = worker.post(url, {**edit, "issuing_unit": "Second unit"})
    assert stale.status_code == 409
    assert "Second unit" in stale.get_data(as_text=True)


def test_notes_newest_first_and_only_the_author_edits(worker, case, login_as):
    worker.post(f"/cases/{case.id}/notes/new", {"text": "Older note"})
    worker.post(f"/cases/{case.id}/notes/new", {"text": "Newer note"})
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert page.index("Newer note") < page.index("Older note")
    note = db.session.execute(select(CaseNote).order_by(CaseNote.created_at)).scalars().first()
    url = f"/cases/{case.id}/notes/{note.id}/edit"
    supervisor = login_as(
        factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.user.organisation)
    )
    assert "Older note" in supervisor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert supervisor.get(url).status_code == 404
    assert supervisor.post(url, {"text": "Not hers", "lock_version": "1"}).status_code == 404
    assert worker.post(url, {"text": "Corrected", "lock_version": "1"}).status_code == 302
    stale = worker.post(url, {"text": "Again", "lock_version": "1"})
    assert stale.status_code == 409
    assert "Again" in stale.get_data(as_text=True)
    assert [v.text for v in notes.notes(worker.user, case)] == ["Newer note", "Corrected"]


def test_a_closed_case_shows_the_plan_but_refuses_changes(worker, case):
    worker.post(f"/cases/{case.id}/notes/new", {"text": "Written while open"})
    note = _only(CaseNote, case)
    case = db.session.get(Case, case.id)  # the request ended the test's session
    case.status = CaseStatus.CLOSED
    db.session.flush()
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Written while open" in page
    assert "Write a note" not in page
    assert worker.get(f"/cases/{case.id}/notes/{note.id}/edit").status_code == 409
    assert worker.post(f"/cases/{case.id}/plan/new", _item_data(worker)).status_code == 409
    assert worker.post(f"/cases/{case.id}/notes/new", {"text": "Late"}).status_code == 409


def test_an_erased_case_answers_gone_and_its_plan_rows_are_gone(worker, case, login_as):
    worker.post(f"/cases/{case.id}/notes/new", {"text": "Gone soon"})
    worker.post(f"/cases/{case.id}/plan/new", _item_data(worker))
    note = _only(CaseNote, case)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.user.organisation)
    case = db.session.get(Case, case.id)  # the requests ended the test's session
    service.erase_case(supervisor, case, ErasureReason.SURVIVOR_REQUEST)
    db.session.flush()
    assert db.session.execute(select(CaseNote)).first() is None
    assert db.session.execute(select(ActionPlanItem)).first() is None
    assert worker.get(f"/cases/{case.id}/notes/{note.id}/edit").status_code == 410
    assert worker.post(f"/cases/{case.id}/followups/new", {}).status_code == 410


def test_a_record_of_another_case_answers_404(worker, case):
    other = service.open_case(worker.user, service.CaseInput(full_name="Жылдыз Асанова"))
    note = notes.add_note(worker.user, other, "Elsewhere")
    db.session.flush()
    assert worker.get(f"/cases/{case.id}/notes/{note.id}/edit").status_code == 404
    assert worker.get(f"/cases/{case.id}/orders/{note.id}/edit").status_code == 404
