"""Who may edit which entry, and who sees a confidential (shelter) address."""

import pytest
from werkzeug.exceptions import NotFound

from referral.auth.permissions import Role
from referral.directory import policy
from tests import factories


@pytest.fixture
def shelter_site(session):
    return factories.SiteFactory(is_confidential=True, address="7 Hidden Lane")


def test_only_admins_and_the_own_focal_point_may_edit(session):
    org = factories.OrganisationFactory()
    own = factories.UserFactory(role=Role.PROVIDER, organisation=org)
    other = factories.UserFactory(role=Role.PROVIDER)
    admin = factories.UserFactory(role=Role.ADMIN)
    caseworker = factories.UserFactory(role=Role.CASEWORKER)
    assert policy.can_edit_organisation(own, org)
    assert policy.can_edit_organisation(admin, org)
    assert not policy.can_edit_organisation(other, org)
    assert not policy.can_edit_organisation(caseworker, org)


def test_out_of_scope_or_malformed_ids_answer_404(session):
    org = factories.OrganisationFactory()
    other = factories.UserFactory(role=Role.PROVIDER)
    assert policy.get_organisation_for(other, str(org.id)) is org  # reading is fine
    with pytest.raises(NotFound):
        policy.get_organisation_for(other, str(org.id), edit=True)
    with pytest.raises(NotFound):
        policy.get_service_for(other, "not-a-uuid")


@pytest.mark.parametrize(
    ("who", "sees"),
    [("admin", True), ("own", True), ("caseworker", False), ("provider", False)],
)
def test_confidential_address_only_for_its_organisation_and_admins(shelter_site, who, sees):
    users = {
        "admin": lambda: factories.UserFactory(role=Role.ADMIN),
        "own": lambda: factories.UserFactory(
            role=Role.PROVIDER, organisation=shelter_site.organisation
        ),
        "caseworker": lambda: factories.UserFactory(role=Role.CASEWORKER),
        "provider": lambda: factories.UserFactory(role=Role.PROVIDER),
    }
    shown = policy.visible_address(users[who](), shelter_site)
    assert (shown == "7 Hidden Lane") is sees
    assert policy.public_address(shelter_site) is None


def test_ordinary_address_is_visible_to_everyone(session):
    site = factories.SiteFactory(address="1 Open Street")
    assert policy.visible_address(factories.UserFactory(role=Role.COMMITTEE_MEMBER), site) == (
        "1 Open Street"
    )
    assert policy.public_address(site) == "1 Open Street"
