"""Operators' commands."""

from referral.auth.models import User
from referral.directory.models import Organisation, OrganisationType
from referral.extensions import db
from tests import factories


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_list_and_deactivate(app):
    org = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    db.session.commit()
    created = _run(
        app,
        "users",
        "create",
        "Nurlan",
        "--role",
        "caseworker",
        "--organisation",
        str(org.id),
        "--full-name",
        "Nurlan A",
    )
    assert created.exit_code == 0, created.output
    assert "Temporary password:" in created.output
    listed = _run(app, "users", "list")
    assert "nurlan" in listed.output
    deactivated = _run(app, "users", "deactivate", "nurlan")
    assert deactivated.exit_code == 0
    user = db.session.query(User).filter_by(username="nurlan").one()
    assert not user.is_active_account
    assert "nurlan" not in _run(app, "users", "list").output


def test_users_create_explains_refusals(app):
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    db.session.commit()
    result = _run(
        app, "users", "create", "x.y", "--role", "caseworker", "--organisation", str(police.id)
    )
    assert result.exit_code != 0
    assert "cannot belong" in result.output
    bad = _run(app, "users", "create", "x.y", "--role", "caseworker", "--organisation", "nope")
    assert bad.exit_code != 0
    assert "not an organisation id" in bad.output


def test_demo_seed_is_repeatable_and_prints_logins(app):
    first = _run(app, "demo", "seed")
    assert first.exit_code == 0, first.output
    for username in (
        "caseworker",
        "supervisor",
        "police",
        "psychologist",
        "health",
        "committee",
        "admin",
        "auditor",
    ):
        assert username in first.output
    assert "demo-pathway-2026" in first.output
    assert "flask demo code supervisor" in first.output
    assert "40 fictional cases." in first.output
    orgs = db.session.query(Organisation).count()
    users = db.session.query(User).count()
    assert "Sign in at http://127.0.0.1:5000 " in first.output
    second = _run(app, "demo", "seed", "--url", "http://127.0.0.1:8080")
    assert second.exit_code == 0, second.output
    assert "Sign in at http://127.0.0.1:8080 " in second.output
    assert db.session.query(Organisation).count() == orgs
    assert db.session.query(User).count() == users
    assert "Added by this run: nothing" in second.output


def test_every_demo_user_signs_in_and_sees_a_home_page(app, make_browser):
    assert _run(app, "demo", "seed").exit_code == 0
    from referral.demo.service import DEMO_PASSWORD, DEMO_USERS

    asked_code = set()
    for username, role, _org, _name in DEMO_USERS:
        b = make_browser()
        response = b.login(username, DEMO_PASSWORD, code=False)
        assert response.status_code == 302, username
        if response.location.endswith("/login/code"):
            # What a newcomer without a phone does: the command prints the code.
            printed = _run(app, "demo", "code", username)
            assert printed.exit_code == 0, printed.output
            b.get("/login/code")
            assert b.post("/login/code", {"code": printed.output.strip()}).status_code == 302
            asked_code.add(username)
        page = b.get("/")
        assert page.status_code == 200, username
        assert role.label in page.get_data(as_text=True)
    assert asked_code == {"supervisor", "admin", "auditor"}
    caseworker = make_browser()
    caseworker.login("caseworker", DEMO_PASSWORD)
    cases = caseworker.get("/cases/").get_data(as_text=True)
    assert "Айгүл Токтогулова" in cases
    assert "Nazgul Osmonova" in cases


def test_audit_verify_command(app):
    factories.UserFactory()
    _run(app, "demo", "seed")
    result = _run(app, "audit", "verify")
    assert result.exit_code == 0
    assert "intact" in result.output


def test_an_operator_unlocks_an_account_and_resets_its_second_factor(app):
    from datetime import timedelta

    from referral.auth.models import SecondFactor
    from referral.db import utcnow

    user = factories.UserFactory(role="supervisor", locked_until=utcnow() + timedelta(hours=1))
    db.session.commit()
    assert _run(app, "users", "unlock", user.username).exit_code == 0
    assert _run(app, "users", "reset-second-factor", user.username).exit_code == 0
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.locked_until is None
    assert db.session.get(SecondFactor, user.id) is None
    assert _run(app, "users", "unlock", "nobody-at-all").exit_code != 0
