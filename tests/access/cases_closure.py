"""Attachments, closure, reopening, client feedback and the print view: every endpoint x
role x case scope (own, assigned, a colleague's, another centre's, erased, missing),
GET and POST.

Caseworkers and supervisors reach the cases of their scope; the closure review and
reopening are the supervisor's (CASE_ERASE: a caseworker gets 403); other roles have no
case permission (403); out of scope is 404; an erased case answers 410 before any
record is looked up. The POSTs send forms that the view refuses (422) or that decide
nothing on an open case, so a cell proves the request reached the view without
changing the world for the next one.
"""

from __future__ import annotations

import uuid

import tests.access.cases  # noqa: F401  (registers the case builders)
from referral.cases.models import AttachmentKind
from referral.cases.service import attachments
from tests.access.cases import _case_url, _reader
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Entry, builder, only

SCOPES = ("own", "assigned", "colleague", "other_org", "erased", "missing")
VISIBLE = ("own", "assigned", "colleague", "other_org")
PDF = b"%PDF-1.4\nmatrix\n%%EOF\n"


def _document(scope: str):
    @builder(f"attachment:{scope}")
    def build(world):
        case = world.get(f"{scope}_case")
        data = attachments.AttachmentInput(AttachmentKind.OTHER, "scan.pdf", PDF)
        return attachments.add_attachment(case.owner, case, data).id

    return build


for _scope in VISIBLE:
    _document(_scope)


def _attachment_url(scope: str, suffix: str = ""):
    def url(world):
        record = world.get(f"attachment:{scope}") if scope in VISIBLE else uuid.uuid4()
        return _case_url(scope, f"/attachments/{record}{suffix}")(world)

    return url


def _supervisor_only(scope: str, allowed: int, erased: int = 410) -> dict:
    """The supervisor's answer on a case of `scope` when the endpoint is theirs alone."""
    return {"supervisor": _reader(scope, supervisor=allowed, erased=erased)["supervisor"]}


REFUSED = 422  # a form the view shows again: nothing changes
POST = "POST"

ENTRIES = [
    Entry("cases.feedback", "/cases/feedback", only({"caseworker": OK, "supervisor": OK})),
    Entry(
        "cases.feedback",
        "/cases/feedback",
        only({"caseworker": REFUSED, "supervisor": REFUSED}, method=POST),
        method=POST,
        scope="empty",
        data={},
    ),
]

for _scope in SCOPES:
    ENTRIES += [
        Entry(
            "cases.attachment_new",
            _case_url(_scope, "/attachments/new"),
            only(_reader(_scope)),
            scope=_scope,
        ),
        Entry(
            "cases.attachment_new",
            _case_url(_scope, "/attachments/new"),
            only(_reader(_scope, caseworker=REFUSED, supervisor=REFUSED), method=POST),
            method=POST,
            scope=f"{_scope}-submit",
            data={"kind": ""},
        ),
        Entry(
            "cases.attachment_download",
            _attachment_url(_scope),
            only(_reader(_scope)),
            scope=_scope,
        ),
        Entry(
            "cases.attachment_delete",
            _attachment_url(_scope, "/delete"),
            only(_reader(_scope)),
            scope=_scope,
        ),
        Entry(
            "cases.attachment_delete",
            _attachment_url(_scope, "/delete"),
            only(_reader(_scope, caseworker=REFUSED, supervisor=REFUSED), method=POST),
            method=POST,
            scope=f"{_scope}-submit",
            data={"lock_version": "1"},  # "understood" not ticked
        ),
        Entry(
            "cases.closure_request",
            _case_url(_scope, "/closure/request"),
            only(_reader(_scope)),
            scope=_scope,
        ),
        Entry(
            "cases.closure_request",
            _case_url(_scope, "/closure/request"),
            only(_reader(_scope, caseworker=REFUSED, supervisor=REFUSED), method=POST),
            method=POST,
            scope=f"{_scope}-submit",
            data={"reason": "", "lock_version": "1"},
        ),
        # Review and reopen on an open case: the GET sends the supervisor back to the
        # case page, the POST is refused by the service.
        Entry(
            "cases.closure_review",
            _case_url(_scope, "/closure/review"),
            only(_supervisor_only(_scope, REDIRECT)),
            scope=_scope,
        ),
        Entry(
            "cases.closure_review",
            _case_url(_scope, "/closure/review"),
            only(_supervisor_only(_scope, REFUSED), method=POST),
            method=POST,
            scope=f"{_scope}-submit",
            data={"decision": "approve", "lock_version": "1"},
        ),
        Entry(
            "cases.reopen",
            _case_url(_scope, "/reopen"),
            only(_supervisor_only(_scope, REDIRECT)),
            scope=_scope,
        ),
        Entry(
            "cases.reopen",
            _case_url(_scope, "/reopen"),
            only(_supervisor_only(_scope, REFUSED), method=POST),
            method=POST,
            scope=f"{_scope}-submit",
            data={"reason": "other", "lock_version": "1"},
        ),
        Entry(
            "cases.print_case",
            _case_url(_scope, "/print"),
            only(_reader(_scope)),
            scope=_scope,
        ),
    ]

# A document id of no document of this case (another case's, or none) answers 404.
ENTRIES += [
    Entry(
        "cases.attachment_download",
        lambda world: _case_url("own", f"/attachments/{world.get('attachment:other_org')}")(world),
        only({"caseworker": NOT_FOUND, "supervisor": NOT_FOUND}),
        scope="foreign-record",
    ),
]
