"""User administration in the UI, as an administrator does it."""

import re

from referral.audit.models import AuditEvent
from referral.auth.models import User
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories


def test_admin_creates_a_user_who_must_change_the_password(login_as, make_browser):
    admin = login_as("admin")
    org = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    page = admin.post(
        "/admin/users/new",
        {
            "username": "aida.new",
            "full_name": "Aida New",
            "email": "",
            "role": "caseworker",
            "organisation_id": str(org.id),
            "locale": "ky",
        },
    )
    assert page.status_code == 200
    temporary = re.search(r'class="secret"><code>([^<]+)</code>', page.get_data(as_text=True))
    assert temporary
    person = make_browser()
    response = person.login("aida.new", temporary.group(1))
    assert response.status_code == 302 and "/account/password" in response.headers["Location"]
    # Until the password is changed, every page leads back to the change form.
    assert "/account/password" in person.get("/").headers["Location"]
    actions = {e.action for e in db.session.query(AuditEvent)}
    assert "user_created" in actions


def test_admin_form_errors_are_shown_and_input_kept(login_as):
    admin = login_as("admin")
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    page = admin.post(
        "/admin/users/new",
        {
            "username": "bad name!",
            "full_name": "Kept Name",
            "role": "caseworker",
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
            "username": "case.police",
            "full_name": "X Y",
            "role": "caseworker",
            "organisation_id": str(police.id),
        },
    )
    assert page.status_code == 422
    assert "cannot belong to an organisation of type Police" in page.get_data(as_text=True)


def test_admin_deactivates_and_the_user_is_signed_out(login_as, make_browser):
    admin = login_as("admin")
    person = make_browser()
    user = factories.UserFactory()
    assert person.login(user.username).status_code == 302
    response = admin.post(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert person.get("/").status_code == 302  # sent back to sign in
    assert make_browser().login(user.username).status_code == 200  # refused


def test_editing_a_user_ignores_fields_the_form_does_not_offer(login_as):
    admin = login_as("admin")
    user = factories.UserFactory(full_name="Before")
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
    assert stored.is_active_account and not stored.must_change_password
    assert stored.password_hash != "x"


def test_user_list_filters_by_role_and_search(login_as):
    admin = login_as("admin")
    factories.UserFactory(
        username="zarina.police",
        role="provider",
        organisation=factories.OrganisationFactory(org_type=OrganisationType.POLICE),
    )
    factories.UserFactory(username="zarina.case")
    page = admin.get("/admin/users/?q=zarina&role=provider").get_data(as_text=True)
    assert "zarina.police" in page and "zarina.case" not in page
