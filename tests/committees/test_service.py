"""Committee and pathway rules: what an editor or a later referral would notice."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.committees import service
from referral.committees.models import ActivityType, MemberAgency, VersionStatus
from referral.db import utcnow
from referral.directory.models import (
    LocationLevel,
    OrganisationType,
    Phone,
    Service,
    ServiceType,
)
from referral.extensions import db
from tests import factories


def _actions() -> list[str]:
    return list(db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def _steps(version) -> list[ServiceType]:
    db.session.expire(version, ["steps"])
    return [s.service_type for s in version.steps]


# --- committees ----------------------------------------------------------------------


def test_creating_a_committee_gives_it_an_area_and_an_empty_pathway():
    rayon = factories.LocationFactory()
    committee = service.create_committee(
        service.CommitteeInput(name_ky="", name_ru="Комитет", name_en="", area_ids=[rayon.id])
    )
    assert committee.areas == [rayon]
    assert committee.pathway is not None
    assert service.published_version(committee.pathway) is None
    assert _actions()[-1] == "committee_created"


def test_a_place_belongs_to_one_committee_only():
    rayon = factories.LocationFactory(name_en="Sokuluk")
    first = factories.CommitteeFactory(name_en="First committee")
    service.update_committee(
        first, service.CommitteeInput(name_ky="", name_ru="", name_en="First", area_ids=[rayon.id])
    )
    with pytest.raises(service.CommitteeError) as refused:
        service.create_committee(
            service.CommitteeInput(name_ky="", name_ru="", name_en="Second", area_ids=[rayon.id])
        )
    assert "already in the area of" in str(refused.value.message)


def test_the_coordinator_must_be_a_member_with_an_account():
    committee = factories.CommitteeFactory()
    outsider = factories.UserFactory(role=Role.COMMITTEE_MEMBER)
    data = service.CommitteeInput(
        name_ky="", name_ru="", name_en=committee.name_en, coordinator_id=outsider.id
    )
    with pytest.raises(service.CommitteeError):
        service.update_committee(committee, data)
    service.add_member(
        committee, service.MemberInput(agency=MemberAgency.POLICE, user_id=outsider.id)
    )
    assert service.update_committee(committee, data) is True
    assert committee.coordinator_id == outsider.id


def test_members_are_accounts_with_the_committee_role_or_named_people():
    committee = factories.CommitteeFactory()
    caseworker = factories.UserFactory(role=Role.CASEWORKER)
    with pytest.raises(service.CommitteeError):
        service.add_member(
            committee, service.MemberInput(agency=MemberAgency.NGO, user_id=caseworker.id)
        )
    with pytest.raises(service.CommitteeError):
        service.add_member(committee, service.MemberInput(agency=MemberAgency.NGO, full_name=" "))
    person = service.add_member(
        committee,
        service.MemberInput(
            agency=MemberAgency.RELIGIOUS_LEADER, position="Imam", full_name="Kubanych Omurov"
        ),
    )
    assert person.display_name == "Kubanych Omurov"
    assert person.user_id is None


def test_ending_a_membership_keeps_the_row_but_not_for_the_coordinator():
    coordinator = factories.UserFactory(role=Role.COMMITTEE_MEMBER)
    committee = factories.CommitteeFactory(coordinator=coordinator)
    own = factories.CommitteeMemberFactory(committee=committee, user=coordinator, full_name="")
    other = factories.CommitteeMemberFactory(committee=committee)
    with pytest.raises(service.CommitteeError):
        service.end_membership(own)
    service.end_membership(other)
    db.session.expire(committee, ["members"])
    assert other not in committee.active_members
    assert other in committee.members
    assert _actions()[-1] == "committee_member_ended"


def test_activities_cannot_be_logged_in_the_future_and_count_by_quarter():
    committee = factories.CommitteeFactory()
    today = utcnow().date()
    with pytest.raises(service.CommitteeError):
        service.log_activity(
            committee,
            service.ActivityInput(
                occurred_on=today + timedelta(days=1),
                activity_type=ActivityType.MEETING,
                title="Tomorrow",
            ),
            by=None,
        )
    factories.CommitteeActivityFactory(committee=committee, occurred_on=today)
    factories.CommitteeActivityFactory(committee=committee, occurred_on=today - timedelta(days=400))
    assert service.activities_since(committee, service.quarter_start(today)) == 1


# --- pathway versions ----------------------------------------------------------------


def test_a_draft_starts_as_a_copy_of_the_version_in_force_and_publishing_supersedes_it():
    committee = factories.CommitteeFactory()
    v1 = factories.version_with_steps(
        committee.pathway, ServiceType.CRISIS_CENTRE, ServiceType.HEALTH_HOSPITAL
    )
    factories.PathwayStepProviderFactory(step=v1.steps[0])
    draft = service.start_draft(committee.pathway, None)
    assert draft.number == 2
    assert _steps(draft) == [ServiceType.CRISIS_CENTRE, ServiceType.HEALTH_HOSPITAL]
    assert [p.organisation_id for p in draft.steps[0].providers] == [
        p.organisation_id for p in v1.steps[0].providers
    ]
    assert service.start_draft(committee.pathway, None) is draft  # one draft at a time

    service.add_step(draft, service.StepInput(ServiceType.LEGAL_AID_NGO, 120))
    service.publish(draft, None)

    assert v1.status == VersionStatus.SUPERSEDED
    assert service.published_version(committee.pathway) == draft
    assert draft.published_at is not None
    # The old version a referral may have followed is untouched.
    assert _steps(v1) == [ServiceType.CRISIS_CENTRE, ServiceType.HEALTH_HOSPITAL]
    assert service.get_version(v1.id) == v1
    assert _actions()[-1] == "pathway_published"


def test_published_versions_cannot_be_changed():
    version = factories.version_with_steps(factories.CommitteeFactory().pathway)
    step = version.steps[0]
    org = factories.OrganisationFactory(org_type=OrganisationType.HEALTH)
    for attempt in (
        lambda: service.add_step(version, service.StepInput(ServiceType.HELPLINE, 24)),
        lambda: service.update_step(step, service.StepInput(ServiceType.HELPLINE, 24)),
        lambda: service.remove_step(step),
        lambda: service.move_step(step, 1),
        lambda: service.add_preferred_provider(step, org),
        lambda: service.publish(version, None),
        lambda: service.discard_draft(version),
    ):
        with pytest.raises(service.CommitteeError):
            attempt()
    assert _steps(version) == [ServiceType.CRISIS_CENTRE]


def test_steps_never_name_aksakal_courts_and_need_a_sane_target_time():
    draft = service.start_draft(factories.CommitteeFactory().pathway, None)
    for bad in (
        service.StepInput(ServiceType.AKSAKAL_COURT, 24),
        service.StepInput(ServiceType.PREVENTION_COMMITTEE, 24),
        service.StepInput(ServiceType.CRISIS_CENTRE, 0),
        service.StepInput(ServiceType.CRISIS_CENTRE, service.MAX_TARGET_HOURS + 1),
    ):
        with pytest.raises(service.CommitteeError):
            service.add_step(draft, bad)
    assert _steps(draft) == []


def test_an_empty_draft_cannot_be_published():
    draft = service.start_draft(factories.CommitteeFactory().pathway, None)
    with pytest.raises(service.CommitteeError):
        service.publish(draft, None)


def test_steps_move_up_and_down_and_renumber_on_removal():
    draft = service.start_draft(factories.CommitteeFactory().pathway, None)
    a = service.add_step(draft, service.StepInput(ServiceType.CRISIS_CENTRE, 24))
    b = service.add_step(draft, service.StepInput(ServiceType.HEALTH_HOSPITAL, 12))
    c = service.add_step(draft, service.StepInput(ServiceType.LEGAL_AID_STATE, 120))
    assert service.move_step(c, -1) is True
    assert _steps(draft) == [
        ServiceType.CRISIS_CENTRE,
        ServiceType.LEGAL_AID_STATE,
        ServiceType.HEALTH_HOSPITAL,
    ]
    assert service.move_step(a, -1) is False  # already first
    service.remove_step(a)
    assert [s.position for s in draft.steps] == [1, 2]
    assert _steps(draft) == [ServiceType.LEGAL_AID_STATE, ServiceType.HEALTH_HOSPITAL]
    assert b.position == 2


def test_preferred_providers_are_active_service_providers_once_per_step():
    draft = service.start_draft(factories.CommitteeFactory().pathway, None)
    step = service.add_step(draft, service.StepInput(ServiceType.POLICE_DISTRICT_INSPECTOR, 24))
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    closed = factories.OrganisationFactory(org_type=OrganisationType.POLICE, is_active=False)
    committee_org = factories.OrganisationFactory(org_type=OrganisationType.COMMITTEE)
    service.add_preferred_provider(step, police)
    for refused in (police, closed, committee_org):
        with pytest.raises(service.CommitteeError):
            service.add_preferred_provider(step, refused)
    assert police in service.provider_choices()
    assert closed not in service.provider_choices()
    assert service.remove_preferred_provider(step, police.id) is True
    assert step.providers == []


def test_discarding_a_draft_leaves_the_version_in_force():
    pathway = factories.CommitteeFactory().pathway
    v1 = factories.version_with_steps(pathway)
    draft = service.start_draft(pathway, None)
    service.discard_draft(draft)
    assert service.draft_version(pathway) is None
    assert service.published_version(pathway) == v1


# --- current_pathway_for -------------------------------------------------------------


def test_current_pathway_walks_up_the_location_hierarchy_then_falls_back_to_national():
    oblast = factories.LocationFactory(level=LocationLevel.OBLAST)
    rayon = factories.LocationFactory(level=LocationLevel.RAYON, parent=oblast)
    aimak = factories.LocationFactory(level=LocationLevel.AIYL_AIMAK, parent=rayon)
    village = factories.LocationFactory(level=LocationLevel.VILLAGE, parent=aimak)
    elsewhere = factories.LocationFactory(level=LocationLevel.RAYON)
    national = factories.version_with_steps(service.national_pathway())

    rayon_committee = factories.CommitteeFactory(areas=[rayon])
    rayon_version = factories.version_with_steps(rayon_committee.pathway)
    aimak_committee = factories.CommitteeFactory(areas=[aimak])  # nothing published yet

    assert service.current_pathway_for(village) == rayon_version
    assert service.current_pathway_for(elsewhere) == national
    assert service.current_pathway_for(None) == national

    aimak_version = factories.version_with_steps(aimak_committee.pathway)
    assert service.current_pathway_for(village) == aimak_version
    assert service.current_pathway_for(rayon) == rayon_version


def test_current_pathway_is_none_when_nothing_is_published():
    assert service.current_pathway_for(factories.LocationFactory()) is None


def test_printed_phones_are_the_providers_service_and_organisation_phones():
    org = factories.OrganisationFactory(org_type=OrganisationType.SHELTER)
    assert service.public_phones(org, ServiceType.SHELTER_SAFE_ACCOMMODATION) == []
    shelter = Service(organisation_id=org.id, service_type=ServiceType.SHELTER_SAFE_ACCOMMODATION)
    legal = Service(organisation_id=org.id, service_type=ServiceType.LEGAL_AID_NGO)
    db.session.add_all([shelter, legal])
    db.session.flush()
    db.session.add_all(
        [
            Phone(organisation_id=org.id, service_id=shelter.id, number="+996 555 000 111"),
            Phone(organisation_id=org.id, service_id=legal.id, number="+996 555 000 222"),
            Phone(organisation_id=org.id, number="+996 312 000 333"),
        ]
    )
    db.session.flush()
    db.session.expire(org)
    assert service.public_phones(org, ServiceType.SHELTER_SAFE_ACCOMMODATION) == [
        "+996 555 000 111",
        "+996 312 000 333",
    ]
