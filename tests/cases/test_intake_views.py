"""Intake as a caseworker and a supervisor use it: the duplicate check before opening,
every rule of the form at once, the fields that matter for safety, assignment, filters,
and a list that decrypts names only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import Case, RiskLevel
from referral.crypto import envelope
from referral.extensions import db
from tests import factories

NAME = "Айгүл Токтогулова"


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


def _open(user, name=NAME, phone="0555 123 456", **extra):
    case = service.open_case(user, service.CaseInput(full_name=name, phone=phone, **extra))
    db.session.flush()
    return case


def _cases_of(user):
    return list(db.session.execute(select(Case).where(Case.owner_id == user.id)).scalars())


def test_a_possible_duplicate_is_shown_before_a_second_case_is_opened(worker):
    existing = _open(worker.user)
    # The same woman, her name typed in Latin letters and her phone written differently.
    typed = {"full_name": "Aigul Toktogulova", "phone": "+996 555 12 34 56"}
    first = worker.post("/cases/new", {**typed, "phone": "0555 123 456"})
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert existing.case_code in page
    assert "She may already have a case" in page
    assert len(_cases_of(worker.user)) == 1
    assert 'value="Aigul Toktogulova"' in page  # what was typed is kept
    confirmed = worker.post(
        "/cases/new", {**typed, "phone": "0555 123 456", "duplicates_checked": "y"}
    )
    assert confirmed.status_code == 302
    assert len(_cases_of(worker.user)) == 2
    check = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "case_duplicate_check")
    ).scalars()
    assert all("Aigul" not in str(e.detail) and "555" not in str(e.detail) for e in check)


def test_every_broken_rule_of_the_intake_is_shown_at_once(worker):
    response = worker.post(
        "/cases/new",
        {
            "full_name": NAME,
            "birth_date": "2999-01-01",
            "phone": "call me",
            "caregiver_phone": "12",
            "estimated_age": "130",
            "sex": "robot",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "future" in page
    assert "not a phone number" in page
    assert "Choose one of the options" in page
    assert page.count('class="error"') >= 4
    assert _cases_of(worker.user) == []
    mismatch = worker.post(
        "/cases/new", {"full_name": NAME, "birth_date": "2000-01-01", "estimated_age": "40"}
    )
    assert mismatch.status_code == 422
    assert "does not match the date of birth" in mismatch.get_data(as_text=True)


def test_intake_keeps_safety_details_and_counts_only_bands(worker):
    rayon = factories.LocationFactory()
    data = {
        "full_name": NAME,
        "birth_date": "2010-05-01",
        "sex": "female",
        "phone": "0555 987 654",
        "safe_contact_method": "sms",
        "safe_times": "after 18:00",
        "do_not_contact": "y",
        "address": "Some street 5",
        "caregiver_name": "Grandmother Name",
        "accompanying_children": "Aibek, 4",
        "referral_source": "health",
    }
    data["residence_location_id"] = str(rayon.id)
    assert worker.post("/cases/new", {**data, "duplicates_checked": "y"}).status_code == 302
    case = _cases_of(worker.user)[0]
    assert case.age_band.is_child
    assert case.sex.value == "female"
    assert case.do_not_contact
    assert case.residence_location_id == rayon.id
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Do not contact her" in page
    assert "Text message" in page
    assert "after 18:00" in page
    assert "Grandmother Name" in page
    assert "Aibek, 4" in page
    raw = db.session.execute(select(Case.__table__)).mappings().one()
    assert b"Grandmother" not in bytes(raw["caregiver_name_ct"])


def test_the_list_decrypts_the_names_of_its_rows_and_nothing_else(worker):
    for i in range(5):
        _open(worker.user, name=f"Aigerim {chr(65 + i)}ova", phone=None, note="A long note")
    envelope.COUNTERS.clear()
    page = worker.get("/cases/").get_data(as_text=True)
    assert page.count("Aigerim") == 5
    assert "A long note" not in page
    assert envelope.COUNTERS["field_decrypt"] == 5  # one name per row


def test_a_supervisor_assigns_a_case_and_the_caseworker_then_sees_it(login_as):
    supervisor = login_as("supervisor")
    centre = supervisor.user.organisation
    owner = factories.UserFactory(role=Role.CASEWORKER, organisation=centre)
    helper = login_as(factories.UserFactory(role=Role.CASEWORKER, organisation=centre))
    case = _open(owner)
    assert helper.get(f"/cases/{case.id}").status_code == 404
    form = supervisor.get(f"/cases/{case.id}/assign").get_data(as_text=True)
    assert helper.user.username in form or (helper.user.full_name or "") in form
    done = supervisor.post(
        f"/cases/{case.id}/assign",
        {"owner_id": str(owner.id), "assigned_ids": [str(helper.user.id)]},
    )
    assert done.status_code == 302
    assert helper.get(f"/cases/{case.id}").status_code == 200
    assert case.case_code in helper.get("/cases/").get_data(as_text=True)
    outsider = factories.UserFactory(role=Role.CASEWORKER)
    refused = supervisor.post(
        f"/cases/{case.id}/assign", {"owner_id": str(outsider.id), "assigned_ids": []}
    )
    assert refused.status_code == 422
    timeline = supervisor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Caseworkers assigned" in timeline


def test_the_supervisor_filters_the_list_by_risk_status_and_caseworker(login_as):
    supervisor = login_as("supervisor")
    centre = supervisor.user.organisation
    a = factories.UserFactory(role=Role.CASEWORKER, organisation=centre)
    b = factories.UserFactory(role=Role.CASEWORKER, organisation=centre)
    high = _open(a, name="Aizhan High", phone=None)
    high.risk_level = RiskLevel.HIGH
    low = _open(b, name="Asel Low", phone=None)
    low.risk_level = RiskLevel.LOW
    db.session.flush()

    def codes(query):
        return set(
            re.findall(
                r"KG-\d{4}-[0-9A-Z]{5}", supervisor.get(f"/cases/{query}").get_data(as_text=True)
            )
        )

    assert codes("?risk=high") == {high.case_code}
    assert codes(f"?caseworker={b.id}") == {low.case_code}
    assert codes("?status=closed") == set()
    assert codes("") == {high.case_code, low.case_code}
