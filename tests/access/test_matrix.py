"""Every endpoint x every role (and anonymous) x object scope gets exactly the expected
status. Prints the figure: cells checked and unexpected grants (must be 0)."""

import importlib
import pkgutil

import pytest

import tests.access
from referral.auth.access import BUILTIN_PUBLIC
from tests.access.matrix import FORBIDDEN, LOGIN, ROLES, UNAUTHENTICATED, World
from tests.conftest import Browser

MODULES = [
    importlib.import_module(f"tests.access.{m.name}")
    for m in pkgutil.iter_modules(tests.access.__path__)
    if not m.name.startswith(("test_", "matrix"))
]
ENTRIES = [entry for module in MODULES for entry in getattr(module, "ENTRIES", [])]
RESULTS: list[tuple[str, str, int, int]] = []


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


@pytest.mark.parametrize(("entry", "role"), list(_cells()))
def test_access(app, entry, role):
    world = World.build()
    url = entry.build_url(world)
    data = entry.build_data(world)
    browser = Browser(app)
    if role != "anonymous":
        browser.sign_in(world.users[role])
    response = browser.get(url) if entry.method == "GET" else browser.post(url, data)
    expected = entry.expect[role]
    RESULTS.append((entry.id, role, expected, response.status_code))
    assert response.status_code == expected, (
        f"{entry.method} {entry.endpoint} [{entry.scope}] as {role}: "
        f"got {response.status_code}, expected {expected}"
    )


def test_every_endpoint_is_in_the_matrix(app):
    covered = {entry.endpoint for entry in ENTRIES}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - BUILTIN_PUBLIC
    assert endpoints - covered == set(), "endpoints missing from the access matrix"
    assert covered - endpoints == set(), "matrix names endpoints that do not exist"


def unexpected_grants() -> int:
    """Cells where access was given (2xx/3xx) although a refusal was expected."""
    return sum(1 for _id, _role, expected, got in RESULTS if expected >= 400 and got < 400)
