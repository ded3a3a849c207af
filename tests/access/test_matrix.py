"""Every endpoint x every role (and anonymous) x object scope gets exactly the expected
status. Prints the figure: cells checked and unexpected grants (must be 0)."""

import importlib
import pkgutil

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

import tests.access
from referral.auth.access import BUILTIN_PUBLIC
from referral.extensions import db
from tests.access.matrix import FORBIDDEN, LOGIN, ROLES, UNAUTHENTICATED, World
from tests.conftest import Browser

MODULES = [
    importlib.import_module(f"tests.access.{m.name}")
    for m in pkgutil.iter_modules(tests.access.__path__)
    if not m.name.startswith(("test_", "matrix"))
]
ENTRIES = [entry for module in MODULES for entry in getattr(module, "ENTRIES", [])]


def _cells():
    """Every (entry, role), except repeats of a refusal that the permission table makes
    before any object is loaded (403 for a role without the permission, sign-in for
    anonymous): that answer cannot depend on the object's scope, so one scope of each
    endpoint and method proves it. Every in-scope and out-of-scope answer of the roles
    that hold the permission is checked in every scope."""
    seen = set()
    for entry in ENTRIES:
        for role in ROLES:
            expected = entry.expect[role]
            by_role = expected in (FORBIDDEN, UNAUTHENTICATED) or (
                role == "anonymous" and expected == LOGIN
            )
            key = (entry.endpoint, entry.method, role, expected)
            if by_role and key in seen:
                continue
            seen.add(key)
            yield pytest.param(entry, role, id=f"{entry.id}-{role}")


def _session_on(connection):
    # As tests/conftest.py: views' commits release a savepoint of the enclosing transaction.
    return scoped_session(
        sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    )


@pytest.fixture(scope="module")
def base_world(app):
    """The organisations and users of every cell, made once per module in a transaction
    that is rolled back at its end. Building them for each of ~2,000 cells was half the
    matrix's time; each cell still makes its own objects and undoes everything it did."""
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = _session_on(connection)
    try:
        ids = World.build().ids()
        db.session.commit()  # releases the session's savepoint; `outer` keeps it all
        db.session.remove()
    finally:
        db.session = original
        ctx.pop()
    yield connection, ids
    _ENTRY.clear()
    outer.rollback()
    connection.close()


_ENTRY: dict = {}


def _prepare(connection, ids, entry) -> tuple[str, dict]:
    """The URL and form data of `entry`, its objects made once for all its roles, in a
    savepoint between the module's transaction and the cells' (every cell still undoes
    what it did, and sees the objects as they were made)."""
    # By identity: a GET and a POST of one endpoint and scope share an id.
    if _ENTRY.get("entry") is not entry:
        if _ENTRY.get("savepoint") is not None:
            _ENTRY["savepoint"].rollback()
        _ENTRY.clear()
        savepoint = connection.begin_nested()
        original = db.session
        db.session = _session_on(connection)
        try:
            world = World.load(db.session, ids)
            prepared = (entry.build_url(world), entry.build_data(world))
            db.session.commit()
            db.session.remove()
        finally:
            db.session = original
        _ENTRY.update(entry=entry, savepoint=savepoint, prepared=prepared)
    return _ENTRY["prepared"]


@pytest.fixture(autouse=True)
def _db_transaction(request, app, base_world):
    """Overrides the suite's per-test transaction: a savepoint inside the module's,
    rolled back after the cell, so that no cell sees what another did."""
    connection, ids = base_world
    ctx = app.app_context()
    ctx.push()
    callspec = getattr(request.node, "callspec", None)
    entry = callspec.params.get("entry") if callspec else None
    prepared = _prepare(connection, ids, entry) if entry is not None else None
    cell = connection.begin_nested()
    original = db.session
    db.session = _session_on(connection)
    Browser.test_context = ctx
    try:
        yield ids, prepared
    finally:
        Browser.test_context = None
        db.session.remove()
        db.session = original
        cell.rollback()
        ctx.pop()


@pytest.mark.parametrize(("entry", "role"), list(_cells()))
def test_access(app, _db_transaction, request, entry, role):
    ids, (url, data) = _db_transaction
    world = World.load(db.session, ids)
    browser = Browser(app)
    if role != "anonymous":
        browser.sign_in(world.users[role])
    response = browser.get(url) if entry.method == "GET" else browser.post(url, data)
    expected = entry.expect[role]
    # Carried to the controller when the suite runs in several processes (pytest-xdist).
    request.node.user_properties.append(
        ("matrix", (entry.id, role, expected, response.status_code))
    )
    assert response.status_code == expected, (
        f"{entry.method} {entry.endpoint} [{entry.scope}] as {role}: "
        f"got {response.status_code}, expected {expected}"
    )


def test_every_endpoint_is_in_the_matrix(app):
    covered = {entry.endpoint for entry in ENTRIES}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - BUILTIN_PUBLIC
    assert endpoints - covered == set(), "endpoints missing from the access matrix"
    assert covered - endpoints == set(), "matrix names endpoints that do not exist"
