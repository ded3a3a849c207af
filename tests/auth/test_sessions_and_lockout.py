"""Own sessions (seen and ended from the account page), progressive lockout, and the
common-password list."""

from datetime import timedelta

import pytest

from referral.audit.models import AuditEvent
from referral.auth import service
from referral.auth.models import User
from referral.db import utcnow
from referral.demo.service import DEMO_PASSWORD
from referral.extensions import db
from tests import factories
from tests.conftest import TEST_PASSWORD

FAILED = "Signing in did not work."
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def _login(make_browser, user, agent):
    b = make_browser()
    b.client.environ_base["HTTP_USER_AGENT"] = agent
    assert b.login(user.username).status_code == 302
    return b


def test_the_account_page_lists_own_sessions_and_ends_another_one(make_browser):
    user = factories.UserFactory(role="supervisor")
    laptop = _login(make_browser, user, FIREFOX)
    phone = _login(make_browser, user, ANDROID)
    factories.UserFactory()  # someone else's sessions are not listed
    page = laptop.get("/account").text
    assert "Firefox on Windows" in page
    assert "Chrome on Android" in page
    items = page.split('<ul class="plain sessions">')[1].split("</ul>")[0].split("<li>")[1:]
    marked = [item for item in items if '<span class="badge">this session</span>' in item]
    assert len(items) == 2
    assert len(marked) == 1
    assert "Firefox on Windows" in marked[0]
    phone_session = service.live_sessions(user)[0]  # newest first: the phone
    assert service.describe_device(phone_session.user_agent) == "Chrome on Android"
    response = laptop.post(f"/account/sessions/{phone_session.id}/end")
    assert response.status_code == 302
    # Revoked on the server: the phone's cookie no longer opens anything.
    assert phone.get("/").location.startswith("/login")
    assert laptop.get("/").status_code == 200
    assert "Chrome on Android" not in laptop.get("/account").text
    assert db.session.query(AuditEvent).filter_by(action="session_ended").count() == 1


def test_ending_this_session_signs_out_and_another_users_session_is_not_found(make_browser):
    user, other = factories.UserFactory.create_batch(2)
    mine = _login(make_browser, user, FIREFOX)
    theirs = _login(make_browser, other, ANDROID)
    their_session = service.live_sessions(other)[0]
    assert mine.post(f"/account/sessions/{their_session.id}/end").status_code == 404
    assert theirs.get("/").status_code == 200
    my_session = service.live_sessions(user)[0]
    assert mine.post(f"/account/sessions/{my_session.id}/end").location.startswith("/login")
    assert mine.get("/").location.startswith("/login")


def test_progressive_lockout_gives_the_same_answer_and_lifts_with_time(app, make_browser):
    user = factories.UserFactory()
    b = make_browser()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        assert FAILED in b.login(user.username, "a wrong guess here").text
    db.session.expire_all()
    locked = db.session.get(User, user.id)
    first_lock = locked.locked_until - utcnow()
    assert timedelta(seconds=50) < first_lock <= timedelta(seconds=60)
    # Locked: the right password gets the very answer of a wrong one or an unknown user.
    right = b.login(user.username)
    unknown = make_browser().login("no-such-user-here", "whatever it is")
    assert right.status_code == unknown.status_code == 200
    assert FAILED in right.text
    assert FAILED in unknown.text
    assert b.get("/").location.startswith("/login")
    # Each further failure after the lock doubles it.
    _lock_ends(user)
    b.login(user.username, "another wrong guess")
    db.session.expire_all()
    second_lock = db.session.get(User, user.id).locked_until - utcnow()
    assert timedelta(seconds=110) < second_lock <= timedelta(seconds=120)
    # Once the time has passed, the right password signs in and the count starts over.
    _lock_ends(user)
    assert b.login(user.username).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_sign_ins == 0


def _lock_ends(user):
    """The lock's time passes (rather than waiting for it)."""
    db.session.get(User, user.id).locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_wrong_codes_count_towards_the_lockout(app, make_browser):
    user = factories.UserFactory(role="supervisor")
    b = make_browser()
    b.login(user.username, code=False)
    b.get("/login/code")
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        b.post("/login/code", {"code": "000000"})
    from tests.conftest import current_code

    refused = b.post("/login/code", {"code": current_code(user.username)})
    assert FAILED in refused.text  # even the right code, while locked
    assert b.get("/").location.endswith("/login/code")


def test_whoever_manages_the_account_unlocks_it(login_as, make_browser):
    supervisor = factories.UserFactory(role="supervisor")
    worker = factories.UserFactory(organisation=supervisor.organisation)
    worker.failed_sign_ins, worker.locked_until = 7, utcnow() + timedelta(hours=1)
    b = login_as(supervisor)
    page = b.get(f"/admin/users/{worker.id}").text
    assert "Sign-in is paused" in page
    assert b.post(f"/admin/users/{worker.id}/unlock").status_code == 302
    assert make_browser().login(worker.username).status_code == 302
    assert db.session.query(AuditEvent).filter_by(action="authn_account_unlocked").count() == 1


@pytest.mark.parametrize(
    "password",
    [
        "qwertyuiop123",
        "Password2024!",
        "1q2w3e4r5t6y",
        "Bishkek2020!",
        "ПАРОЛЬ123456",
        "Gulnara_1990",
        "kyrgyzstan12",
        "zxcvbnmzxcvbnm",
    ],
)
def test_common_passwords_are_refused_whatever_the_case(app, password):
    assert len(password) >= 12
    with pytest.raises(service.AccountError, match="too common"):
        service.check_password_policy(password)


def test_the_shipped_list_is_large_and_spares_the_demo_and_test_passwords(app):
    listed = service.common_passwords()
    assert len(listed) > 10_000
    assert all(len(p) >= 12 for p in listed)
    for ours in (DEMO_PASSWORD, TEST_PASSWORD):
        service.check_password_policy(ours)


def test_a_common_password_is_refused_when_creating_an_account_or_changing_ones_own(login_as):
    b = login_as("caseworker")
    response = b.post(
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "qwerty123456",
            "confirm_password": "qwerty123456",
        },
    )
    assert response.status_code == 422
    assert "too common" in response.text
    org = factories.OrganisationFactory()
    data = service.UserInput(
        username="new.one",
        full_name="New One",
        email=None,
        role="caseworker",
        organisation_id=org.id,
    )
    with pytest.raises(service.AccountError, match="too common"):
        service.create_user(data, "password12345")
