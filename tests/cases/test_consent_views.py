"""The consent screens: record, refuse with every error kept on the form, withdraw with a
confirmation, and the section of the case page."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from referral.cases import service as cases
from referral.cases.models import CaseStatus, Consent, ConsentKind
from referral.cases.service import consent as service
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from tests import factories
from tests.announced import announced_error

POLICE = ServiceType.POLICE_INTERNAL_AFFAIRS.value
HEALTH = ServiceType.HEALTH_HOSPITAL.value


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


def _open(user, **kw):
    case = cases.open_case(user, cases.CaseInput(full_name="Aigul Toktogulova", **kw))
    db.session.flush()
    return case


def _child(user):
    return _open(user, birth_date=date.today() - timedelta(days=365 * 9))


def _form(**kw):
    data = {
        "lock_version": "0",
        "kind": "services",
        "decision": "given",
        "given_by": "survivor",
        "method": "verbal",
        "mandatory_reporting_explained": "y",
    }
    data.update(kw)
    return data


def _section(page) -> str:
    html = page.get_data(as_text=True)
    return html.split('id="consent"')[1].split("</section>")[0]


def test_record_a_consent_and_see_it_on_the_case_page(worker):
    case = _open(worker.user)
    form = worker.get(f"/cases/{case.id}/consent/new")
    assert form.status_code == 200
    assert "Record consent" in form.get_data(as_text=True)
    response = worker.post(f"/cases/{case.id}/consent/new", _form(given_on=str(date.today())))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}#consent")
    section = _section(worker.get(f"/cases/{case.id}"))
    assert "Given" in section
    assert "in force since" in section
    assert section.count("<tr>") == 2  # header and the one decision


def test_a_release_names_its_services_and_providers(worker):
    case = _open(worker.user)
    clinic = factories.OrganisationFactory(org_type=OrganisationType.HEALTH, name_en="City Clinic")
    response = worker.post(
        f"/cases/{case.id}/consent/new",
        _form(kind="release", service_types=[HEALTH, POLICE], organisation_ids=[str(clinic.id)]),
    )
    assert response.status_code == 302
    section = _section(worker.get(f"/cases/{case.id}"))
    assert "Hospital" in section
    assert "Only with these providers" in section
    assert service.release_decision(case, HEALTH, clinic.id).allowed


def test_a_refused_form_shows_every_error_and_keeps_the_input(worker):
    case = _child(worker.user)
    response = worker.post(
        f"/cases/{case.id}/consent/new",
        _form(kind="release", remark="Wants the police only after Friday"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A child cannot consent alone" in html
    assert "record her assent" in html
    assert "at least one type of service" in html
    assert "Wants the police only after Friday" in html
    assert 'selected value="release"' in html
    assert db.session.execute(select(Consent)).first() is None


def test_a_malformed_field_and_broken_rules_come_back_in_one_response(worker):
    case = _open(worker.user)
    response = worker.post(
        f"/cases/{case.id}/consent/new",
        _form(given_on="31.02.2026", given_by="", service_types=["not-a-service"]),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not a valid date value" in html
    assert "Choose who decided" in html
    assert "Choose one of the options" in html


def test_a_stale_form_is_refused_and_keeps_the_input(worker):
    case = _open(worker.user)
    assert worker.post(f"/cases/{case.id}/consent/new", _form()).status_code == 302
    response = worker.post(
        f"/cases/{case.id}/consent/new", _form(kind="reporting", remark="Typed before")
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone saved this record" in html
    assert "Typed before" in html
    assert 'name="lock_version" type="hidden" value="1"' in html
    assert not service.reporting_consented(case)


def test_the_release_form_starts_from_the_scope_in_force(worker):
    case = _open(worker.user)
    worker.post(f"/cases/{case.id}/consent/new", _form(kind="release", service_types=[HEALTH]))
    html = worker.get(f"/cases/{case.id}/consent/new?kind=release").get_data(as_text=True)
    checked = re.findall(r'<input checked id="service_types-\d+" [^>]*value="([a-z_]+)"', html)
    assert checked == [HEALTH]
    assert 'name="lock_version" type="hidden" value="1"' in html


def test_withdraw_asks_for_confirmation_then_refuses_referrals_at_once(worker):
    case = _open(worker.user)
    worker.post(f"/cases/{case.id}/consent/new", _form(kind="release", service_types=[POLICE]))
    url = f"/cases/{case.id}/consent/release/withdraw"
    page = worker.get(url)
    assert page.status_code == 200
    assert "takes effect at once" in page.get_data(as_text=True)
    unconfirmed = worker.post(url, {"given_by": "survivor"})
    assert unconfirmed.status_code == 422
    assert "confirm the withdrawal" in unconfirmed.get_data(as_text=True)
    # The refused checkbox itself says so, and is tied to the message read out.
    assert "confirm the withdrawal" in announced_error(
        unconfirmed.get_data(as_text=True), "confirmed"
    )
    assert service.release_decision(case, POLICE, None).allowed
    done = worker.post(url, {"given_by": "survivor", "confirmed": "y"})
    assert done.status_code == 302
    assert service.release_decision(case, POLICE, None).reason_code == service.WITHDRAWN
    section = _section(worker.get(f"/cases/{case.id}"))
    assert "Withdrawn" in section
    assert "No referral can be sent" in section


def test_withdrawing_what_is_not_in_force_is_refused(worker):
    case = _open(worker.user)
    url = f"/cases/{case.id}/consent/reporting/withdraw"
    assert "no consent of this kind in force" in worker.get(url).get_data(as_text=True)
    response = worker.post(url, {"confirmed": "y"})
    assert response.status_code == 422
    assert db.session.execute(select(Consent)).first() is None


def test_an_unknown_consent_kind_is_not_found(worker):
    case = _open(worker.user)
    assert worker.get(f"/cases/{case.id}/consent/everything/withdraw").status_code == 404


def test_a_closed_case_shows_consent_but_takes_no_new_one(worker):
    case = _open(worker.user)
    service.record_consent(worker.user, case, _input_services(), 0)
    case.status = CaseStatus.CLOSED
    db.session.flush()
    section = _section(worker.get(f"/cases/{case.id}"))
    assert "Given" in section
    assert "Withdraw" not in section
    assert "Record consent" not in section
    assert worker.get(f"/cases/{case.id}/consent/new").status_code == 409
    assert worker.post(f"/cases/{case.id}/consent/new", _form(lock_version="1")).status_code == 409
    withdraw = worker.post(f"/cases/{case.id}/consent/services/withdraw", {"confirmed": "y"})
    assert withdraw.status_code == 409
    assert service.services_consented(case)


def _input_services():
    from referral.cases.models import ConsentDecision, ConsentGiver, ConsentMethod

    return service.ConsentInput(
        kind=ConsentKind.SERVICES,
        decision=ConsentDecision.GIVEN,
        given_by=ConsentGiver.SURVIVOR,
        method=ConsentMethod.VERBAL,
    )
