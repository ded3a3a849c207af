"""What every response carries, and how errors look."""

import re

import pytest
from flask import Blueprint

from referral import create_app
from referral.auth.access import public
from tests.conftest import Browser

REQUIRED_CSP = (
    "default-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
)


def test_pages_carry_security_headers(login_as):
    b = login_as("caseworker")
    response = b.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert all(part in csp for part in REQUIRED_CSP)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(browser):
    response = browser.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_missing_page_is_friendly_in_each_language(browser):
    english = browser.get("/no/such/page?lang=en")
    assert english.status_code == 404
    assert "Not found" in english.get_data(as_text=True)
    russian = browser.get("/no/such/page?lang=ru").get_data(as_text=True)
    kyrgyz = browser.get("/no/such/page?lang=ky").get_data(as_text=True)
    assert 'lang="ru"' in russian
    assert 'lang="ky"' in kyrgyz
    assert "Not found" not in russian
    assert "Not found" not in kyrgyz


def _failing_app(app):
    other = create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "KEYS_DIR": app.config["KEYS_DIR"],
            "LOG_TRACEBACKS": False,
        }
    )
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    @public
    def boom():
        raise RuntimeError("survivor Айгүл Токтогулова +996555123456")

    other.register_blueprint(bp)
    return other


def test_server_error_shows_no_trace_and_no_value(app, caplog):
    browser = Browser(_failing_app(app))
    response = browser.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "Traceback" not in body
    assert "Айгүл" not in body
    assert "RuntimeError" not in body
    assert "Айгүл" not in caplog.text
    assert "+996555123456" not in caplog.text
    assert "RuntimeError" in caplog.text  # the type is logged for the operator


@pytest.mark.parametrize("path", ["/admin/users/", "/audit/"])
def test_refusal_page_is_friendly(login_as, path):
    b = login_as("caseworker")
    response = b.get(path)
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_pages_before_sign_in_set_no_cookie_except_the_login_form(browser):
    # An error page reached from the public finder must not leave a cookie behind.
    missing = browser.get("/no/such/page?lang=ky")
    assert missing.status_code == 404
    assert "Set-Cookie" not in missing.headers
    assert 'href="?lang=ru"' in missing.get_data(as_text=True)


def test_language_chosen_on_the_login_page_is_kept_after_sign_in(browser):
    from tests import factories

    user = factories.UserFactory()
    browser.get("/login?lang=ky")
    browser.login(user.username)
    assert 'lang="ky"' in browser.get("/").get_data(as_text=True)


def test_input_with_a_nul_character_is_refused_plainly(browser):
    response = browser.post("/login", {"username": "a\x00b", "password": "whatever it is"})
    assert response.status_code == 400
    assert "could not be read" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "role", ["caseworker", "supervisor", "provider", "committee_member", "admin"]
)
def test_home_leads_with_the_work_and_ends_with_the_account(login_as, role):
    page = login_as(role).get("/?lang=en").get_data(as_text=True)
    titles = re.findall(r"<h2>([^<]+)</h2>", page)
    assert len(titles) >= 2, titles
    assert titles[-1] == "My account"
