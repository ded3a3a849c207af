"""Transfer screens x every role x scope.

The sending page in every case scope (own, assigned, a colleague's, another centre's,
erased, missing): what the send page answers. The receiving side is the supervisors':
the world's supervisor is of the world's crisis centre, so

- `incoming`: a case of the other centre (its caseworker's) transferred to the world's
  centre: the supervisor sees, accepts, declines it; the world's caseworker (same
  centre, not a supervisor) gets 404;
- `outgoing`: a case of the world's caseworker transferred to the other centre (whose
  supervisor, made here, is not a world role): 404 to both world case roles;
- `declined`: an incoming transfer the supervisor declined: seen, no longer accepted;
- `accepted`: an incoming transfer the supervisor accepted: the case is theirs, the
  page leads to it and another accept is refused (409);
- `to_me`: a referral to the police, not a transfer: 404; `missing`: 404.

Every other role lacks the permission (403)."""

from __future__ import annotations

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.directory.models import ServiceType
from referral.extensions import db
from referral.referrals.models import DeclineReason, ReferralStatus, Urgency
from referral.referrals.service import lifecycle, transfer
from referral.referrals.service.lifecycle import ReferralInput
from tests import factories
from tests.access.cases import MISSING, _reader
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Entry, builder, only
from tests.helpers import release

CONFLICT = 409
REFUSED = 422
CASE_SCOPES = ("own", "assigned", "colleague", "other_org", "erased", "missing")
SCOPES = ("incoming", "outgoing", "declined", "accepted", "to_me", "missing")


def _send(worker, to_org):
    case = cases.open_case(worker, cases.CaseInput(full_name="Aizada Moving", phone="0555 321 987"))
    db.session.flush()
    release(worker, case, (ServiceType.CRISIS_CENTRE,))
    referral = transfer.send_transfer(
        worker,
        case,
        ReferralInput(
            to_org_id=to_org.id,
            service_type=None,
            urgency=Urgency.URGENT,
            shared_items=("name",),
            summary="She moves to the capital.",
        ),
    )
    db.session.flush()
    return referral


@builder("incoming_transfer")
def _incoming(world):
    return _send(world.users["other_caseworker"], world.orgs["crisis"])


@builder("outgoing_transfer")
def _outgoing(world):
    # The receiving centre's supervisor exists (it could accept) but is no world role.
    factories.UserFactory(role=Role.SUPERVISOR, organisation=world.orgs["other_crisis"])
    return _send(world.users["caseworker"], world.orgs["other_crisis"])


@builder("declined_transfer")
def _declined(world):
    referral = _send(world.users["other_caseworker"], world.orgs["crisis"])
    lifecycle.provider_step(
        world.users["supervisor"],
        referral,
        ReferralStatus.DECLINED,
        referral.lock_version,
        decline_reason=DeclineReason.SERVICE_UNAVAILABLE,
    )
    db.session.flush()
    return referral


@builder("accepted_transfer")
def _accepted(world):
    referral = _send(world.users["other_caseworker"], world.orgs["crisis"])
    transfer.accept_transfer(world.users["supervisor"], referral, referral.lock_version)
    db.session.flush()
    return referral


def _obj(world, scope):
    return world.get("to_me_referral" if scope == "to_me" else f"{scope}_transfer")


def _url(scope: str, suffix: str = ""):
    def url(world):
        rid = MISSING if scope == "missing" else _obj(world, scope).id
        return f"/referrals/transfers/{rid}{suffix}"

    return url


def _send_url(scope: str):
    def url(world):
        cid = MISSING if scope == "missing" else world.get(scope + "_case").id
        return f"/referrals/cases/{cid}/transfer"

    return url


def _version(scope: str, **fields):
    def data(world):
        version = 1 if scope == "missing" else _obj(world, scope).lock_version
        return {"lock_version": str(version), **fields}

    return data


def _supervisor(scope: str, **by_scope) -> dict:
    """The world's supervisor gets `by_scope[scope]` (default 404); the world's
    caseworker always 404: the receiving side is the supervisors'."""
    return {"supervisor": by_scope.get(scope, NOT_FOUND), "caseworker": NOT_FOUND}


def _send_data(world):
    # No consent to release on these cases: refused with every error (422) in scope.
    return {"to_org_id": str(world.orgs["other_crisis"].id), "urgency": "urgent", "summary": "x"}


ENTRIES: list[Entry] = [
    Entry(
        "referrals.transfers",
        "/referrals/transfers",
        only({"supervisor": OK, "caseworker": NOT_FOUND}),
    ),
]
for _scope in CASE_SCOPES:
    ENTRIES += [
        Entry("referrals.transfer_new", _send_url(_scope), only(_reader(_scope)), scope=_scope),
        Entry(
            "referrals.transfer_new",
            _send_url(_scope),
            only(_reader(_scope, caseworker=REFUSED, supervisor=REFUSED), method="POST"),
            method="POST",
            scope=f"{_scope}-submit",
            data=_send_data,
        ),
    ]
for _scope in SCOPES:
    ENTRIES += [
        Entry(
            "referrals.transfer_detail",
            _url(_scope),
            only(_supervisor(_scope, incoming=OK, declined=OK, accepted=OK)),
            scope=_scope,
        ),
        Entry(
            "referrals.transfer_accept",
            _url(_scope, "/accept"),
            only(
                _supervisor(_scope, incoming=REDIRECT, declined=REFUSED, accepted=CONFLICT),
                method="POST",
            ),
            method="POST",
            scope=_scope,
            data=_version(_scope),
        ),
        Entry(
            "referrals.transfer_decline",
            _url(_scope, "/decline"),
            only(
                _supervisor(_scope, incoming=REDIRECT, declined=REFUSED, accepted=CONFLICT),
                method="POST",
            ),
            method="POST",
            scope=_scope,
            data=_version(_scope, decline_reason="other"),
        ),
    ]
