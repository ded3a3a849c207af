"""Redis (where the sign-in limits live in production) stopped: sign-in goes on, with
the limits kept in each process's memory until Redis answers again, and the lockout of
an account (kept in the database) still stops guessing. Before, every sign-in answered
500 until Redis was back: a crisis centre locked out of its cases by a cache.
bench/faults.py stops a real Redis under load; this points the app at a closed port."""

import socket

import pytest

from referral.auth.permissions import Role
from referral.extensions import limiter
from tests.conftest import TEST_PASSWORD, Browser
from tests.crypto.committed import committed_app, make_staff

pytestmark = pytest.mark.no_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens


@pytest.fixture
def app_without_redis(tmp_path):
    # One Limiter object serves every app of the process, and init_app points it at this
    # app's storage: put back the suite's (memory) storage for the tests that follow.
    saved = dict(limiter.__dict__)
    config = {
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{_closed_port()}/0",
        "LOGIN_RATE_LIMIT": "30 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute",
    }
    try:
        with committed_app(tmp_path, "no_redis", config=config) as (app, _url):
            yield app
    finally:
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)


def test_staff_sign_in_and_work_while_redis_is_down(app_without_redis):
    app = app_without_redis
    with app.app_context():
        names = [make_staff().username for _ in range(4)]
        names.append(make_staff(Role.SUPERVISOR).username)
    browsers = [Browser(app) for _ in names]
    statuses = [b.login(name).status_code for b, name in zip(browsers, names, strict=True)]
    assert statuses == [302] * len(names)
    assert [b.get("/cases/").status_code for b in browsers] == [200] * len(names)


def test_guessing_one_password_is_still_refused_while_redis_is_down(app_without_redis):
    app = app_without_redis
    with app.app_context():
        name = make_staff().username
    guesser = Browser(app)
    statuses = [guesser.login(name, "wrong guess").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # The right password is refused too, from another browser: the account is locked.
    refused = Browser(app).login(name, TEST_PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
