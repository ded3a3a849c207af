"""A real browser (Debian's Chromium, driven by Playwright) against the app served by
gunicorn over loopback, as deployed (config/gunicorn.conf.py, wsgi.py), from a committed
database of its own: what the rolled-back test session holds is invisible to another
connection, so these tests build their own instance.

Without Chromium the browser tests skip with a loud message; under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from referral import create_app
from referral.crypto.keygen import ensure_dev_keys
from referral.extensions import db
from tests.conftest import _prepare_postgres

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.no_db


def _chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if path:
        return path
    message = (
        f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} "
        "(apt-get install chromium, or .ci/ensure-services as root)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message.replace("SKIPPED", "FAILED under CI=true"))
    print(f"\n*** {message} ***")
    pytest.skip(message)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from flask_migrate import upgrade

    from referral.demo.service import seed_demo

    base = tmp_path_factory.mktemp("live")
    _LIVE["base"] = base
    ensure_dev_keys(base / "keys")
    url = f"sqlite:///{base / 'live.sqlite3'}"
    if os.environ.get("TEST_DATABASE_URL"):  # the PostgreSQL leg: a database of its own
        parsed = make_url(os.environ["TEST_DATABASE_URL"])
        url = parsed.set(database=f"{parsed.database}_live").render_as_string(hide_password=False)
        _prepare_postgres(url)
    app = create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "KEYS_DIR": str(base / "keys"),
        }
    )
    with app.app_context():
        upgrade()
        # The demo: one user of every role, a directory, committees and fictional cases.
        seed_demo()
        db.session.commit()
        db.engine.dispose()
    _LIVE["app"] = app
    _LIVE["url"] = url
    yield app
    _LIVE.clear()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


_LIVE: dict = {}


def _code_of(username: str) -> str:
    """The code the demo user's app would show now (`flask demo code`). A second sign-in
    within 30 seconds would need the same code again, which the app refuses; the step
    last used is forgotten here, in the test's own database only."""
    from referral.auth import second_factor
    from referral.auth.service import get_user_by_username

    with _LIVE["app"].app_context():
        user = get_user_by_username(username)
        try:
            code = second_factor.code_now(user)
        except ValueError:
            user.second_factor.last_step = None
            db.session.commit()
            code = second_factor.code_now(user)
        db.session.remove()
    return code


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(live_app):
    """gunicorn with the production settings file (two sync workers, so that two
    requests of one page really run in two processes), on the live database and keys,
    with the testing settings (cheap password hashing)."""
    port = _free_port()
    base = _LIVE["base"]
    log = base / "gunicorn.log"
    env = {
        **os.environ,
        "REFERRAL_ENV": "testing",
        # As deployed: each worker's sealer thread writes the chain just after a page,
        # while the browser already asks for the next one (on SQLite that once failed
        # one case page in three with "database is locked").
        "REFERRAL_AUDIT_SEAL_IN_BACKGROUND": "true",
        "DATABASE_URL": _LIVE["url"],
        "REFERRAL_KEYS_DIR": str(base / "keys"),
        "REFERRAL_BIND": f"127.0.0.1:{port}",
        "REFERRAL_WORKERS": "2",
        "REFERRAL_ACCESS_LOG": str(log),
        "REFERRAL_ERROR_LOG": str(log),
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, url, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    tail = log.read_text()[-2000:] if log.exists() else ""
    pytest.fail(f"gunicorn did not answer on {url}/healthz; its log ends with:\n{tail}")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    # No network beyond loopback: the quick exit's neutral site is answered here.
    context.route("https://www.google.com/**", lambda route: route.fulfill(body="neutral"))
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str, username: str) -> None:
    from referral.demo.service import DEMO_PASSWORD

    page.goto(f"{base}/login?lang=en")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/login/code"):
        page.fill("input[name=code]", _code_of(username))
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
