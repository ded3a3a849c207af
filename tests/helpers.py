"""Set-ups that tests of several domains share: the survivor's consent to release her
data, then a referral sent on it (the services refuse a referral without it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from referral.cases.models import ConsentDecision, ConsentGiver, ConsentKind, ConsentMethod
from referral.cases.service import consent
from referral.directory.models import ServiceType
from referral.extensions import db
from referral.referrals.models import Referral, Urgency
from referral.referrals.service import lifecycle

POLICE = ServiceType.POLICE_INTERNAL_AFFAIRS


def release(
    worker, case, types: Iterable[ServiceType] = (), org_ids: Iterable[uuid.UUID] = ()
) -> None:
    """Her consent, given verbally, to release her data for `types` (and to `org_ids`)."""
    consent.record_consent(
        worker,
        case,
        consent.ConsentInput(
            kind=ConsentKind.RELEASE,
            decision=ConsentDecision.GIVEN,
            given_by=ConsentGiver.SURVIVOR,
            method=ConsentMethod.VERBAL,
            service_types=tuple(types),
            organisation_ids=tuple(org_ids),
        ),
        consent.history_version(case),
    )
    db.session.flush()


def refer(
    worker,
    case,
    to_org_id: uuid.UUID,
    *,
    service_type: ServiceType = POLICE,
    items: Iterable[str] = ("name", "safe_contact"),
    summary: str = "She needs protection from her husband.",
    urgency: Urgency = Urgency.URGENT,
    consent_given: bool = True,
    **fields,
) -> Referral:
    """Consent to release for `service_type` recorded (unless `consent_given=False`:
    the test recorded its own), then the referral sent to `to_org_id`."""
    if consent_given:
        release(worker, case, (service_type,))
    referral = lifecycle.send_referral(
        worker,
        case,
        lifecycle.ReferralInput(
            to_org_id=to_org_id,
            service_type=service_type,
            urgency=urgency,
            shared_items=tuple(items),
            summary=summary,
            **fields,
        ),
    )
    db.session.flush()
    return referral
