"""Cases: every endpoint x role x scope.

Scopes for a case id: `own` (owned by the world's caseworker), `colleague` (another
caseworker of the same crisis centre), `other_org` (a caseworker of another crisis
centre), `missing` (no such id) and `malformed`. A caseworker reads their own cases; a
supervisor reads all of their organisation's and alone may erase; every other role has
no case permission (403); out-of-scope answers 404, like a missing case.
"""

from __future__ import annotations

from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import ErasureReason
from tests import factories
from tests.access.matrix import (
    NOT_FOUND,
    OK,
    REDIRECT,
    Entry,
    builder,
    only,
)

MISSING = "00000000-0000-0000-0000-000000000000"
SCOPES = ("own", "assigned", "colleague", "other_org", "erased", "missing", "malformed")


def _open(owner, name: str):
    return service.open_case(owner, service.CaseInput(full_name=name, phone="0555 000 111"))


@builder("own_case")
def _own_case(world):
    return _open(world.users["caseworker"], "Aigul Toktogulova")


@builder("colleague_case")
def _colleague_case(world):
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=world.orgs["crisis"])
    return _open(colleague, "Jyldyz Asanova")


@builder("assigned_case")
def _assigned_case(world):
    """A colleague's case to which the world's caseworker is assigned by the supervisor."""
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=world.orgs["crisis"])
    case = _open(colleague, "Nurzada Bekova")
    service.assign_case(
        world.users["supervisor"], case, colleague.id, [world.users["caseworker"].id]
    )
    return case


@builder("erased_case")
def _erased_case(world):
    """One of the world's caseworker's cases, erased by the supervisor."""
    case = _open(world.users["caseworker"], "Gulnara Erased")
    service.erase_case(world.users["supervisor"], case, ErasureReason.SURVIVOR_REQUEST)
    return case


@builder("other_org_case")
def _other_org_case(world):
    return _open(world.users["other_caseworker"], "Cholpon Ibraimova")


def _case_url(scope: str, suffix: str = ""):
    def url(world):
        if scope == "missing":
            return f"/cases/{MISSING}{suffix}"
        if scope == "malformed":
            return f"/cases/not-a-uuid{suffix}"
        return f"/cases/{world.get(scope + '_case').id}{suffix}"

    return url


def _reader(scope: str, *, caseworker=OK, supervisor=OK, erased=410) -> dict:
    """Status for caseworker and supervisor on a case of `scope` (`erased`: what both get
    on an erased case of theirs; 410, the erased page, unless the endpoint says other)."""
    visible = {
        "own": (caseworker, supervisor),
        "assigned": (caseworker, supervisor),
        "erased": (erased, erased),
        "colleague": (NOT_FOUND, supervisor),
        "other_org": (NOT_FOUND, NOT_FOUND),
        "missing": (NOT_FOUND, NOT_FOUND),
        "malformed": (NOT_FOUND, NOT_FOUND),
    }[scope]
    return {"caseworker": visible[0], "supervisor": visible[1]}


def _edit_data(scope: str):
    def data(world):
        version = "1"
        if scope not in ("missing", "malformed"):
            version = str(world.get(scope + "_case").lock_version)
        return {"full_name": "Changed Name", "lock_version": version}

    return data


def _assign_data(world):
    return {"owner_id": str(world.users["caseworker"].id)}


def _erase_data(world):
    return {"reason": "survivor_request", "understood": "y", "confirm_code": "WRONG"}


ENTRIES = [
    Entry("cases.index", "/cases/", only({"caseworker": OK, "supervisor": OK})),
    Entry("cases.new", "/cases/new", only({"caseworker": OK, "supervisor": OK})),
    Entry(
        "cases.new",
        "/cases/new",
        only({"caseworker": REDIRECT, "supervisor": REDIRECT}, method="POST"),
        method="POST",
        scope="submit",
        data={"full_name": "Aigul Toktogulova", "phone": "0555 123 456"},
    ),
    Entry("cases.search", "/cases/search", only({"caseworker": OK, "supervisor": OK})),
    Entry(
        "cases.search",
        "/cases/search",
        only({"caseworker": OK, "supervisor": OK}, method="POST"),
        method="POST",
        scope="submit",
        data={"term": "Aigul Toktogulova"},
    ),
]


def _reads_url(scope: str):
    def url(world):
        return _case_url(scope)(world).replace("/cases/", "/audit/cases/", 1)

    return url


for _scope in SCOPES:
    ENTRIES += [
        Entry("cases.detail", _case_url(_scope), only(_reader(_scope)), scope=_scope),
        # Who looked at the case: its readers; an erased case keeps its trail.
        Entry(
            "audit.case_reads",
            _reads_url(_scope),
            only(_reader(_scope, erased=OK)),
            scope=_scope,
        ),
        Entry("cases.edit", _case_url(_scope, "/edit"), only(_reader(_scope)), scope=_scope),
        Entry(
            "cases.edit",
            _case_url(_scope, "/edit"),
            only(_reader(_scope, caseworker=REDIRECT, supervisor=REDIRECT), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data=_edit_data(_scope),
        ),
        Entry(
            "cases.erase",
            _case_url(_scope, "/erase"),
            only({"supervisor": _reader(_scope)["supervisor"]}),
            scope=_scope,
        ),
        # Assigning is the supervisor's; an erased case has nobody left to assign.
        Entry(
            "cases.assign",
            _case_url(_scope, "/assign"),
            only({"supervisor": _reader(_scope, erased=NOT_FOUND)["supervisor"]}),
            scope=_scope,
        ),
        Entry(
            "cases.assign",
            _case_url(_scope, "/assign"),
            only(
                {
                    "supervisor": _reader(_scope, supervisor=REDIRECT, erased=NOT_FOUND)[
                        "supervisor"
                    ]
                },
                method="POST",
            ),
            method="POST",
            scope=f"{_scope}-submit",
            data=_assign_data,
        ),
        Entry(
            "cases.erase",
            _case_url(_scope, "/erase"),
            # A wrong confirmation code re-renders the form (422): nothing is erased by
            # the matrix, but the request reached the view only where it should.
            only(
                {"supervisor": {OK: 422, 410: 410}.get(_reader(_scope)["supervisor"], NOT_FOUND)},
                method="POST",
            ),
            method="POST",
            scope=f"{_scope}-submit",
            data=_erase_data,
        ),
    ]

# A malformed id matches no route (the <uuid:> converter): 404 for everyone, signed in
# or not, before any permission is looked at, so nothing is learnt from it.
for _entry in ENTRIES:
    if _entry.scope.startswith("malformed"):
        _entry.expect = {role: NOT_FOUND for role in _entry.expect}
