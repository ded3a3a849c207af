"""Bad input never gets a server error: every form of every endpoint, as a role that may
use it, filled with hostile values (ASVS: 0 server errors from fuzzed input).

Two passes per endpoint: the fixed hostile values below, then values that Hypothesis
draws (FUZZ_EXAMPLES per endpoint: a few in the suite; `python -m bench.fuzz` runs the
same test with enough examples for at least 10,000 requests and prints the total)."""

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.access.matrix import World
from tests.access.test_matrix import ENTRIES
from tests.conftest import Browser

NASTY = [
    "",
    " ",
    "x" * 10_000,
    "\x00",
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "00000000-0000-0000-0000-000000000000",
    "Айгүл ң ө ү \u202e",
    "%(name)s {{ 7*7 }}",
]
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([A-Za-z_][\w-]*)"')
ALLOWED = (200, 302)


def _targets():
    """Each endpoint once, as the first role that may really use it (anonymous only
    where the page is public)."""
    seen = set()
    for entry in ENTRIES:
        roles = [
            r
            for r, status in entry.expect.items()
            if status in ALLOWED and (r != "anonymous" or status == 200)
        ]
        if not roles or entry.endpoint in seen:
            continue
        seen.add(entry.endpoint)
        yield pytest.param(entry, roles[0], id=f"{entry.endpoint}-{roles[0]}")


def _form_fields(browser, url: str) -> list[str]:
    """The fields of the forms on the page, or for an action URL on the pages above it
    (where its form is shown)."""
    names: set[str] = set()
    parts = url.split("?")[0].rstrip("/").split("/")
    for cut in range(len(parts), max(len(parts) - 3, 1), -1):
        page = browser.get("/".join(parts[:cut]) or "/")
        if page.status_code == 200 and page.mimetype == "text/html":
            names |= set(FIELD.findall(page.get_data(as_text=True)))
    return sorted(names - {"csrf_token", "lang", "next"})


TARGETS = list(_targets())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# Text as people and attackers type it: any Unicode (controls, surrogates excluded by
# the HTTP layer), numbers at the edges, dates and ids that almost parse.
VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(NASTY),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.uuids().map(str),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.text(alphabet="0123456789+-() ", max_size=30),
)


@pytest.mark.parametrize(("entry", "role"), TARGETS)
def test_hostile_input_never_causes_a_server_error(app, entry, role):
    world = World.build()
    url = entry.build_url(world)
    browser = Browser(app)
    if role != "anonymous":
        assert browser.login(world.users[role].username).status_code == 302
    names = _form_fields(browser, url) or ["q", "page"]
    page = browser.get(url) if entry.method == "GET" else None
    has_form = (
        page is not None
        and page.mimetype == "text/html"
        and bool(FIELD.search(page.get_data(as_text=True)))
    )
    failures, fixed = [], 0
    for i, value in enumerate(NASTY):
        data = {name: value for name in names}
        if entry.method == "GET":
            response = browser.get(url, query_string=data)
        else:
            response = browser.post(url, {**entry.build_data(world), **data})
        fixed += 1
        if response.status_code >= 500:
            failures.append((i, response.status_code))
        if has_form:
            fixed += 1
            posted = browser.post(url, data)
            if posted.status_code >= 500:
                failures.append((i, f"POST {posted.status_code}"))
    assert failures == [], f"{entry.endpoint}: server errors for inputs {failures}"
    sent, drawn_failures = _drawn_requests(browser, entry, world, url, names)
    errors = len(drawn_failures)
    who = f"{entry.endpoint} as {role}"
    print(f"[fuzz] {who}: {fixed} fixed, {sent} drawn requests, {errors} errors")
    assert drawn_failures == [], f"{entry.endpoint}: server errors for {drawn_failures[:3]}"
    print(f"[security] fuzzed forms: 0 server errors ({len(NASTY)} hostile values per field)")


def _drawn_requests(browser, entry, world, url, names):
    """Requests whose fields Hypothesis fills (any subset of the form's fields)."""
    sent, failures = [0], []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({}, optional={name: VALUES for name in names}))
    def one_request(data):
        if entry.method == "GET":
            response = browser.get(url, query_string=data)
        else:
            response = browser.post(url, {**entry.build_data(world), **data})
        sent[0] += 1
        if response.status_code >= 500:
            failures.append((sorted(data), response.status_code))

    one_request()
    return sent[0], failures
