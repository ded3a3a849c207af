"""Assessment screens as a caseworker uses them: record and edit incidents and
perpetrators, see the medical windows, assess risk with a safety plan, assess needs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.cases import service
from referral.cases.models import (
    Case,
    CaseStatus,
    GBVType,
    Incident,
    Perpetrator,
    RiskAssessment,
    RiskLevel,
)
from referral.cases.timeutil import to_local
from referral.db import utcnow
from referral.extensions import db
from tests import factories

NO = {
    "q_penetration": "no",
    "q_sexual_contact": "no",
    "q_physical_assault": "no",
    "q_forced_marriage": "no",
    "q_denial": "no",
    "q_psychological": "no",
}


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


@pytest.fixture
def case(worker):
    case = service.open_case(worker.user, service.CaseInput(full_name="Айгүл Токтогулова"))
    db.session.flush()
    return case


def _hours_ago(hours: float) -> dict:
    local = to_local(utcnow() - timedelta(hours=hours))
    return {"incident_date": local.date().isoformat(), "incident_time": local.strftime("%H:%M")}


def _incident_form(**kw) -> dict:
    return {**NO, "q_penetration": "yes", **_hours_ago(10), **kw}


def _only(model):
    return db.session.execute(select(model)).scalar_one()


def test_record_a_rape_and_see_the_medical_windows_on_the_case_page(worker, case):
    form = worker.get(f"/cases/{case.id}/incidents/new").get_data(as_text=True)
    assert "Was there penetration" in form
    assert to_local(utcnow()).date().isoformat() in form
    response = worker.post(
        f"/cases/{case.id}/incidents/new",
        _incident_form(ala_kachuu="y", narrative="Они увезли её в машине", place_type="street"),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}#incidents")
    incident = _only(Incident)
    assert incident.gbv_type == GBVType.RAPE
    assert incident.ala_kachuu
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    banner = page.split('id="incidents"')[1].split("<h2>")[0]
    assert "Medical care is urgent" in banner
    assert "PEP" in banner
    assert "61 hours left of 72" in banner or "62 hours left of 72" in banner
    assert "Они увезли её в машине" in page
    assert "bride kidnapping" in page
    assert "Incident recorded" in page  # the timeline


def test_no_banner_once_the_windows_closed_or_for_a_non_sexual_incident(worker, case):
    worker.post(f"/cases/{case.id}/incidents/new", _incident_form(**_hours_ago(125)))
    assault = {**NO, "q_physical_assault": "yes", **_hours_ago(2)}
    worker.post(f"/cases/{case.id}/incidents/new", assault)
    assert len(db.session.execute(select(Incident)).all()) == 2
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Medical care is urgent" not in page
    assert "Physical assault" in page
    # The caseworker's suspicion of sexual violence brings the windows back.
    incident = db.session.execute(
        select(Incident).where(Incident.gbv_type == GBVType.PHYSICAL_ASSAULT)
    ).scalar_one()
    edited = worker.post(
        f"/cases/{case.id}/incidents/{incident.id}/edit",
        {**assault, "possible_sexual_violence": "y", "lock_version": incident.lock_version},
    )
    assert edited.status_code == 302
    assert "Medical care is urgent" in worker.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_refused_incident_keeps_what_was_typed_and_shows_every_error(worker, case):
    tomorrow = (to_local(utcnow()).date() + timedelta(days=1)).isoformat()
    response = worker.post(
        f"/cases/{case.id}/incidents/new",
        {
            **NO,
            "q_penetration": "",
            "incident_date": tomorrow,
            "report_date": tomorrow,
            "narrative": "Запомни этот текст",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Запомни этот текст" in page
    assert "The incident cannot be in the future" in page
    assert "The report date cannot be in the future" in page
    assert "Answer this question" in page
    assert db.session.execute(select(Incident)).first() is None


def test_a_malformed_answer_is_a_422_not_a_500(worker, case):
    response = worker.post(
        f"/cases/{case.id}/incidents/new",
        _incident_form(q_penetration="maybe", incident_date="not-a-date", place_type="moon"),
    )
    assert response.status_code == 422


def test_editing_an_incident_with_an_old_form_is_stale_and_keeps_the_input(worker, case):
    worker.post(f"/cases/{case.id}/incidents/new", _incident_form(narrative="first words"))
    incident = _only(Incident)
    url = f"/cases/{case.id}/incidents/{incident.id}/edit"
    form = worker.get(url).get_data(as_text=True)
    assert "first words" in form
    assert 'name="lock_version"' in form
    version = incident.lock_version
    ok = worker.post(url, _incident_form(narrative="second words", lock_version=version))
    assert ok.status_code == 302
    late = worker.post(url, _incident_form(narrative="my own words", lock_version=version))
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Someone saved this record" in page
    assert "my own words" in page
    assert "second words" in page
    # The saved narrative it showed was read, and that read is in the audit trail.
    reads = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "sensitive_read")
    ).scalars()
    assert sum(1 for e in reads if (e.detail or {}).get("incident") == str(incident.id)) == 2
    saved = db.session.execute(select(Incident.lock_version)).scalar_one()
    assert saved == version + 1
    assert f'name="lock_version" type="hidden" value="{saved}"' in page


def test_add_and_edit_a_perpetrator(worker, case):
    worker.post(f"/cases/{case.id}/incidents/new", _incident_form())
    incident = _only(Incident)
    url = f"/cases/{case.id}/incidents/{incident.id}/perpetrators/new"
    assert worker.post(url, {"name": "Бакыт"}).status_code == 422  # relationship missing
    response = worker.post(
        url,
        {
            "relationship_to_survivor": "intimate_partner_former_partner",
            "sex": "male",
            "age_group": "26-40",
            "lives_with_survivor": "y",
            "name": "Бакыт Жумабеков",
        },
    )
    assert response.status_code == 302
    perpetrator = _only(Perpetrator)
    assert perpetrator.is_primary
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Бакыт Жумабеков" in page
    assert "Intimate partner" in page
    edit = f"/cases/{case.id}/perpetrators/{perpetrator.id}/edit"
    assert "Бакыт Жумабеков" in worker.get(edit).get_data(as_text=True)
    version = perpetrator.lock_version
    changed = {"relationship_to_survivor": "family_other_than_spouse_or_caregiver"}
    saved = worker.post(edit, {**changed, "is_primary": "y", "lock_version": version})
    assert saved.status_code == 302
    stale = worker.post(edit, {**changed, "is_primary": "y", "lock_version": version})
    assert stale.status_code == 409


def test_a_perpetrator_of_another_case_is_not_found(worker, case):
    other = service.open_case(worker.user, service.CaseInput(full_name="Жылдыз Асанова"))
    worker.post(f"/cases/{other.id}/incidents/new", _incident_form())
    incident = _only(Incident)
    assert worker.get(f"/cases/{case.id}/incidents/{incident.id}/edit").status_code == 404
    assert (
        worker.get(f"/cases/{case.id}/incidents/{incident.id}/perpetrators/new").status_code == 404
    )


def test_high_risk_needs_a_safety_plan_and_is_copied_to_the_case(worker, case):
    url = f"/cases/{case.id}/risk/new"
    refused = worker.post(url, {"level": "high", "factors": ["weapon", "strangulation"]})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "A safety plan is required" in page
    assert re.search(r'<input checked[^>]*value="weapon"', page)  # the ticks are kept
    plan = {"safety_concern": "Он знает адрес сестры", "safety_where_to_go": "Кризисный центр"}
    saved = worker.post(url, {"level": "high", "immediate_danger": "y", **plan})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).risk_level == RiskLevel.HIGH
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Он знает адрес сестры" in page
    assert "Immediate danger" in page
    listing = worker.get("/cases/?risk=high").get_data(as_text=True)
    assert case.case_code in listing


def test_a_reassessment_starts_from_the_last_and_an_old_form_is_stale(worker, case):
    url = f"/cases/{case.id}/risk/new"
    plan = {"safety_concern": "Он знает адрес", "safety_where_to_go": "К сестре"}
    assert worker.post(url, {"level": "medium", **plan}).status_code == 302
    first = _only(RiskAssessment)
    form = worker.get(url).get_data(as_text=True)
    assert "Он знает адрес" in form
    assert f'value="{first.id}"' in form
    again = {"level": "low", "based_on": str(first.id)}
    assert worker.post(url, again).status_code == 302
    late = worker.post(url, {"level": "high", "based_on": str(first.id), **plan})
    assert late.status_code == 409
    assert "Someone saved this record" in late.get_data(as_text=True)
    assert len(db.session.execute(select(RiskAssessment)).all()) == 2
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Earlier assessments" in page


def test_assess_needs_and_see_the_latest(worker, case):
    url = f"/cases/{case.id}/needs/new"
    assert 'name="safety_priority"' in worker.get(url).get_data(as_text=True)
    refused = worker.post(url, {"legal_priority": "none", "legal_text": "Развод"})
    assert refused.status_code == 422
    assert "Развод" in refused.get_data(as_text=True)
    saved = worker.post(url, {"legal_priority": "high", "legal_text": "Развод и алименты"})
    assert saved.status_code == 302
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    needs = page.split('id="needs"')[1]
    assert "Развод и алименты" in needs
    assert "High" in needs


def test_a_closed_case_shows_its_assessment_but_refuses_changes(worker, case):
    worker.post(f"/cases/{case.id}/incidents/new", _incident_form(narrative="Кто-то"))
    db.session.get(Case, case.id).status = CaseStatus.CLOSED
    db.session.flush()
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Кто-то" in page
    assert "Record an incident" not in page
    assert worker.get(f"/cases/{case.id}/incidents/new").status_code == 409
    assert worker.post(f"/cases/{case.id}/risk/new", {"level": "low"}).status_code == 409


def test_a_colleague_cannot_reach_the_assessment(case, login_as, worker):
    colleague = login_as("caseworker", organisation=worker.user.organisation)
    assert colleague.get(f"/cases/{case.id}/needs/new").status_code == 404
    supervisor = factories.UserFactory(role="supervisor", organisation=worker.user.organisation)
    boss = login_as(supervisor)
    assert boss.post(f"/cases/{case.id}/risk/new", {"level": "low"}).status_code == 302
