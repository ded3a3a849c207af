"""The referral lifecycle, in one place: draft, send (gated by consent), the provider's
steps, withdrawal; deadlines. Every step checks that it is allowed from the current
status, records who and when (a `ReferralEvent`), writes the case timeline and the audit
trail in the same transaction, flushes and never commits.

    draft ─send─▶ sent ─▶ acknowledged ─▶ accepted ─▶ appointment scheduled ─▶ service
      │            │            │             │                 │            provided ─▶ completed
      │            └────────────┴──▶ declined (with a reason)   │                 │
      └──────── withdrawn by the caseworker from draft or any open status ◀───────┘
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.cases import policy as case_policy
from referral.cases.models import Case
from referral.cases.service import consent, erasure
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    record_event,
    write_grant,
)
from referral.crypto import fields
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.directory.models import Organisation, ServiceType
from referral.extensions import db
from referral.notifications import service as notifications  # notifications: tell who waits
from referral.referrals import policy, sharing
from referral.referrals.models import (
    RESPONDED_STATUSES,
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Urgency,
)
from referral.stats import facts as stats_facts

S = ReferralStatus
URGENCY_HOURS = {Urgency.IMMEDIATE: 24, Urgency.URGENT: 72}
DEFAULT_ROUTINE_HOURS = 168

# Which status may follow which, and who moves it: "provider" (or the caseworker on its
# behalf for a provider without an account), "caseworker".
TRANSITIONS: dict[tuple[ReferralStatus, ReferralStatus], str] = {
    (S.SENT, S.ACKNOWLEDGED): "provider",
    (S.SENT, S.ACCEPTED): "provider",
    (S.SENT, S.DECLINED): "provider",
    (S.ACKNOWLEDGED, S.ACCEPTED): "provider",
    (S.ACKNOWLEDGED, S.DECLINED): "provider",
    (S.ACCEPTED, S.APPOINTMENT_SCHEDULED): "provider",
    (S.ACCEPTED, S.SERVICE_PROVIDED): "provider",
    (S.ACCEPTED, S.DECLINED): "provider",
    (S.APPOINTMENT_SCHEDULED, S.APPOINTMENT_SCHEDULED): "provider",  # rescheduled
    (S.APPOINTMENT_SCHEDULED, S.SERVICE_PROVIDED): "provider",
    (S.SERVICE_PROVIDED, S.COMPLETED): "provider",
}
INVALID_STEP = _l("This step is not possible now: the referral is %(status)s.")


class ReferralError(CaseError):
    """A referral rule refused the action (message safe to show, field it belongs to)."""


def routine_hours() -> int:
    return int(current_app.config.get("REFERRAL_ROUTINE_HOURS", DEFAULT_ROUTINE_HOURS))


def deadline(sent_at: datetime, urgency: Urgency) -> datetime:
    """The response deadline: immediate 24 h, urgent 72 h, routine a setting. Bishkek
    keeps UTC+6 all year, so hours counted in UTC are the hours a person counts."""
    return sent_at + timedelta(hours=URGENCY_HOURS.get(urgency, routine_hours()))


def is_overdue(referral: Referral, now: datetime | None = None) -> bool:
    """Sent, not yet answered by the provider, and past its deadline."""
    now = now or utcnow()
    return (
        referral.status == S.SENT
        and referral.due_at is not None
        and referral.responded_at is None
        and referral.due_at < now
    )


@dataclass(frozen=True)
class ReferralInput:
    to_org_id: uuid.UUID | None
    service_type: ServiceType | None
    urgency: Urgency | None
    shared_items: tuple[str, ...] = ()
    summary: str | None = None
    to_service_id: uuid.UUID | None = None
    pathway_version_id: uuid.UUID | None = None
    pathway_step_id: uuid.UUID | None = None
    override_reason: str | None = None  # a supervisor sending beyond consent
    on_paper: bool = False  # the provider has no account: a slip is printed


def _event(referral, status_from, status_to, *, actor, on_behalf=False, detail=None, kind="status"):
    # The acting user is passed in: flask_login's current_user is None outside a request
    # (the reminders command, a test), and the step must still say who took it.
    event = ReferralEvent(
        referral_id=referral.id,
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        status_from=status_from,
        status_to=status_to,
        on_behalf=on_behalf,
        detail=detail or None,
        kind=kind,
    )
    referral.events.append(event)
    return event


def _timeline(case: Case, referral: Referral, kind: str, **detail) -> None:
    record_event(
        case,
        kind,
        target=referral,
        detail={"status": referral.status.value, "service_type": referral.service_type.value}
        | detail,
    )


def check_release(case: Case, data: ReferralInput):
    """The consent decision for this referral (service type and named provider)."""
    return consent.release_decision(case, data.service_type, data.to_org_id)


def send_referral(user: User, case: Case, data: ReferralInput) -> Referral:
    """Create and send a referral of the case. Refused (every broken rule at once) when
    consent to release does not cover it, unless a supervisor gives a written reason to
    override; the shared items are narrowed to the provider type's profile."""
    if not user.can(Permission.REFERRAL_SEND):
        raise GrantError("this role does not refer")
    grant = write_grant(user, case, {U.REFERRAL_SUMMARY, U.NOTES})
    problems = Problems()
    org = db.session.get(Organisation, data.to_org_id) if data.to_org_id else None
    if org is None or not org.is_active:
        problems.add("to_org_id", _l("Choose an active provider from the list."))
    if data.service_type is None:
        problems.add("service_type", _l("Choose the service she is referred to."))
    elif not data.service_type.is_referral_destination:
        problems.add("service_type", _l("This service does not take referrals of violence."))
    if data.urgency is None:
        problems.add("urgency", _l("Choose how urgent it is."))
    summary = (data.summary or "").strip() or None
    if summary is None:
        problems.add("summary", _l("Write a summary for this provider: what she needs from them."))
    override = (data.override_reason or "").strip() or None
    decision = None
    if data.service_type is not None and org is not None:
        decision = check_release(case, data)
        if not decision.allowed:
            if override is None:
                problems.add(None, decision.message)
            elif not user.can(Permission.REFERRAL_OVERRIDE):
                problems.add(
                    "override_reason",
                    _l("Only a supervisor can send a referral that consent does not cover."),
                )
    items = sharing.allowed_items(org.org_type if org else None, data.shared_items)
    if org is not None and not sharing.profile_for(org.org_type):
        problems.add("to_org_id", _l("This organisation does not receive referrals."))
    problems.raise_if_any(ReferralError)
    now = utcnow()
    referral = Referral(
        case_id=case.id,
        from_org_id=case.organisation_id,
        from_user_id=user.id,
        to_org_id=org.id,
        to_service_id=data.to_service_id,
        service_type=data.service_type,
        pathway_version_id=data.pathway_version_id,
        pathway_step_id=data.pathway_step_id,
        status=S.SENT,
        urgency=data.urgency,
        shared_items=list(items),
        sent_at=now,
        due_at=deadline(now, data.urgency),
        consent_override=bool(decision is not None and not decision.allowed),
        override_by_id=user.id if decision is not None and not decision.allowed else None,
        is_on_paper=data.on_paper,
    )
    referral.case = case
    fields.write(referral, "summary", summary, grant)
    fields.write(
        referral, "override_reason", override if referral.consent_override else None, grant
    )
    fields.write(referral, "feedback", None, _feedback_grant(user, case))
    fields.write(referral, "provider_notes", None, _blank_grant(user, referral))
    db.session.add(referral)
    _event(referral, None, S.SENT, actor=user, detail={"items": len(items)})
    db.session.flush()
    _timeline(case, referral, "referral_sent", override=referral.consent_override)
    audit_case(
        "referral_sent",
        case,
        referral=str(referral.id),
        to_org=str(org.id),
        items=list(items),
        override=referral.consent_override,
    )
    if referral.consent_override:
        audit_case("referral_consent_override", case, referral=str(referral.id))
    notifications.notify_new_referral(referral, actor=user)  # notifications
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return referral


def _feedback_grant(user: User, case: Case):
    """The caseworker's write grant for the feedback column (sealed empty at sending,
    written later by the provider or, on paper, by the caseworker)."""
    return case_policy.grant_for(user, case, {U.REFERRAL_FEEDBACK}, U.WRITE)


def _blank_grant(user: User, referral: Referral):
    """Seal the provider-notes column empty at sending: a referral's columns always hold
    ciphertext, so a nulled column reads as tampering. Through the referral policy's
    issuer (the only one that knows this unit), for the sending user, write only."""
    return policy.blank_notes_grant(user, referral)


def _check_version(referral: Referral, lock_version) -> None:
    """Take the case's and the referral's rows for this transaction, then compare the
    form's version with the saved one. Two people acting on one referral (or on two
    referrals of one case: each step touches the case) queue here, and the second sees
    the first's committed version and is told (StaleError, a 409) instead of failing in
    the flush. PostgreSQL: row locks, case first. SQLite locks the whole database: a
    no-op write takes its write lock, and a writer already holding it makes this one
    give way at once (SQLite refuses to wait for it from inside a read transaction)."""
    session = db.session
    try:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(
                update(Referral)
                .where(Referral.id == referral.id)
                .values(lock_version=Referral.lock_version, updated_at=Referral.updated_at)
                .execution_options(synchronize_session=False)
            )
        session.refresh(referral.case, with_for_update=True)
        session.refresh(referral, with_for_update=True)
    except OperationalError as error:  # the database is held by the other writer
        raise StaleError([], {}) from error
    if lock_version is None or int(lock_version) != referral.lock_version:
        raise StaleError([], {})


def _move(user: User, referral: Referral, to: ReferralStatus, *, on_behalf: bool, **detail):
    current = referral.status
    if (current, to) not in TRANSITIONS:
        raise ReferralError(INVALID_STEP % {"status": current.label})
    now = utcnow()
    referral.status = to
    if to in RESPONDED_STATUSES and referral.responded_at is None:
        referral.responded_at = now
    if to.is_final:
        referral.closed_at = now
    # Before the event: appending it loads the steps, whose autoflush writes the referral
    # once; a change after that would write it (and bump its version) a second time.
    referral.updated_at = now
    _event(referral, current, to, actor=user, on_behalf=on_behalf, detail=detail or None)
    db.session.flush()
    _timeline(referral.case, referral, f"referral_{to.value}", on_behalf=on_behalf)
    audit_case(
        f"referral_{to.value}",
        referral.case,
        referral=str(referral.id),
        on_behalf=on_behalf,
    )
    notifications.notify_status_changed(referral, actor=user)  # notifications
    stats_facts.refresh_case(referral.case_id)  # the statistics, in this transaction
    return referral


def provider_step(
    user: User,
    referral: Referral,
    to: ReferralStatus,
    lock_version,
    *,
    decline_reason: DeclineReason | None = None,
    appointment_at: datetime | None = None,
    feedback: str | None = None,
) -> Referral:
    """The provider moves the referral on (or the caseworker records it for a provider
    without an account, marked as such). Feedback, if written, replaces the last one."""
    access = policy.access_for(user, referral)
    if not access.visible:
        raise GrantError("no such referral")
    # The version first: it waits for anyone acting on the referral now, and a form
    # loaded before their step is told the referral changed (409), whatever the step
    # made of it; the refusals below then judge the state the form was loaded with.
    _check_version(referral, lock_version)
    if not access.can_act:
        raise ReferralError(INVALID_STEP % {"status": referral.status.label})
    if to == S.ACCEPTED and policy.is_transfer(referral):
        # Accepting a transfer moves the case to the receiving centre: transfer.py does it.
        raise ReferralError(
            _l("A supervisor of the receiving centre accepts a transfer and names its owner.")
        )
    problems = Problems()
    if to == S.DECLINED and decline_reason is None:
        problems.add("decline_reason", _l("Say why the referral is declined."))
    if to == S.APPOINTMENT_SCHEDULED:
        if appointment_at is None:
            problems.add("appointment_at", _l("Give the date and time of the appointment."))
        elif appointment_at < utcnow() - timedelta(days=1):
            problems.add("appointment_at", _l("The appointment cannot be in the past."))
    problems.raise_if_any(ReferralError)
    if to == S.DECLINED:
        referral.decline_reason = decline_reason
    if to == S.APPOINTMENT_SCHEDULED:
        referral.appointment_at = appointment_at
    if feedback is not None and feedback.strip():
        write_feedback(user, referral, feedback)
    on_behalf = access.as_case_worker
    return _move(
        user,
        referral,
        to,
        on_behalf=on_behalf,
        **({"reason": decline_reason.value} if decline_reason else {}),
    )


def write_feedback(user: User, referral: Referral, text: str) -> None:
    """The provider's feedback for the referring caseworker (encrypted)."""
    access = policy.access_for(user, referral)
    if access.as_provider:
        grant = policy.provider_grant(user, referral, U.WRITE)
    elif access.as_case_worker and referral.is_on_paper:
        grant = case_policy.grant_for(user, referral.case, {U.REFERRAL_FEEDBACK}, U.WRITE)
    else:
        raise GrantError("not allowed to write feedback on this referral")
    fields.write(referral, "feedback", text.strip(), grant)
    _event(
        referral,
        referral.status,
        referral.status,
        actor=user,
        kind="feedback",
        on_behalf=not access.as_provider,
    )
    _timeline(referral.case, referral, "referral_feedback")
    audit_case("referral_feedback", referral.case, referral=str(referral.id))
    notifications.notify_feedback(referral, actor=user)  # notifications


def withdraw_referral(user: User, referral: Referral, lock_version) -> Referral:
    """The caseworker withdraws a draft or open referral: the provider loses the
    survivor's data at once."""
    access = policy.access_for(user, referral)
    if not access.visible or not access.as_case_worker:
        raise GrantError("no such referral")
    _check_version(referral, lock_version)  # first, as in provider_step
    if not access.can_withdraw:
        raise ReferralError(INVALID_STEP % {"status": referral.status.label})
    current = referral.status
    now = utcnow()
    referral.status = S.WITHDRAWN
    referral.closed_at = now
    _event(referral, current, S.WITHDRAWN, actor=user)
    db.session.flush()
    _timeline(referral.case, referral, "referral_withdrawn")
    audit_case("referral_withdrawn", referral.case, referral=str(referral.id))
    if current is not S.DRAFT:  # a draft was never in the provider's inbox
        notifications.notify_withdrawn(referral, actor=user)  # notifications
    stats_facts.refresh_case(referral.case_id)  # the statistics, in this transaction
    return referral


def complete_referral(user: User, referral: Referral, lock_version) -> Referral:
    """The caseworker closes a referral whose service was provided."""
    access = policy.access_for(user, referral)
    if not access.visible:
        raise GrantError("no such referral")
    _check_version(referral, lock_version)
    if referral.status != S.SERVICE_PROVIDED:
        raise ReferralError(INVALID_STEP % {"status": referral.status.label})
    # Completing is the caseworker's own act (or the provider's): never "on behalf".
    return _move(user, referral, S.COMPLETED, on_behalf=False)


@erasure.before_erase
def _erase_referral_steps(case: Case) -> None:
    """Erasing a case deletes its referrals (case children); their steps go first."""
    from sqlalchemy import delete, select

    ids = select(Referral.id).where(Referral.case_id == case.id)
    db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id.in_(ids)))
