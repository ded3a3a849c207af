"""Consent rules and what consent allows: each rule refuses what it should (all at
once), history is kept, and a withdrawal refuses a referral at once."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    ChildAssent,
    Consent,
    ConsentDecision,
    ConsentGiver,
    ConsentKind,
    ConsentMethod,
    ErasureReason,
)
from referral.cases.service import consent as service
from referral.cases.service.common import CaseClosedError, CaseError, StaleError
from referral.crypto import fields
from referral.crypto.grants import GrantError
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from tests import factories

POLICE = ServiceType.POLICE_INTERNAL_AFFAIRS
HEALTH = ServiceType.HEALTH_HOSPITAL


@pytest.fixture
def worker():
    return factories.UserFactory(role=Role.CASEWORKER)


@pytest.fixture
def case(worker):
    return cases.open_case(worker, cases.CaseInput(full_name="Aigul Toktogulova"))


@pytest.fixture
def child_case(worker):
    birth = date.today() - timedelta(days=365 * 10)
    return cases.open_case(worker, cases.CaseInput(full_name="Aruuke Bekova", birth_date=birth))


def _input(kind=ConsentKind.SERVICES, **kw) -> service.ConsentInput:
    data = {
        "kind": kind,
        "decision": ConsentDecision.GIVEN,
        "given_by": ConsentGiver.SURVIVOR,
        "method": ConsentMethod.VERBAL,
        "mandatory_reporting_explained": True,
    }
    data.update(kw)
    return service.ConsentInput(**data)


def _record(user, case, **kw):
    return service.record_consent(user, case, _input(**kw), service.history_version(case))


def _withdraw(user, case, kind):
    return service.withdraw_consent(user, case, kind, service.WithdrawInput(confirmed=True))


def _fields_refused(exc) -> set:
    return {f for f, _m in exc.value.errors}


def _audit(action):
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_services_consent_is_recorded_with_timeline_and_audit_by_code(worker, case):
    assert not service.services_consented(case)
    row = _record(worker, case)
    assert service.services_consented(case)
    assert row.recorded_by_id == worker.id
    assert row.recorded_at is not None
    assert row.seq == 1
    kinds = set(
        db.session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).scalars()
    )
    assert "consent_services_given" in kinds
    (event,) = _audit("consent_given")
    assert event.detail == {"kind": "services", "consent": str(row.id)}


def test_withdrawal_keeps_the_history_and_takes_effect_at_once(worker, case):
    _record(worker, case, kind=ConsentKind.REPORTING)
    assert service.reporting_consented(case)
    _withdraw(worker, case, ConsentKind.REPORTING)
    assert not service.reporting_consented(case)
    rows = db.session.execute(select(Consent).where(Consent.case_id == case.id)).scalars()
    assert [(r.seq, r.decision) for r in sorted(rows, key=lambda r: r.seq)] == [
        (1, ConsentDecision.GIVEN),
        (2, ConsentDecision.WITHDRAWN),
    ]
    assert len(_audit("consent_withdrawn")) == 1
    overview = service.consent_overview(worker, case)
    assert [r.decision for r in overview.history] == [
        ConsentDecision.WITHDRAWN,
        ConsentDecision.GIVEN,
    ]


def test_the_three_consents_are_separate(worker, case):
    _record(worker, case, kind=ConsentKind.SERVICES)
    assert service.services_consented(case)
    assert not service.reporting_consented(case)
    assert service.release_decision(case, POLICE, None).reason_code == service.NO_CONSENT


# --- release_decision ----------------------------------------------------------------


def test_release_covers_the_service_types_named_and_no_other(worker, case):
    _record(worker, case, kind=ConsentKind.RELEASE, service_types=(POLICE, HEALTH))
    police_org = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    covered = service.release_decision(case, POLICE, police_org.id)
    assert covered.allowed
    assert covered.reason_code == service.COVERED
    shelter = service.release_decision(case, ServiceType.SHELTER_SAFE_ACCOMMODATION, None)
    assert not shelter.allowed
    assert shelter.reason_code == service.TYPE_NOT_COVERED
    assert str(shelter.message)


def test_release_to_named_providers_only(worker, case):
    named = factories.OrganisationFactory(org_type=OrganisationType.HEALTH)
    other = factories.OrganisationFactory(org_type=OrganisationType.HEALTH)
    _record(
        worker,
        case,
        kind=ConsentKind.RELEASE,
        service_types=(HEALTH,),
        organisation_ids=(named.id,),
    )
    assert service.release_decision(case, HEALTH, named.id).allowed
    refused = service.release_decision(case, HEALTH, other.id)
    assert not refused.allowed
    assert refused.reason_code == service.PROVIDER_NOT_NAMED


def test_withdrawn_release_refuses_at_once(worker, case):
    _record(worker, case, kind=ConsentKind.RELEASE, service_types=(POLICE,))
    assert service.release_decision(case, POLICE, None).allowed
    _withdraw(worker, case, ConsentKind.RELEASE)
    decision = service.release_decision(case, POLICE, None)
    assert not decision.allowed
    assert decision.reason_code == service.WITHDRAWN


def test_a_new_release_replaces_the_scope_in_force(worker, case):
    _record(worker, case, kind=ConsentKind.RELEASE, service_types=(POLICE, HEALTH))
    _record(worker, case, kind=ConsentKind.RELEASE, service_types=(HEALTH,))
    assert not service.release_decision(case, POLICE, None).allowed
    assert service.release_decision(case, HEALTH, None).allowed
    assert service.release_scope(case) == ([HEALTH], [])


def test_refused_release_refuses_referrals(worker, case):
    _record(worker, case, kind=ConsentKind.RELEASE, decision=ConsentDecision.REFUSED)
    decision = service.release_decision(case, POLICE, None)
    assert not decision.allowed
    assert decision.reason_code == service.REFUSED
    assert len(_audit("consent_refused")) == 1


def test_an_erased_case_releases_nothing(worker, case):
    _record(worker, case, kind=ConsentKind.RELEASE, service_types=(POLICE,))
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    cases.erase_case(supervisor, case, ErasureReason.SURVIVOR_REQUEST)
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 0
    assert service.release_decision(case, POLICE, None).reason_code == service.NO_CONSENT


# --- rules ---------------------------------------------------------------------------


def test_every_missing_answer_is_reported_at_once(worker, case):
    with pytest.raises(CaseError) as exc:
        service.record_consent(worker, case, service.ConsentInput(kind=None, decision=None), 0)
    assert _fields_refused(exc) == {"kind", "decision", "given_by", "method"}


def test_a_child_cannot_consent_alone(worker, child_case):
    assert child_case.is_child
    with pytest.raises(CaseError) as exc:
        _record(worker, child_case)
    assert _fields_refused(exc) == {"given_by", "child_assent"}


def test_a_childs_consent_by_her_caregiver_with_assent_is_recorded(worker, child_case):
    _record(
        worker,
        child_case,
        given_by=ConsentGiver.CAREGIVER,
        child_assent=ChildAssent.GIVEN,
    )
    assert service.services_consented(child_case)


def test_an_adults_consent_needs_no_assent_and_stores_none(worker, case):
    row = _record(worker, case, child_assent=ChildAssent.GIVEN)
    assert row.child_assent is None


def test_a_release_with_no_service_type_is_refused(worker, case):
    with pytest.raises(CaseError) as exc:
        _record(worker, case, kind=ConsentKind.RELEASE)
    assert _fields_refused(exc) == {"service_types"}


def test_a_release_to_a_non_referral_service_is_refused(worker, case):
    with pytest.raises(CaseError) as exc:
        _record(worker, case, kind=ConsentKind.RELEASE, service_types=(ServiceType.AKSAKAL_COURT,))
    assert _fields_refused(exc) == {"service_types"}


def test_named_providers_must_exist_and_be_active(worker, case):
    closed = factories.OrganisationFactory(is_active=False)
    for org_id in (closed.id, factories.OrganisationFactory.build().id):
        with pytest.raises(CaseError) as exc:
            _record(
                worker,
                case,
                kind=ConsentKind.RELEASE,
                service_types=(POLICE,),
                organisation_ids=(org_id,),
            )
        assert _fields_refused(exc) == {"organisation_ids"}


def test_service_types_belong_to_the_release_consent_only(worker, case):
    with pytest.raises(CaseError) as exc:
        _record(worker, case, kind=ConsentKind.REPORTING, service_types=(POLICE,))
    assert _fields_refused(exc) == {"service_types"}


def test_the_date_given_cannot_be_in_the_future(worker, case):
    with pytest.raises(CaseError) as exc:
        _record(worker, case, given_on=date.today() + timedelta(days=2))
    assert _fields_refused(exc) == {"given_on"}


def test_withdrawn_is_not_a_decision_the_record_form_can_make(worker, case):
    with pytest.raises(CaseError) as exc:
        _record(worker, case, decision=ConsentDecision.WITHDRAWN)
    assert _fields_refused(exc) == {"decision"}


def test_nothing_in_force_cannot_be_withdrawn(worker, case):
    _record(worker, case, decision=ConsentDecision.REFUSED)
    with pytest.raises(CaseError):
        _withdraw(worker, case, ConsentKind.SERVICES)
    with pytest.raises(CaseError) as exc:
        service.withdraw_consent(
            worker, case, ConsentKind.SERVICES, service.WithdrawInput(confirmed=False)
        )
    assert _fields_refused(exc) == {None, "confirmed"}


def test_a_form_loaded_before_another_save_is_stale(worker, case):
    loaded = service.history_version(case)
    _record(worker, case)
    with pytest.raises(StaleError):
        service.record_consent(worker, case, _input(kind=ConsentKind.REPORTING), loaded)
    assert not service.reporting_consented(case)


def test_a_closed_case_takes_no_consent(worker, case):
    case.status = CaseStatus.CLOSED
    with pytest.raises(CaseClosedError):
        _record(worker, case)


def test_out_of_scope_users_cannot_record(case):
    stranger = factories.UserFactory(role=Role.CASEWORKER)
    with pytest.raises(GrantError):
        _record(stranger, case)


# --- remark and queries over many cases ---------------------------------------------


def test_the_remark_is_encrypted_and_its_read_audited(worker, case):
    row = _record(worker, case, remark="She asked us not to call her brother")
    db.session.flush()
    raw = db.session.execute(
        select(Consent.__table__.c.remark_ct).where(Consent.__table__.c.id == row.id)
    ).scalar_one()
    assert b"brother" not in bytes(raw)
    assert _audit("consent_given")[0].detail["units"] == ["notes"]
    db.session.expire_all()
    fields.forget_deks()
    overview = service.consent_overview(worker, case)
    assert overview.history[0].remark == "She asked us not to call her brother"
    assert any(e.detail.get("part") == "consent" for e in _audit("sensitive_read"))


def test_consented_clause_counts_only_cases_whose_latest_reporting_consent_stands(worker):
    given, withdrawn, never = (
        cases.open_case(worker, cases.CaseInput(full_name=f"Survivor {n}")) for n in "abc"
    )
    _record(worker, given, kind=ConsentKind.REPORTING)
    _record(worker, withdrawn, kind=ConsentKind.REPORTING)
    _withdraw(worker, withdrawn, ConsentKind.REPORTING)
    found = set(
        db.session.execute(
            select(Case.id).where(service.consented_clause(ConsentKind.REPORTING))
        ).scalars()
    )
    assert given.id in found
    assert withdrawn.id not in found
    assert never.id not in found
