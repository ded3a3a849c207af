"""Choosing where to refer: the pathway that covers where she lives and how far the case
has gone along it, the providers proposed for a step (service type, area, eligibility,
accepting referrals, preferred first, with or without an account), and sending along
the pathway, gated by consent, with a supervisor's override and the shared items
narrowed whatever is posted."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import (
    AgeBand,
    Sex,
)
from referral.committees.service import pathways
from referral.directory.models import (
    EligibleSex,
    LocationLevel,
    OrganisationType,
    ServiceStatus,
    ServiceType,
)
from referral.extensions import db
from referral.referrals.models import DeclineReason, ReferralStatus, Urgency
from referral.referrals.service import lifecycle, proposals
from referral.referrals.service.lifecycle import ReferralError
from referral.referrals.service.proposals import SendInput, StepState, Survivor
from tests import factories
from tests.helpers import release

POLICE = ServiceType.POLICE_INTERNAL_AFFAIRS
HEALTH = ServiceType.HEALTH_PRIMARY_CARE
PSYCHOLOGIST = ServiceType.PSYCHOLOGIST_COUNSELLING
S = ReferralStatus
CANARY_NOTE = "Canary-note-Q7ZK never leaves the centre"


# --- a small world ----------------------------------------------------------------------


def places():
    oblast = factories.LocationFactory(level=LocationLevel.OBLAST, name_en="Chui oblast")
    rayon = factories.LocationFactory(level=LocationLevel.RAYON, parent_id=oblast.id)
    elsewhere = factories.LocationFactory(level=LocationLevel.RAYON)
    return SimpleNamespace(oblast=oblast, rayon=rayon, elsewhere=elsewhere)


def centre():
    org = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    factories.PhoneFactory(organisation_id=org.id, number="+996 312 111 222")
    return SimpleNamespace(
        org=org,
        worker=factories.UserFactory(role=Role.CASEWORKER, organisation=org),
        supervisor=factories.UserFactory(role=Role.SUPERVISOR, organisation=org),
    )


def provider(
    org_type=OrganisationType.POLICE,
    service_type=POLICE,
    *,
    area=None,
    account=True,
    name=None,
    **service_kw,
):
    """An organisation with one service of `service_type` covering `area` (nationwide
    when None), and a focal-point account unless account=False."""
    org = factories.OrganisationFactory(org_type=org_type, **({"name_en": name} if name else {}))
    service = factories.ServiceFactory(
        organisation=org, service_type=service_type, is_nationwide=area is None, **service_kw
    )
    if area is not None:
        factories.ServiceAreaFactory(service_id=service.id, location=area)
    user = factories.UserFactory(role=Role.PROVIDER, organisation=org) if account else None
    db.session.expire(org, ["services"])
    return SimpleNamespace(org=org, service=service, user=user)


def open_case(worker, rayon=None, *, age=30, sex=Sex.FEMALE, consent_to=()):
    case = cases.open_case(
        worker,
        cases.CaseInput(
            full_name="Zarina Canaryeva",
            phone="0555 987 321",
            address="Canary street 7",
            estimated_age=age,
            sex=sex,
            note=CANARY_NOTE,
            residence_location_id=rayon.id if rayon is not None else None,
        ),
    )
    db.session.flush()
    if consent_to:
        release(worker, case, consent_to)
    return case


def send_input(to, service_type=POLICE, **kw):
    values = {
        "step_id": None,
        "service_type": service_type,
        "to_org_id": to.org.id,
        "urgency": Urgency.URGENT,
        "shared_items": ("name", "safe_contact"),
        "summary": "She needs protection tonight.",
    }
    values.update(kw)
    return SendInput(**values)


def local_pathway(rayon, *service_types):
    committee = factories.CommitteeFactory()
    committee.areas.append(rayon)
    db.session.flush()
    return factories.version_with_steps(committee.pathway, *service_types)


@pytest.fixture
def world():
    where = places()
    c = centre()
    case = open_case(c.worker, where.rayon)
    return SimpleNamespace(places=where, centre=c, case=case)


def _names(found):
    return [p.name for p in found]


# --- proposals -----------------------------------------------------------------------


def test_proposals_match_the_service_type_and_a_covering_area(world):
    where = world.places
    in_oblast = provider(area=where.oblast, name="Oblast police")
    in_rayon = provider(area=where.rayon, name="Rayon police")
    nationwide = provider(name="National police line")
    provider(area=where.elsewhere, name="Police far away")
    provider(OrganisationType.HEALTH, HEALTH, area=where.rayon, name="Clinic")
    found = proposals.proposals_for(Survivor.of(world.case), POLICE)
    assert sorted(_names(found)) == sorted(
        [in_oblast.org.name, in_rayon.org.name, nationwide.org.name]
    )


def test_proposals_leave_out_inactive_closed_and_not_accepting_providers(world):
    rayon = world.places.rayon
    kept = provider(area=rayon, name="Open police")
    closed_org = provider(area=rayon, name="Closed organisation")
    closed_org.org.is_active = False
    provider(area=rayon, name="Closed service", status=ServiceStatus.TEMPORARILY_CLOSED)
    provider(area=rayon, name="Not accepting", accepts_referrals=False)
    # An organisation that receives no referrals (no sharing profile) is never proposed.
    provider(OrganisationType.COMMITTEE, POLICE, area=rayon, name="A committee")
    db.session.flush()
    assert _names(proposals.proposals_for(Survivor.of(world.case), POLICE)) == [kept.org.name]


def test_proposals_respect_sex_and_age_eligibility(world):
    rayon = world.places.rayon
    provider(area=rayon, name="For anyone")
    provider(area=rayon, name="For women", eligible_sex=EligibleSex.FEMALE)
    provider(area=rayon, name="For men", eligible_sex=EligibleSex.MALE)
    provider(area=rayon, name="For girls", maximum_age=17)
    provider(area=rayon, name="For older women", minimum_age=45)
    thirty = proposals.survivor_of(world.centre.worker, world.case)
    assert thirty.age == 30
    assert sorted(_names(proposals.proposals_for(thirty, POLICE))) == ["For anyone", "For women"]
    # Without her exact age, her age band decides: a girl of 12-17 fits "For girls".
    girl = Survivor(rayon.id, Sex.FEMALE, None, AgeBand.A12_17)
    assert sorted(_names(proposals.proposals_for(girl, POLICE))) == [
        "For anyone",
        "For girls",
        "For women",
    ]


def test_preferred_providers_come_first_in_the_committees_order(world):
    rayon = world.places.rayon
    provider(area=rayon, name="Alpha police")
    zeta = provider(area=rayon, name="Zeta police")
    omega = provider(area=rayon, name="Omega police")
    version = local_pathway(rayon, POLICE)
    step = version.steps[0]
    factories.PathwayStepProviderFactory(step=step, organisation=zeta.org, position=1)
    factories.PathwayStepProviderFactory(step=step, organisation=omega.org, position=2)
    db.session.expire(step, ["providers"])
    found = proposals.proposals_for(Survivor.of(world.case), POLICE, step)
    assert _names(found) == ["Zeta police", "Omega police", "Alpha police"]
    assert [p.is_preferred for p in found] == [True, True, False]


def test_a_provider_without_a_focal_point_is_proposed_on_paper(world):
    rayon = world.places.rayon
    provider(area=rayon, name="Police with account")
    provider(area=rayon, name="Rural police", account=False)
    rural_with_admin = provider(area=rayon, name="Village police", account=False)
    # A user of another role in that organisation is no focal point.
    factories.UserFactory(role=Role.COMMITTEE_MEMBER, organisation=rural_with_admin.org)
    found = {p.name: p for p in proposals.proposals_for(Survivor.of(world.case), POLICE)}
    assert found["Police with account"].has_account
    assert not found["Police with account"].on_paper
    assert found["Rural police"].on_paper
    assert found["Village police"].on_paper


def test_proposals_show_hours_and_languages(world):
    police = provider(area=world.places.rayon, name="Police")
    factories.ScheduleFactory(service_id=police.service.id)
    factories.ServiceLanguageFactory(service_id=police.service.id, code="ky")
    factories.ServiceLanguageFactory(service_id=police.service.id, code="ru")
    (found,) = proposals.proposals_for(Survivor.of(world.case), POLICE)
    assert found.hours
    assert "09:00" in found.hours[0]
    assert found.languages == ("Kyrgyz", "Russian")


# --- the pathway and how far the case has gone ----------------------------------------


def test_the_local_pathway_with_each_step_marked_for_this_case(app, world):
    rayon = world.places.rayon
    worker = world.centre.worker
    police = provider(area=rayon)
    clinic = provider(OrganisationType.HEALTH, HEALTH, area=rayon)
    version = local_pathway(rayon, POLICE, HEALTH, PSYCHOLOGIST)
    release(worker, world.case, (POLICE, HEALTH))

    def states():
        view = proposals.pathway_view(world.case)
        return [s.state for s in view.steps]

    view = proposals.pathway_view(world.case)
    assert view.version_id == version.id
    assert not view.is_national
    assert states() == [StepState.NOT_STARTED] * 3
    to_police = proposals.send_along(worker, world.case, send_input(police))
    assert states() == [StepState.IN_PROGRESS, StepState.NOT_STARTED, StepState.NOT_STARTED]
    lifecycle.withdraw_referral(worker, to_police, to_police.lock_version)
    assert states()[0] == StepState.NOT_STARTED  # withdrawn only: not started again
    to_clinic = proposals.send_along(worker, world.case, send_input(clinic, HEALTH))
    for step in (S.ACCEPTED, S.SERVICE_PROVIDED):
        lifecycle.provider_step(clinic.user, to_clinic, step, to_clinic.lock_version)
    assert states()[1] == StepState.DONE
    declined = proposals.send_along(worker, world.case, send_input(police))
    lifecycle.provider_step(
        police.user,
        declined,
        S.DECLINED,
        declined.lock_version,
        decline_reason=DeclineReason.SERVICE_UNAVAILABLE,
    )
    assert states() == [StepState.NOT_STARTED, StepState.DONE, StepState.NOT_STARTED]


def test_without_a_local_pathway_the_national_default_applies(world):
    national = factories.version_with_steps(pathways.national_pathway(), POLICE)
    view = proposals.pathway_view(world.case)
    assert view.version_id == national.id
    assert view.is_national
    assert view.name == "National default pathway"


# --- sending along the pathway ---------------------------------------------------------


def test_sending_keeps_the_pathway_version_and_step_it_followed(world):
    rayon = world.places.rayon
    police = provider(area=rayon)
    version = local_pathway(rayon, HEALTH, POLICE)
    release(world.centre.worker, world.case, (POLICE,))
    step = version.steps[1]
    referral = proposals.send_along(
        world.centre.worker, world.case, send_input(police, step_id=step.id)
    )
    assert (referral.pathway_version_id, referral.pathway_step_id) == (version.id, step.id)
    assert referral.to_service_id == police.service.id
    assert not referral.is_on_paper


def test_a_provider_without_an_account_gets_the_referral_on_paper(world):
    rural = provider(area=world.places.rayon, account=False)
    release(world.centre.worker, world.case, (POLICE,))
    referral = proposals.send_along(world.centre.worker, world.case, send_input(rural))
    assert referral.is_on_paper


def test_a_provider_that_is_not_proposed_is_refused_whatever_is_posted(world):
    far = provider(area=world.places.elsewhere)
    release(world.centre.worker, world.case, (POLICE,))
    with pytest.raises(ReferralError) as refused:
        proposals.send_along(world.centre.worker, world.case, send_input(far))
    assert [f for f, _m in refused.value.errors] == ["to_org_id"]


def test_sending_without_consent_is_refused_with_the_reason(world):
    police = provider(area=world.places.rayon)
    with pytest.raises(ReferralError) as refused:
        proposals.send_along(world.centre.worker, world.case, send_input(police))
    messages = [str(m) for _f, m in refused.value.errors]
    assert "No consent to release information has been recorded." in messages
    release(world.centre.worker, world.case, (HEALTH,))
    with pytest.raises(ReferralError) as refused:
        proposals.send_along(world.centre.worker, world.case, send_input(police))
    assert "The consent does not cover this type of service." in [
        str(m) for _f, m in refused.value.errors
    ]


def test_only_a_supervisor_overrides_consent_with_a_reason(world):
    police = provider(area=world.places.rayon)
    reason = "Mandatory report: a child in danger."
    with pytest.raises(ReferralError) as refused:
        proposals.send_along(
            world.centre.worker, world.case, send_input(police, override_reason=reason)
        )
    assert [f for f, _m in refused.value.errors] == ["override_reason"]
    referral = proposals.send_along(
        world.centre.supervisor, world.case, send_input(police, override_reason=reason)
    )
    assert referral.consent_override
    assert referral.override_by_id == world.centre.supervisor.id


def test_posting_items_outside_the_profile_changes_nothing(world):
    clinic = provider(OrganisationType.HEALTH, HEALTH, area=world.places.rayon)
    release(world.centre.worker, world.case, (HEALTH,))
    referral = proposals.send_along(
        world.centre.worker,
        world.case,
        send_input(
            clinic,
            HEALTH,
            shared_items=("name", "perpetrator_name", "address", "psychosocial_needs"),
        ),
    )
    assert referral.shared_items == ["name", "summary"]


def test_every_problem_of_a_submission_at_once(world):
    police = provider(area=world.places.rayon)
    with pytest.raises(ReferralError) as refused:
        proposals.send_along(
            world.centre.worker,
            world.case,
            send_input(police, urgency=None, summary="", override_reason="x" * 2001),
        )
    fields = {f for f, _m in refused.value.errors}
    assert {"urgency", "summary", "override_reason"} <= fields
    assert len([f for f, _m in refused.value.errors if f == "override_reason"]) == 2
