"""Who may read and change which committee and pathway."""

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from referral.auth.permissions import Role
from referral.committees import policy, service
from referral.committees.models import VersionStatus
from tests import factories


def _coordinator_of(committee):
    user = factories.UserFactory(role=Role.COMMITTEE_MEMBER)
    factories.CommitteeMemberFactory(committee=committee, user=user, full_name="")
    committee.coordinator = user
    return user


def test_every_reader_reads_every_committee_but_auditors_do_not():
    committee = factories.CommitteeFactory()
    for role in (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER, Role.COMMITTEE_MEMBER):
        user = factories.UserFactory(role=role)
        assert policy.get_committee_for(user, str(committee.id)) == committee
    with pytest.raises(NotFound):
        policy.get_committee_for(factories.UserFactory(role=Role.AUDITOR), str(committee.id))


def test_missing_and_malformed_ids_are_not_found():
    user = factories.UserFactory(role=Role.ADMIN)
    for bad in ("00000000-0000-0000-0000-000000000000", "not-an-id", "1; drop table"):
        with pytest.raises(NotFound):
            policy.get_committee_for(user, bad)
        with pytest.raises(NotFound):
            policy.get_pathway_for(user, bad)


def test_only_the_coordinator_edits_their_committee_and_never_the_national_default():
    committee = factories.CommitteeFactory()
    coordinator = _coordinator_of(committee)
    plain = factories.UserFactory(role=Role.COMMITTEE_MEMBER)
    factories.CommitteeMemberFactory(committee=committee, user=plain, full_name="")
    assert policy.get_pathway_to_edit(coordinator, str(committee.pathway.id)) == committee.pathway
    assert policy.get_committee_to_edit(coordinator, str(committee.id)) == committee
    with pytest.raises(Forbidden):
        policy.get_pathway_to_edit(plain, str(committee.pathway.id))
    with pytest.raises(Forbidden):
        policy.get_pathway_to_edit(coordinator, str(service.national_pathway().id))
    # Name, area and members are the administrators' alone, even for the coordinator.
    with pytest.raises(Forbidden):
        policy.get_committee_to_manage(coordinator, str(committee.id))


def test_a_deactivated_coordinator_edits_nothing():
    committee = factories.CommitteeFactory()
    coordinator = _coordinator_of(committee)
    coordinator.is_active_account = False
    assert not policy.can_edit_pathway(coordinator, committee.pathway)


def test_admins_edit_every_pathway_including_the_national_default():
    admin = factories.UserFactory(role=Role.ADMIN)
    assert policy.can_edit_pathway(admin, service.national_pathway())
    assert policy.can_edit_pathway(admin, factories.CommitteeFactory().pathway)


def test_drafts_are_visible_only_to_their_editors():
    committee = factories.CommitteeFactory()
    coordinator = _coordinator_of(committee)
    factories.version_with_steps(committee.pathway, status=VersionStatus.DRAFT)
    reader = factories.UserFactory(role=Role.CASEWORKER)
    assert policy.get_version_for(coordinator, committee.pathway, 1).is_draft
    with pytest.raises(NotFound):
        policy.get_version_for(reader, committee.pathway, 1)


def test_a_step_is_editable_only_through_the_draft_it_belongs_to():
    pathway = factories.CommitteeFactory().pathway
    published = factories.version_with_steps(pathway)
    draft = service.start_draft(pathway, None)
    assert policy.get_draft_step(draft, str(draft.steps[0].id)) == draft.steps[0]
    with pytest.raises(NotFound):
        policy.get_draft_step(draft, str(published.steps[0].id))
    with pytest.raises(NotFound):
        policy.get_draft_step(None, str(published.steps[0].id))
