"""The caseworker's referral screens x every role x scope. The send page in every case
scope (own, assigned, a colleague's, another centre's, erased, missing); the referral
page, withdraw, complete, record-on-behalf and the slip in every referral scope
(`tests.access.referrals`: addressed to the world's police, to another organisation,
withdrawn, completed, on an erased case, missing; plus `paper`: to a provider without an
account). Case roles reach the referrals of the cases they see; the provider the
referral is addressed to gets its own view of `referrals.detail` and nothing else here;
every other role lacks the permission (403). A step the referral's status does not
allow answers 409, which proves the request reached the view in scope."""

from __future__ import annotations

from tests.access.cases import MISSING, _reader
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Entry, builder, only
from tests.access.referrals import referral_url, send

CONFLICT = 409
REFUSED = 422
CASE_SCOPES = ("own", "assigned", "colleague", "other_org", "erased", "missing")
SCOPES = ("to_me", "to_other", "withdrawn", "completed", "erased", "missing", "paper")


@builder("paper_referral")
def _paper(world):
    return send(world, world.orgs["police"], paper=True)


def _send_url(scope: str):
    def url(world):
        if scope == "missing":
            return f"/referrals/cases/{MISSING}/new"
        return f"/referrals/cases/{world.get(scope + '_case').id}/new"

    return url


def _version(scope: str, **fields):
    def data(world):
        version = 1
        if scope not in ("missing", "erased"):
            version = world.get(f"{scope}_referral").lock_version
        return {"lock_version": str(version), **fields}

    return data


def _case_roles(scope: str, **by_scope) -> dict:
    """Caseworker and supervisor (both see every referral of the world's caseworker's
    cases): `by_scope[scope]` if given, else 200; 404 when gone or missing."""
    if scope in ("erased", "missing"):
        status = NOT_FOUND
    else:
        status = by_scope.get(scope, by_scope.get("default", OK))
    return {"caseworker": status, "supervisor": status}


# The provider's own view of the same page: the referrals addressed to it, open or not.
PROVIDER_DETAIL = {
    "to_me": OK,
    "paper": OK,
    "withdrawn": OK,
    "completed": OK,
    "to_other": NOT_FOUND,
    "erased": NOT_FOUND,
    "missing": NOT_FOUND,
}
CLOSED = {"withdrawn": CONFLICT, "completed": CONFLICT}
SEND = {"service_type": "police_internal_affairs", "urgency": "urgent", "summary": "Help."}

ENTRIES: list[Entry] = []
for _scope in CASE_SCOPES:
    ENTRIES += [
        Entry("referrals.new", _send_url(_scope), only(_reader(_scope)), scope=_scope),
        Entry(
            "referrals.new",
            _send_url(_scope),
            # No provider chosen and no consent: refused with every error (422).
            only(_reader(_scope, caseworker=REFUSED, supervisor=REFUSED), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data=SEND,
        ),
    ]
for _scope in SCOPES:
    ENTRIES += [
        Entry(
            "referrals.detail",
            referral_url(_scope),
            only({**_case_roles(_scope), "provider": PROVIDER_DETAIL[_scope]}),
            scope=_scope,
        ),
        Entry(
            "referrals.withdraw",
            referral_url(_scope, "/withdraw"),
            only(_case_roles(_scope, **CLOSED)),
            scope=_scope,
        ),
        Entry(
            "referrals.withdraw",
            referral_url(_scope, "/withdraw"),
            only(_case_roles(_scope, default=REDIRECT, **CLOSED), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data=_version(_scope, confirmed="y"),
        ),
        Entry(
            "referrals.complete",
            referral_url(_scope, "/complete"),
            # Nothing here has had its service provided: refused (409) in scope.
            only(_case_roles(_scope, default=CONFLICT), method="POST"),
            method="POST",
            scope=_scope,
            data=_version(_scope),
        ),
        Entry(
            "referrals.record",
            referral_url(_scope, "/record"),
            only(_case_roles(_scope, default=CONFLICT, paper=OK)),
            scope=_scope,
        ),
        Entry(
            "referrals.record",
            referral_url(_scope, "/record"),
            only(_case_roles(_scope, default=CONFLICT, paper=REDIRECT), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data=_version(_scope, status="acknowledged"),
        ),
        Entry(
            "referrals.slip",
            referral_url(_scope, "/slip"),
            only(_case_roles(_scope, default=CONFLICT, paper=OK)),
            scope=_scope,
        ),
    ]
