"""What the referring caseworker reads of the referrals of a case: the list on the case
page, one referral with its steps and the provider's feedback, and the paper slip for a
provider without an account. Decrypts only what each page shows, through the case
policy's grants, and records the read in the audit trail (units only, never values).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from referral.auth.models import User
from referral.cases import policy as case_policy
from referral.cases.models import Case
from referral.cases.service.common import audit_case
from referral.cases.timeutil import to_local
from referral.crypto import fields
from referral.crypto import grants as U
from referral.db import utcnow
from referral.directory.models import Organisation, ServiceType
from referral.extensions import db
from referral.referrals import policy, sharing
from referral.referrals.models import DeclineReason, Referral, ReferralEvent, ReferralStatus
from referral.referrals.service.lifecycle import TRANSITIONS, is_overdue


def local(moment: datetime | None) -> datetime | None:
    """Bishkek wall-clock time, naive: pages print it as it is (the date filters would
    otherwise convert an aware value back to the request's zone)."""
    value = to_local(moment)
    return None if value is None else value.replace(tzinfo=None)


@dataclass(frozen=True)
class ReferralRow:
    id: uuid.UUID
    status: ReferralStatus
    service_type: ServiceType
    provider_name: str
    sent_at: datetime | None  # Bishkek
    due_at: datetime | None  # Bishkek
    is_overdue: bool
    is_on_paper: bool
    consent_override: bool
    feedback: str | None


def _referrals_of(case: Case) -> list[Referral]:
    return list(
        db.session.execute(
            select(Referral)
            .where(Referral.case_id == case.id)
            .options(selectinload(Referral.to_org))
            .order_by(Referral.sent_at.desc(), Referral.id)
        ).scalars()
    )


def case_referrals(user: User, case: Case) -> list[ReferralRow]:
    """The case's referrals, newest first, each with the provider's last feedback."""
    referrals = _referrals_of(case)
    if not referrals:
        return []
    grant = case_policy.grant_for(user, case, {U.REFERRAL_FEEDBACK}, U.READ)
    now = utcnow()
    rows = [
        ReferralRow(
            id=r.id,
            status=r.status,
            service_type=r.service_type,
            provider_name=r.to_org.name,
            sent_at=local(r.sent_at),
            due_at=local(r.due_at),
            is_overdue=is_overdue(r, now),
            is_on_paper=r.is_on_paper,
            consent_override=r.consent_override,
            feedback=fields.read(r, "feedback", grant),
        )
        for r in referrals
    ]
    audit_case("sensitive_read", case, {U.REFERRAL_FEEDBACK})
    return rows


# --- one referral --------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    at: datetime  # Bishkek
    kind: str
    status_from: ReferralStatus | None
    status_to: ReferralStatus
    actor_name: str
    on_behalf: bool
    decline_reason: DeclineReason | None


@dataclass(frozen=True)
class ReferralDetail:
    id: uuid.UUID
    case_id: uuid.UUID
    case_code: str
    status: ReferralStatus
    lock_version: int
    service_type: ServiceType
    provider_name: str
    provider_type_label: str
    urgency_label: str
    sent_at: datetime | None
    due_at: datetime | None
    responded_at: datetime | None
    appointment_at: datetime | None
    decline_reason: DeclineReason | None
    is_overdue: bool
    is_on_paper: bool
    consent_override: bool
    override_reason: str | None
    pathway_version: int | None
    pathway_step: int | None
    item_labels: tuple[str, ...]
    summary: str | None
    feedback: str | None
    events: tuple[EventRow, ...]
    next_statuses: tuple[ReferralStatus, ...]


def next_statuses(referral: Referral) -> tuple[ReferralStatus, ...]:
    """The provider's possible next steps from the referral's status, in lifecycle order."""
    return tuple(
        to for (frm, to), who in TRANSITIONS.items() if frm == referral.status and who == "provider"
    )


def _events(referral: Referral) -> tuple[EventRow, ...]:
    events = db.session.execute(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .options(selectinload(ReferralEvent.actor))
        .order_by(ReferralEvent.at, ReferralEvent.id)
    ).scalars()
    rows = []
    for e in events:
        reason = (e.detail or {}).get("reason")
        try:
            decline = DeclineReason(reason) if reason else None
        except ValueError:
            decline = None
        rows.append(
            EventRow(
                at=local(e.at),
                kind=e.kind,
                status_from=e.status_from,
                status_to=e.status_to,
                actor_name=(e.actor.full_name or e.actor.username) if e.actor else "",
                on_behalf=e.on_behalf,
                decline_reason=decline,
            )
        )
    return tuple(rows)


def referral_detail(user: User, referral: Referral) -> ReferralDetail:
    """The caseworker's view of one referral: everything of it, the summary they wrote,
    the provider's feedback and a supervisor's override reason decrypted (audited)."""
    case = referral.case
    units = {U.REFERRAL_SUMMARY, U.REFERRAL_FEEDBACK}
    if referral.consent_override:
        units.add(U.NOTES)
    grant = case_policy.grant_for(user, case, units, U.READ)
    version = step = None
    if referral.pathway_version_id is not None:
        from referral.committees.models import PathwayStep, PathwayVersion

        found = db.session.get(PathwayVersion, referral.pathway_version_id)
        version = found.number if found else None
        if referral.pathway_step_id is not None:
            found_step = db.session.get(PathwayStep, referral.pathway_step_id)
            step = found_step.position if found_step else None
    org = referral.to_org
    detail = ReferralDetail(
        id=referral.id,
        case_id=case.id,
        case_code=case.case_code,
        status=referral.status,
        lock_version=referral.lock_version,
        service_type=referral.service_type,
        provider_name=org.name,
        provider_type_label=org.org_type.label,
        urgency_label=str(referral.urgency.label),
        sent_at=local(referral.sent_at),
        due_at=local(referral.due_at),
        responded_at=local(referral.responded_at),
        appointment_at=local(referral.appointment_at),
        decline_reason=referral.decline_reason,
        is_overdue=is_overdue(referral),
        is_on_paper=referral.is_on_paper,
        consent_override=referral.consent_override,
        override_reason=(
            fields.read(referral, "override_reason", grant) if referral.consent_override else None
        ),
        pathway_version=version,
        pathway_step=step,
        item_labels=tuple(
            str(sharing.ITEMS[c].label) for c in referral.shared_items or () if c in sharing.ITEMS
        ),
        summary=fields.read(referral, "summary", grant),
        feedback=fields.read(referral, "feedback", grant),
        events=_events(referral),
        next_statuses=next_statuses(referral),
    )
    audit_case("sensitive_read", case, units, referral=str(referral.id))
    return detail


# --- the slip ------------------------------------------------------------------------


@dataclass(frozen=True)
class SlipView:
    referral_id: uuid.UUID
    case_code: str
    provider_name: str
    service_type: ServiceType
    urgency_label: str
    sent_at: datetime | None  # Bishkek
    due_at: datetime | None  # Bishkek
    items: tuple  # shared.SharedItem of each shared item but the summary, in profile order
    summary: object | None  # the summary's SharedItem
    centre_name: str
    centre_phones: tuple[str, ...]
    caseworker_name: str


def may_print_slip(referral: Referral) -> bool:
    """A slip is for a provider without an account, and carries her data: only while
    the referral is open and her consent stands."""
    return (
        referral.is_on_paper
        and referral.status.is_open
        and not referral.case.is_erased
        and policy.consent_stands(referral)
    )


def slip(user: User, referral: Referral) -> SlipView:
    """The one-page slip: only the shared items' values (what the provider would see in
    an inbox), the summary, the deadline and the crisis centre's contact. Never the case
    notes or the incident narrative: they are no share item. The print is audited."""
    from referral.committees.service.pathways import public_phones
    from referral.referrals.service.shared import shared_values

    case = referral.case
    items = tuple(c for c in referral.shared_items or () if c in sharing.ITEMS)
    units = sharing.units_of(items) | {U.REFERRAL_SUMMARY}
    grant = case_policy.grant_for(user, case, units, U.READ)
    values = shared_values(case, items, grant, referral=referral)
    centre = db.session.get(Organisation, referral.from_org_id)
    view = SlipView(
        referral_id=referral.id,
        case_code=case.case_code,
        provider_name=referral.to_org.name,
        service_type=referral.service_type,
        urgency_label=str(referral.urgency.label),
        sent_at=local(referral.sent_at),
        due_at=local(referral.due_at),
        items=tuple(item for code, item in values.items() if code != "summary"),
        summary=values.get("summary"),
        centre_name=centre.name if centre else "",
        centre_phones=tuple(public_phones(centre)) if centre else (),
        caseworker_name=(user.full_name or user.username),
    )
    audit_case("sensitive_read", case, units, referral=str(referral.id))
    audit_case("referral_slip_printed", case, referral=str(referral.id))
    return view
