"""Who may edit which entry, and who sees a confidential (shelter) site: its name, place,
street and postal code."""

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import NotFound

from referral.auth.permissions import Role
from referral.directory import policy
from tests import factories
from tests.directory.conftest import HIDDEN_SITE, READERS, SEES_CONFIDENTIAL


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


@pytest.mark.parametrize("kind", READERS)
def test_confidential_site_only_for_its_organisation_and_admins(shelter, reader, kind):
    """Name, place (the village), street and postal code: all or nothing."""
    site = shelter["site"]
    view = policy.visible_site(reader(kind), site)
    if kind in SEES_CONFIDENTIAL:
        assert not view.withheld
        assert view.name == HIDDEN_SITE["name"]
        assert view.location is shelter["village"]
        assert (view.address, view.postal_code) == (
            HIDDEN_SITE["street"],
            HIDDEN_SITE["postal code"],
        )
        assert policy.visible_address(reader(kind), site) == HIDDEN_SITE["street"]
    else:
        assert view.withheld
        assert (view.name, view.location, view.address, view.postal_code) == ("", None, "", "")
        assert policy.visible_address(reader(kind), site) is None
    assert view.is_confidential


def test_the_public_sees_nothing_of_a_confidential_site(shelter):
    for user in (None, AnonymousUserMixin()):
        view = policy.visible_site(user, shelter["site"])
        assert view.withheld
        assert (view.name, view.location, view.address, view.postal_code) == ("", None, "", "")
    assert policy.public_address(shelter["site"]) is None


def test_an_ordinary_site_is_shown_whole_to_every_reader(shelter, reader):
    office = shelter["office"]
    for kind in (*READERS, None):
        view = policy.visible_site(reader(kind) if kind else None, office)
        assert not view.withheld
        assert (view.name, view.address) == ("Open Office", "1 Open Street")
        assert view.location is office.location


def test_ordinary_address_is_visible_to_everyone(session):
    site = factories.SiteFactory(address="1 Open Street")
    assert policy.visible_address(factories.UserFactory(role=Role.COMMITTEE_MEMBER), site) == (
        "1 Open Street"
    )
    assert policy.public_address(site) == "1 Open Street"
