"""Test harness: one schema per session built by the migrations; every test in a
transaction that is rolled back.

TEST_DATABASE_URL selects PostgreSQL (e.g. postgresql+psycopg://postgres@127.0.0.1/referral_test);
without it the suite runs on a throw-away SQLite file.
"""

from __future__ import annotations

import contextlib
import os
import re

import flask
import pytest
from flask import has_app_context
from flask_migrate import upgrade
from flask_wtf.csrf import generate_csrf
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from referral import create_app
from referral.auth.permissions import Role
from referral.crypto.keygen import ensure_dev_keys
from referral.extensions import db
from tests import factories

TEST_PASSWORD = "correct horse battery staple"

# pytest-xdist: each worker process gets databases of its own (the session's schema is
# dropped and rebuilt at start, and several tests make `<name>_<suffix>` databases).
# Set before any fixture or helper reads the variable.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("TEST_DATABASE_URL"):
    _url = make_url(os.environ["TEST_DATABASE_URL"])
    os.environ["TEST_DATABASE_URL"] = _url.set(
        database=f"{_url.database}_{os.environ['PYTEST_XDIST_WORKER']}"
    ).render_as_string(hide_password=False)


def _prepare_postgres(url: str) -> None:
    """Create the test database if needed and empty its schema."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _prepare_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("keys")
    ensure_dev_keys(directory)
    return directory


@pytest.fixture(scope="session")
def app(database_url, keys_dir):
    app = create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "KEYS_DIR": str(keys_dir),
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield app
    # Close the pool's connections before the interpreter collects them: a psycopg
    # connection deleted while open is a ResourceWarning, which fails the run at exit.
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _db_transaction(request, app):
    """Each test runs inside a transaction rolled back at its end; views may commit
    (they release a savepoint)."""
    if "no_db" in request.keywords:
        yield
        return
    with rolled_back_transaction(app):
        yield


@contextlib.contextmanager
def rolled_back_transaction(app):
    """The test's app context and a connection whose transaction is rolled back at the
    end, the session bound to it. A test module that must prepare the connection (its
    logging) overrides `_db_transaction` and calls this."""
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    # expire_on_commit off: a view's commit must not leave the test's objects unloadable
    # once the request's app context has closed the session.
    db.session = scoped_session(
        sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    )
    Browser.test_context = ctx
    try:
        yield connection
    finally:
        Browser.test_context = None
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()
        ctx.pop()


@pytest.fixture
def session():
    return db.session


@contextlib.contextmanager
def _outside_the_test_context():
    """What the test set up, committed (to its savepoint) for a request to see; then the
    test's app context popped, so that a request gets its own, as in production."""
    ctx = Browser.test_context
    if ctx is not None:
        db.session.commit()
        ctx.pop()
    try:
        yield
    finally:
        if ctx is not None:
            ctx.push()


class Browser:
    """The Flask test client with what a person's browser does: keeps the cookie and
    sends the CSRF token that the pages it loaded carried."""

    TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    test_context = None

    def __init__(self, app):
        self.client = app.test_client()
        self._token: str | None = None

    def _request(self, method, url, **kwargs):
        # A request must get its own app context, as in production: with the test's
        # context still pushed, Flask would reuse it and share `g` (the signed-in user,
        # the CSRF token) between requests of different browsers.
        with _outside_the_test_context():
            response = getattr(self.client, method)(url, **kwargs)
        response.get_data()  # buffer the body, then release files the response holds open
        response.close()
        self._remember_token(response)
        return response

    def get(self, url, **kwargs):
        return self._request("get", url, **kwargs)

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self._request("post", url, data=data, **kwargs)

    def csrf_token(self) -> str:
        """The token of the last page loaded; else one for this browser's session, as the
        first page with a form would give (the sign-in page carries none)."""
        if self._token is None:
            with (
                _outside_the_test_context(),
                self.client.session_transaction() as flask_session,
            ):
                self._token = self._csrf_token_for(flask_session)
        return self._token

    def _remember_token(self, response):
        if response.mimetype == "text/html":
            match = self.TOKEN_RE.search(response.get_data(as_text=True))
            if match:
                self._token = match.group(1)

    def sign_in(self, user) -> None:
        """Signed in as `user` without the sign-in form: a server-side session made by
        the auth service, its token in the session cookie, as the form would leave them.
        For tests of what comes after signing in (the access matrix); the form itself is
        tested in tests/auth."""
        from referral.auth import service as accounts
        from referral.auth.models import SessionStage

        # As the form leaves a session once the code (if any) was given.
        token = accounts.start_session(
            user, stage=accounts.next_stage(user, SessionStage.SECOND_FACTOR)
        )
        db.session.commit()
        with _outside_the_test_context(), self.client.session_transaction() as flask_session:
            flask_session["_user_id"] = token
            flask_session["_fresh"] = True
            self._token = self._csrf_token_for(flask_session)

    def _csrf_token_for(self, flask_session) -> str:
        """The token a page would carry for this session, made by Flask-WTF itself: loading
        a page only to read it doubled the cost of every POST of the access matrix."""
        app = self.client.application
        with app.test_request_context():
            flask.session.update(flask_session)
            token = generate_csrf()
            flask_session.update(flask.session)
        return token

    def _code_of(self, username: str) -> str:
        if has_app_context():
            return current_code(username)
        with self.client.application.app_context():  # a committed app of its own
            return current_code(username)

    def login(self, username: str, password: str = TEST_PASSWORD, *, code: bool = True):
        """The sign-in form, then the code step when it is asked for (with the code of
        the moment, as the user's phone would show it) unless `code=False`."""
        self._token = None
        # The sign-in page carries no CSRF token (it sets no cookie).
        response = self.post("/login", {"username": username, "password": password}, csrf=False)
        self._token = None
        if code and response.status_code == 302 and response.location.endswith("/login/code"):
            self.get("/login/code")
            response = self.post("/login/code", {"code": self._code_of(username)})
            self._token = None
        return response


def current_code(username: str) -> str:
    """The code a user's app shows now. Two sign-ins of one user within 30 seconds would
    need the same code twice, which the app refuses (replay); tests sign in much faster
    than people, so the step last used is forgotten here, never in the app."""
    from referral.auth import second_factor
    from referral.auth.service import get_user_by_username

    user = get_user_by_username(username)
    try:
        return second_factor.code_now(user)
    except ValueError:
        user.second_factor.last_step = None
        db.session.commit()
        return second_factor.code_now(user)


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def make_browser(app):
    return lambda: Browser(app)


@pytest.fixture
def login_as(app):
    """A browser signed in as a fresh user of `role` (or the given user)."""

    def _login(role_or_user, **user_kwargs):
        user = role_or_user
        if isinstance(role_or_user, str):
            user = factories.UserFactory(role=Role(role_or_user), **user_kwargs)
        db.session.flush()
        b = Browser(app)
        response = b.login(user.username)
        assert response.status_code == 302, "test login failed"
        b.user = user
        return b

    return _login


# The files that take longest, run first: pytest-xdist hands out whole files (loadfile)
# in collection order, so a long file collected last keeps one core busy alone at the
# end of the run. A file's own tests keep their order.
LONG_FILES = (
    "tests/browser/test_journeys.py",
    "tests/stats/test_facts.py",
    "tests/access/test_matrix.py",
    "tests/access/test_mass_assignment.py",
    "tests/ops/test_backup.py",
    "tests/test_fuzz.py",
    "tests/stats/test_suppression.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


_FIGURES: list[str] = []
_MATRIX: list[tuple[str, str, int, int]] = []
_MASS_ASSIGNMENT: list[tuple[str, int, int]] = []
# The browser journeys' accessibility, page weight and print figures are repeated too.
FIGURE_PREFIXES = ("[security]", "[a11y]", "[weight]", "[print]")


def pytest_runtest_logreport(report):
    """Collect the `[security] ...` figures tests print, and the access matrix's cells, to
    repeat them at the end. Reports reach this hook in the process that prints the
    summary, also when pytest-xdist runs the tests in workers."""
    if report.when != "call":
        return
    _MATRIX.extend(value for name, value in report.user_properties if name == "matrix")
    _MASS_ASSIGNMENT.extend(
        value for name, value in report.user_properties if name == "mass_assignment"
    )
    if report.passed:
        for line in report.capstdout.splitlines():
            line = line.strip()
            if line.startswith(FIGURE_PREFIXES) and line not in _FIGURES:
                _FIGURES.append(line)


def pytest_terminal_summary(terminalreporter):
    """Print the security figures the suite measured, so CI logs carry them."""
    for line in _FIGURES:
        terminalreporter.write_line(line)
    if _MASS_ASSIGNMENT:
        # A failed submission counts too: its differences are what "changed" counts.
        terminalreporter.write_line(
            f"[security] mass assignment: {len({e for e, *_ in _MASS_ASSIGNMENT})} forms, "
            f"{sum(n for _e, n, _c in _MASS_ASSIGNMENT)} extra fields, "
            f"{sum(c for *_, c in _MASS_ASSIGNMENT)} changed "
            f"({len(_MASS_ASSIGNMENT)} submissions, one per role that may send the form)"
        )
    if not _MATRIX:
        return
    endpoints = {entry.split("[")[0] for entry, *_ in _MATRIX}
    roles = {role for _e, role, *_ in _MATRIX}
    # A grant: access given (2xx/3xx) where a refusal was expected.
    grants = sum(1 for _e, _r, expected, got in _MATRIX if expected >= 400 and got < 400)
    terminalreporter.write_line(
        f"[security] access matrix: {len(endpoints)} endpoints x {len(roles)} roles "
        f"(incl. anonymous) = {len(_MATRIX)} cells with object scopes; "
        f"unexpected grants: {grants}; "
        f"mismatches: {sum(1 for _e, _r, exp, got in _MATRIX if exp != got)}"
    )
