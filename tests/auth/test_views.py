"""Signing in and out, own password, language: what a member of staff sees."""

import pytest

from referral.audit.models import AuditEvent
from referral.auth.models import UserSession
from referral.extensions import db
from tests import factories
from tests.conftest import TEST_PASSWORD


def test_login_page_is_shown_to_anonymous_visitors(browser):
    response = browser.get("/login")
    assert response.status_code == 200
    assert "Sign in" in response.get_data(as_text=True)


def test_home_redirects_anonymous_to_login(browser):
    response = browser.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_user_signs_in_and_sees_role_and_organisation(browser):
    user = factories.UserFactory(role="supervisor", full_name="Nurgul Test")
    response = browser.login(user.username)
    assert response.status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert "Nurgul Test" in page
    assert "Supervisor" in page
    assert user.organisation.name_en in page
    assert "Sign out" in page


def test_unknown_user_and_wrong_password_get_the_same_answer(browser, make_browser):
    user = factories.UserFactory()
    wrong = browser.login(user.username, "not the password at all")
    unknown = make_browser().login("nobody-by-this-name", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    message = "Signing in did not work."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(browser):
    user = factories.UserFactory(is_active_account=False)
    response = browser.login(user.username)
    assert response.status_code == 200
    assert "Signing in did not work." in response.get_data(as_text=True)


def test_sign_in_creates_a_new_session_cookie(browser):
    user = factories.UserFactory()
    browser.get("/login?lang=ru")  # a chosen language is kept in a session before sign-in
    before = browser.client.get_cookie("session").value
    browser.login(user.username)
    after = browser.client.get_cookie("session").value
    assert before != after


def test_no_remember_me_cookie_is_ever_set(browser):
    user = factories.UserFactory()
    response = browser.login(user.username)
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)
    assert all("HttpOnly" in c for c in cookies)
    assert all("SameSite=Lax" in c for c in cookies)


def test_logout_ends_the_session_on_the_server(browser, app):
    user = factories.UserFactory()
    browser.login(user.username)
    stolen_cookie = browser.client.get_cookie("session").value
    response = browser.post("/logout")
    assert response.status_code == 302
    assert "cache" in response.headers["Clear-Site-Data"]
    # A copy of the old cookie no longer works.
    replay = app.test_client()
    replay.set_cookie("session", stolen_cookie)
    assert replay.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused(browser):
    user = factories.UserFactory()
    browser.login(user.username)
    response = browser.post("/logout", csrf=False)
    assert response.status_code == 400
    assert browser.get("/").status_code == 200  # still signed in


def test_next_parameter_cannot_send_the_user_to_another_site(browser):
    user = factories.UserFactory()
    browser.get("/login")
    response = browser.post(
        "/login?next=//evil.example/x", {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_user_changes_own_password_and_other_sessions_end(login_as, make_browser):
    first = login_as("caseworker")
    second = make_browser()
    assert second.login(first.user.username).status_code == 302
    new_password = "a much longer passphrase for 2026"
    response = first.post(
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": new_password,
            "confirm_password": new_password,
        },
    )
    assert response.status_code == 302
    assert first.get("/").status_code == 200  # this session stays
    assert second.get("/").status_code == 302  # the other one is gone
    assert make_browser().login(first.user.username, new_password).status_code == 302


def test_password_change_refuses_short_password_and_says_why(login_as):
    b = login_as("caseworker")
    response = b.post(
        "/account/password",
        {"current_password": TEST_PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_password_change_with_wrong_current_password(login_as):
    b = login_as("caseworker")
    new = "another long passphrase here"
    response = b.post(
        "/account/password",
        {"current_password": "wrong wrong wrong", "new_password": new, "confirm_password": new},
    )
    assert response.status_code == 422
    assert "current password is not right" in response.get_data(as_text=True)


def test_login_and_failure_are_audited_without_password(browser):
    user = factories.UserFactory()
    browser.login(user.username, "wrong password value 123")
    browser.login(user.username)
    events = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    actions = [e.action for e in events]
    assert "authn_login_fail" in actions
    assert "authn_login_success" in actions
    for event in events:
        assert "wrong password value 123" not in str(event.detail)
        assert TEST_PASSWORD not in str(event.detail)


def test_session_record_is_stored_hashed(browser):
    user = factories.UserFactory()
    browser.login(user.username)
    record = db.session.query(UserSession).filter_by(user_id=user.id).one()
    assert len(record.token_hash) == 64
    assert record.revoked_at is None


def test_language_switch_changes_the_interface(login_as):
    b = login_as("caseworker")
    b.post("/language", {"lang": "ru", "next": "/"})
    page = b.get("/").get_data(as_text=True)
    assert 'lang="ru"' in page
    assert "Выйти" in page


@pytest.fixture
def tight_limits(app):
    """The sign-in limits lowered to reachable numbers, and reset around the test."""
    from referral.extensions import limiter

    saved = app.config["LOGIN_RATE_LIMIT"], app.config["LOGIN_ACCOUNT_RATE_LIMIT"]

    def set_limits(per_address: str, per_account: str) -> None:
        app.config["LOGIN_RATE_LIMIT"] = per_address
        app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = per_account

    limiter.reset()
    yield set_limits
    app.config["LOGIN_RATE_LIMIT"], app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = saved
    limiter.reset()


def test_repeated_wrong_passwords_for_one_account_are_slowed_down(tight_limits, browser):
    tight_limits("100 per minute", "3 per minute")
    user = factories.UserFactory()
    statuses = [browser.login(user.username, "wrong guess").status_code for _ in range(4)]
    refused = browser.login(user.username)
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="excess_rate_limit_exceeded").count()


def test_guesses_at_one_account_count_together_whatever_the_spelling(tight_limits, browser):
    tight_limits("100 per minute", "2 per minute")
    user = factories.UserFactory()
    for typed in (user.username, f"  {user.username.upper()} "):
        assert browser.login(typed, "wrong guess").status_code == 200
    assert browser.login(user.username).status_code == 429


def test_an_office_of_many_staff_behind_one_address_all_sign_in(tight_limits, make_browser):
    # The per-address limit counts failures, not people: 20 colleagues at 9:00 get in.
    # Supervisors among them give a code as well: that step too counts only failures.
    tight_limits("10 per minute", "3 per minute")
    users = factories.UserFactory.create_batch(14) + factories.UserFactory.create_batch(
        6, role="supervisor"
    )
    browsers = [make_browser() for _ in users]
    statuses = [b.login(u.username).status_code for b, u in zip(browsers, users, strict=True)]
    assert statuses == [302] * 20
    homes = [b.get("/").status_code for b in browsers]
    assert homes == [200] * 20


def test_a_locked_account_does_not_lock_out_its_colleagues(tight_limits, make_browser):
    tight_limits("100 per minute", "2 per minute")
    attacked, colleague = factories.UserFactory.create_batch(2)
    guesser = make_browser()
    for _ in range(2):
        guesser.login(attacked.username, "wrong guess")
    assert guesser.login(attacked.username, "wrong guess").status_code == 429
    assert make_browser().login(colleague.username).status_code == 302


def test_many_failures_from_one_address_are_refused_for_every_account(tight_limits, browser):
    tight_limits("3 per minute", "100 per minute")
    for user in factories.UserFactory.create_batch(3):
        assert browser.login(user.username, "wrong guess").status_code == 200
    assert browser.login(factories.UserFactory().username).status_code == 429


@pytest.mark.parametrize("target", ["/%0D%0Ab", "/cases%0aSet-Cookie:x=1", "/%09", "/%7F"])
def test_a_next_with_a_control_character_goes_home_after_sign_in(browser, target):
    user = factories.UserFactory()
    response = browser.post(
        f"/login?next={target}", {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_language_change_with_a_line_break_in_next_is_saved_and_goes_home(login_as):
    b = login_as("caseworker")
    response = b.post("/language", {"lang": "ky", "next": "/\r\nb"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert 'lang="ky"' in b.get("/").get_data(as_text=True)


def test_wrong_codes_are_slowed_down_per_account_and_a_right_one_is_not_counted(
    tight_limits, make_browser
):
    from tests.conftest import current_code

    tight_limits("100 per minute", "2 per minute")
    user = factories.UserFactory(role="supervisor")
    first = make_browser()
    first.login(user.username)  # a right code: not counted
    b = make_browser()
    b.login(user.username, code=False)
    b.get("/login/code")
    statuses = [b.post("/login/code", {"code": "000000"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert b.post("/login/code", {"code": current_code(user.username)}).status_code == 429


def test_the_sign_in_page_leaves_no_cookie_until_someone_signs_in(browser):
    """Linked from the public finder: a survivor who opens it on a shared phone must leave
    nothing behind, not even after a mistyped attempt."""
    user = factories.UserFactory()
    page = browser.get("/login")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    failed = browser.post(
        "/login", {"username": user.username, "password": "not the password"}, csrf=False
    )
    assert failed.status_code == 200
    assert "Signing in did not work" in failed.get_data(as_text=True)
    assert browser.client.get_cookie("session") is None
    assert browser.login(user.username).status_code == 302
    assert browser.client.get_cookie("session") is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(browser, headers):
    """Without a CSRF token on the sign-in form, the browser's own origin headers stop
    another site from signing a caseworker into an account of the attacker's."""
    user = factories.UserFactory()
    response = browser.post(
        "/login",
        {"username": user.username, "password": TEST_PASSWORD},
        headers=headers,
        csrf=False,
    )
    assert response.status_code == 400
    assert browser.client.get_cookie("session") is None


@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}]
)
def test_a_sign_in_from_our_own_page_goes_through(browser, headers):
    user = factories.UserFactory()
    response = browser.post(
        "/login",
        {"username": user.username, "password": TEST_PASSWORD},
        headers=headers,
        csrf=False,
    )
    assert response.status_code == 302
