"""Account administration in the UI: administrators for every account, supervisors for
the case-role accounts of their own crisis centre, and no path for an administrator to
case data through an account."""

import re

import pytest

from referral.audit.models import AuditEvent
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories
from tests.cases.factories import CaseFactory

NEW_PASSWORD = "a brand new long passphrase"


def _temporary(page) -> str:
    match = re.search(r'class="secret"><code>([^<]+)</code>', page.get_data(as_text=True))
    assert match, "no temporary password shown"
    return match.group(1)


def _first_sign_in(browser, username, temporary):
    response = browser.login(username, temporary)
    assert response.status_code == 302
    assert "/account/password" in response.headers["Location"]
    changed = browser.post(
        "/account/password",
        {
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302


def test_admin_creates_a_provider_account_who_must_change_the_password(login_as, make_browser):
    admin = login_as("admin")
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    page = admin.post(
        "/admin/users/new",
        {
            "username": "bakyt.new",
            "full_name": "Bakyt New",
            "email": "",
            "role": "provider",
            "organisation_id": str(police.id),
            "locale": "ky",
        },
    )
    assert page.status_code == 200
    person = make_browser()
    response = person.login("bakyt.new", _temporary(page))
    assert response.status_code == 302
    assert "/account/password" in response.headers["Location"]
    # Until the password is changed, every page leads back to the change form.
    assert "/account/password" in person.get("/").headers["Location"]
    assert db.session.query(AuditEvent).filter_by(action="user_created").count() == 1


def test_supervisor_creates_a_caseworker_in_their_own_centre(login_as, make_browser):
    supervisor = login_as("supervisor")
    other_centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    form = supervisor.get("/admin/users/new").get_data(as_text=True)
    assert other_centre.name_en not in form  # only their own organisation is offered
    assert 'value="admin"' not in form
    assert 'value="provider"' not in form
    page = supervisor.post(
        "/admin/users/new",
        {
            "username": "aida.new",
            "full_name": "Aida New",
            "role": "caseworker",
            "organisation_id": str(supervisor.user.organisation_id),
        },
    )
    assert page.status_code == 200
    _first_sign_in(make_browser(), "aida.new", _temporary(page))
    created = db.session.query(User).filter_by(username="aida.new").one()
    assert created.organisation_id == supervisor.user.organisation_id


def test_supervisor_cannot_place_an_account_in_another_organisation(login_as):
    supervisor = login_as("supervisor")
    other_centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    page = supervisor.post(
        "/admin/users/new",
        {
            "username": "elsewhere",
            "full_name": "Else Where",
            "role": "caseworker",
            "organisation_id": str(other_centre.id),
        },
    )
    assert page.status_code == 200  # the choice is not offered: the form refuses it
    assert "Not a valid choice" in page.get_data(as_text=True)
    assert db.session.query(User).filter_by(username="elsewhere").count() == 0


def test_supervisor_sees_only_case_role_accounts_of_their_centre(login_as):
    supervisor = login_as("supervisor")
    mine = factories.UserFactory(role=Role.CASEWORKER, organisation=supervisor.user.organisation)
    theirs = factories.UserFactory(role=Role.CASEWORKER)
    police = factories.UserFactory(role=Role.PROVIDER)
    page = supervisor.get("/admin/users/?status=all").get_data(as_text=True)
    assert mine.username in page
    assert theirs.username not in page
    assert police.username not in page
    assert supervisor.get(f"/admin/users/{theirs.id}").status_code == 404
    assert supervisor.post(f"/admin/users/{police.id}/reset-password").status_code == 404


# --- an administrator has no path to case data through an account --------------------


def test_admin_cannot_give_a_case_role(login_as):
    admin = login_as("admin")
    centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    form = admin.get("/admin/users/new").get_data(as_text=True)
    assert 'value="supervisor"' not in form
    assert 'value="caseworker"' not in form
    for role in ("supervisor", "caseworker"):
        page = admin.post(
            "/admin/users/new",
            {
                "username": f"mole.{role}",
                "full_name": "Mole",
                "role": role,
                "organisation_id": str(centre.id),
            },
        )
        assert "secret" not in page.get_data(as_text=True)
    assert db.session.query(User).filter(User.username.like("mole.%")).count() == 0


def test_admin_cannot_turn_an_account_they_know_into_a_case_role(login_as):
    admin = login_as("admin")
    centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    known = factories.UserFactory(
        role=Role.PROVIDER,
        organisation=factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE),
    )
    page = admin.post(
        f"/admin/users/{known.id}",
        {
            "username": known.username,
            "full_name": known.full_name,
            "role": "supervisor",
            "organisation_id": str(centre.id),
        },
    )
    assert page.status_code in (200, 422)
    db.session.expire_all()
    assert db.session.get(User, known.id).role == Role.PROVIDER


@pytest.mark.parametrize("action", ["reset-password", "activate"])
def test_admin_cannot_reset_or_reactivate_a_case_role_account(login_as, action):
    admin = login_as("admin")
    caseworker = factories.UserFactory(role=Role.CASEWORKER, is_active_account=action != "activate")
    response = admin.post(f"/admin/users/{caseworker.id}/{action}")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


def test_admin_may_still_edit_the_profile_and_deactivate_a_caseworker(login_as, make_browser):
    admin = login_as("admin")
    caseworker = factories.UserFactory(role=Role.CASEWORKER, full_name="Old Name")
    other_centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    page = admin.get(f"/admin/users/{caseworker.id}").get_data(as_text=True)
    assert "Only a supervisor of its crisis centre" in page
    assert "Reset password" not in page
    admin.post(
        f"/admin/users/{caseworker.id}",
        {
            "username": caseworker.username,
            "full_name": "New Name",
            "role": "supervisor",
            "organisation_id": str(other_centre.id),
        },
    )
    db.session.expire_all()
    stored = db.session.get(User, caseworker.id)
    assert stored.full_name == "New Name"
    assert stored.role == Role.CASEWORKER
    assert stored.organisation_id != other_centre.id
    assert admin.post(f"/admin/users/{caseworker.id}/deactivate").status_code == 302
    assert make_browser().login(caseworker.username).status_code == 200  # refused


def test_no_account_action_of_an_admin_ends_in_reading_a_case(login_as, make_browser):
    """The review's attack: create or take over a case-role account, sign in, read."""
    owner = factories.UserFactory(role=Role.CASEWORKER)
    case = CaseFactory(owner=owner, full_name="Айгүл Токтогулова")
    admin = login_as("admin")
    centre_id = str(owner.organisation_id)
    attempts = [
        admin.post(
            "/admin/users/new",
            {
                "username": "take.over",
                "full_name": "T O",
                "role": role,
                "organisation_id": centre_id,
            },
        )
        for role in ("supervisor", "caseworker")
    ]
    attempts.append(admin.post(f"/admin/users/{owner.id}/reset-password"))
    temporaries = [
        m.group(1)
        for r in attempts
        if (m := re.search(r'class="secret"><code>([^<]+)</code>', r.get_data(as_text=True)))
    ]
    assert temporaries == []
    for username in ("take.over", owner.username):
        b = make_browser()
        b.login(username, "anything")
        assert b.get(f"/cases/{case.id}").status_code == 302  # not signed in


def test_admin_form_errors_are_shown_and_input_kept(login_as):
    admin = login_as("admin")
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    page = admin.post(
        "/admin/users/new",
        {
            "username": "bad name!",
            "full_name": "Kept Name",
            "role": "provider",
            "organisation_id": str(police.id),
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Use Latin letters" in text
    assert 'value="Kept Name"' in text


def test_role_that_does_not_fit_the_organisation_is_explained(login_as):
    admin = login_as("admin")
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    page = admin.post(
        "/admin/users/new",
        {
            "username": "committee.police",
            "full_name": "X Y",
            "role": "committee_member",
            "organisation_id": str(police.id),
        },
    )
    assert page.status_code == 422
    assert "cannot belong to an organisation of type Police" in page.get_data(as_text=True)


def test_admin_deactivates_and_the_user_is_signed_out(login_as, make_browser):
    admin = login_as("admin")
    person = make_browser()
    user = factories.UserFactory(role=Role.PROVIDER)
    assert person.login(user.username).status_code == 302
    response = admin.post(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert person.get("/").status_code == 302  # sent back to sign in
    assert make_browser().login(user.username).status_code == 200  # refused


def test_editing_a_user_ignores_fields_the_form_does_not_offer(login_as):
    admin = login_as("admin")
    user = factories.UserFactory(role=Role.PROVIDER, full_name="Before")
    admin.post(
        f"/admin/users/{user.id}",
        {
            "username": "renamed",
            "full_name": "After",
            "role": user.role.value,
            "organisation_id": str(user.organisation_id),
            "password_hash": "x",
            "is_active_account": "false",
            "must_change_password": "y",
        },
    )
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.full_name == "After"
    assert stored.username == user.username
    assert stored.is_active_account
    assert not stored.must_change_password
    assert stored.password_hash != "x"


def test_user_list_filters_by_role_and_search(login_as):
    admin = login_as("admin")
    factories.UserFactory(username="zarina.police", role=Role.PROVIDER)
    factories.UserFactory(username="zarina.case")
    page = admin.get("/admin/users/?q=zarina&role=provider").get_data(as_text=True)
    assert "zarina.police" in page
    assert "zarina.case" not in page


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_no_one_changes_their_own_role_or_organisation(login_as, role):
    b = login_as(role)
    me = b.user
    other_org = factories.OrganisationFactory(org_type=me.organisation.org_type)
    page = b.get(f"/admin/users/{me.id}").get_data(as_text=True)
    role_select = re.search(r'<select[^>]*name="role"[^>]*>', page)
    assert role_select, "no role selector"
    assert "disabled" in role_select.group(0), "own role is editable"
    response = b.post(
        f"/admin/users/{me.id}",
        {
            "username": me.username,
            "full_name": me.full_name,
            "email": "",
            "role": "auditor" if role == "admin" else "admin",
            "organisation_id": str(other_org.id),
            "locale": "",
        },
    )
    assert response.status_code in (302, 422)
    db.session.expire_all()
    assert db.session.get(User, me.id).role == Role(role)
    assert db.session.get(User, me.id).organisation_id != other_org.id
