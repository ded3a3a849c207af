"""Consent screens: every endpoint x role x case scope (own, assigned, a colleague's,
another centre's, erased, missing). Caseworkers reach the consent of their own and
assigned cases, supervisors of every case of their centre; other roles have no case
permission (403); out of scope is 404; an erased case answers 410."""

from __future__ import annotations

import tests.access.cases  # noqa: F401  (registers the case builders)
from tests.access.cases import _case_url, _reader
from tests.access.matrix import REDIRECT, Entry, only

SCOPES = ("own", "assigned", "colleague", "other_org", "erased", "missing")
RECORD = {
    "lock_version": "0",
    "kind": "services",
    "decision": "given",
    "given_by": "survivor",
    "method": "verbal",
}

ENTRIES = []
for _scope in SCOPES:
    ENTRIES += [
        Entry(
            "cases.consent_new",
            _case_url(_scope, "/consent/new"),
            only(_reader(_scope)),
            scope=_scope,
        ),
        Entry(
            "cases.consent_new",
            _case_url(_scope, "/consent/new"),
            only(_reader(_scope, caseworker=REDIRECT, supervisor=REDIRECT), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data=RECORD,
        ),
        Entry(
            "cases.consent_withdraw",
            _case_url(_scope, "/consent/services/withdraw"),
            only(_reader(_scope)),
            scope=_scope,
        ),
        Entry(
            "cases.consent_withdraw",
            _case_url(_scope, "/consent/services/withdraw"),
            # Nothing is in force on a fresh case: the withdrawal is refused (422), which
            # proves the request reached the view exactly where it should.
            only(_reader(_scope, caseworker=422, supervisor=422), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data={"confirmed": "y"},
        ),
    ]
