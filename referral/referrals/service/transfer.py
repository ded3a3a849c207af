"""Transfer of a case to another crisis centre, with the survivor's consent.

A transfer is a referral of service type `crisis_centre` to another crisis centre (the
service type marks it: no column of its own). It is sent like any referral, through
the consent gate (consent to release must cover `crisis_centre`, and the receiving
centre when consent names providers). Until it is accepted the receiving centre's
supervisors see it as a provider sees a referral: the shared items, while it is open
and consent stands (`policy.access_for`). They may acknowledge or decline it through
the lifecycle; accepting it is `accept_transfer`, and only that moves the case:

- the case's organisation becomes the receiving centre and its owner the accepting
  supervisor or a caseworker of that centre they name;
- the sending centre's assignments go, so its caseworkers lose the case (its
  supervisors lose it with the organisation);
- the referral is accepted and then completed (the transfer is done), each step with
  its `ReferralEvent`; the timeline says `case_transferred`, the audit trail names the
  two centres and the new owner (ids only).
"""

from __future__ import annotations

import dataclasses
import uuid

from flask_babel import lazy_gettext as _l

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases.models import Case, CaseStatus
from referral.cases.service.assignment import staff_of
from referral.cases.service.common import (
    CaseClosedError,
    Problems,
    audit_case,
    check_readable,
    record_event,
)
from referral.cases.service.timeline import event_label
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.directory.models import Organisation, OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals import policy
from referral.referrals.models import Referral, ReferralStatus
from referral.referrals.service import lifecycle
from referral.referrals.service.lifecycle import INVALID_STEP, ReferralError, ReferralInput
from referral.stats import facts as stats_facts

S = ReferralStatus
ACCEPTABLE = frozenset({S.SENT, S.ACKNOWLEDGED})

event_label("case_transferred", _l("Case transferred to another crisis centre"))


def is_transfer(referral: Referral) -> bool:
    return policy.is_transfer(referral)


def send_transfer(user: User, case: Case, data: ReferralInput) -> Referral:
    """Send the case to another crisis centre: a referral of service type
    `crisis_centre`, gated by consent like every referral. ReferralError (every broken
    rule at once) when the destination is not another crisis centre or consent does not
    cover it."""
    org = db.session.get(Organisation, data.to_org_id) if data.to_org_id else None
    if org is not None and (
        org.org_type != OrganisationType.CRISIS_CENTRE or org.id == case.organisation_id
    ):
        problems = Problems()
        problems.add("to_org_id", _l("Choose another crisis centre to transfer the case to."))
        problems.raise_if_any(ReferralError)
    data = dataclasses.replace(data, service_type=ServiceType.CRISIS_CENTRE, on_paper=False)
    return lifecycle.send_referral(user, case, data)


def accept_transfer(
    user: User, referral: Referral, lock_version=None, owner_id: uuid.UUID | None = None
) -> Case:
    """A supervisor of the receiving centre accepts the transfer: the case becomes the
    centre's, owned by them or by the caseworker of the centre they name (`owner_id`).

    Raises GrantError (404) for anyone but a supervisor of the receiving centre,
    ReferralError when the transfer is no longer open or consent no longer stands or the
    owner is not of the centre, CaseClosedError on a closed case, StaleError when the
    transfer changed since the form was loaded (`lock_version`; None means the caller
    has just loaded it in this transaction)."""
    access = policy.access_for(user, referral)
    if (
        not access.visible
        or not access.as_provider
        or not is_transfer(referral)
        or user.role != Role.SUPERVISOR
    ):
        raise GrantError("no such transfer")
    case = referral.case
    check_readable(case)
    lifecycle._check_version(
        referral, referral.lock_version if lock_version is None else lock_version
    )
    if referral.status not in ACCEPTABLE:
        raise ReferralError(INVALID_STEP % {"status": referral.status.label})
    if case.status != CaseStatus.OPEN:
        raise CaseClosedError()
    problems = Problems()
    if not policy.consent_stands(referral):
        problems.add(None, _l("The survivor's consent no longer covers this transfer."))
    owner_id = owner_id or user.id
    if owner_id not in {u.id for u in staff_of(referral.to_org_id)}:
        problems.add("owner_id", _l("Choose a caseworker of this centre."))
    problems.raise_if_any(ReferralError)

    from_org_id = case.organisation_id
    lifecycle._move(user, referral, S.ACCEPTED, on_behalf=False, transfer=True)
    removed = len(case.assignments)
    case.assignments.clear()
    case.organisation_id = referral.to_org_id
    case.owner_id = owner_id
    # The transfer is done once accepted: nothing is left for the old centre to follow.
    referral.status = S.COMPLETED
    referral.closed_at = utcnow()
    lifecycle._event(referral, S.ACCEPTED, S.COMPLETED, actor=user, detail={"transfer": True})
    db.session.flush()
    record_event(
        case,
        "case_transferred",
        target=referral,
        detail={"from_org": str(from_org_id), "to_org": str(referral.to_org_id)},
    )
    lifecycle._timeline(case, referral, "referral_completed", transfer=True)
    audit_case(
        "case_transferred",
        case,
        referral=str(referral.id),
        from_org=str(from_org_id),
        to_org=str(referral.to_org_id),
        owner=str(owner_id),
        assignments_removed=removed,
    )
    db.session.flush()
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return case
