"""What a provider sees of a referral, computed once: `shared_view(user, referral)`.

The view holds the referral's own facts (status, urgency, deadline, steps: codes and
times, nothing of the survivor) and `values`, the survivor's data for each item the
referral policy lets this user see now (`policy.access_for(...).items`), decrypted
through `policy.shared_grant` and nothing else. When the referral is closed, withdrawn,
or the survivor withdrew her consent, `values` is empty and `hidden_reason` says why;
the status, the steps and the provider's own feedback and notes remain.

`shared_values(case, items, grant)` builds the values alone, for any caller holding a
grant for exactly those items' units (the paper slip of a provider without an account
uses it with the caseworker's grant). It reads the plain facts it needs (sex, risk, the
incident's type and date) and decrypts only the items' units; templates render the
result and never touch a record.

Never an item, never read here: the crisis centre's case notes, the incident narrative,
the safety plan, other providers' referrals and feedback.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.auth.models import User
from referral.cases.models import Case, ContactMethod, Incident, NeedsAssessment, Perpetrator
from referral.cases.models.plan import ProtectionOrder
from referral.cases.service.assessment import EC_HOURS, PEP_HOURS, medical_windows
from referral.cases.service.common import audit_case
from referral.cases.timeutil import to_local
from referral.crypto import fields
from referral.crypto.grants import READ, Grant, GrantError
from referral.db import utcnow
from referral.directory.models import Location, ServiceType
from referral.extensions import db
from referral.referrals import policy, sharing
from referral.referrals.models import (
    DeclineReason,
    Referral,
    ReferralStatus,
    Urgency,
)
from referral.referrals.service.lifecycle import TRANSITIONS, is_overdue

# Kinds of a line, for the template: how to print its value.
TEXT, DATE, DATETIME, HOURS, WARNING, LONGTEXT = (
    "text",
    "date",
    "datetime",
    "hours",
    "warning",
    "longtext",
)

HIDDEN_WITHDRAWN = _l(
    "The crisis centre withdrew this referral. Her details are no longer shown to you."
)
HIDDEN_CLOSED = _l("This referral is closed. Her details are no longer shown to you.")
HIDDEN_CONSENT = _l(
    "The survivor withdrew her consent to share her information. Her details are no "
    "longer shown to you; contact the crisis centre."
)
HIDDEN_ERASED = _l("The case was erased. Nothing of it is shown.")


@dataclass(frozen=True)
class Line:
    """One value of an item: a label (None: the item's own) and what to print."""

    label: object | None
    value: object
    kind: str = TEXT


@dataclass(frozen=True)
class SharedItem:
    code: str
    label: object
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Step:
    at: datetime  # Bishkek
    status_from: ReferralStatus | None
    status_to: ReferralStatus
    kind: str  # "status" or "feedback"
    on_behalf: bool


@dataclass(frozen=True)
class SharedView:
    referral_id: uuid.UUID
    lock_version: int
    status: ReferralStatus
    urgency: Urgency
    service_type: ServiceType
    from_org_name: str
    sent_at: datetime | None  # Bishkek
    due_at: datetime | None  # Bishkek
    is_overdue: bool
    appointment_at: datetime | None  # Bishkek
    decline_reason: DeclineReason | None
    is_on_paper: bool
    # A safety instruction, plain on the case: shown whenever it is set.
    do_not_contact: bool
    steps: tuple[Step, ...]
    values: dict[str, SharedItem] = field(default_factory=dict)
    hidden_reason: object | None = None  # why no value is shown (None: values shown)
    # The provider's own writing on the referral.
    feedback: str | None = None
    provider_notes: str | None = None
    # What the provider may do now.
    next_steps: tuple[ReferralStatus, ...] = ()
    can_write_feedback: bool = False
    can_write_notes: bool = False

    @property
    def is_active(self) -> bool:
        return self.hidden_reason is None


def _local(moment: datetime | None) -> datetime | None:
    return to_local(moment)


def age_in_years(birth: date | None, estimated: int | None, on: date) -> int | None:
    if birth is not None:
        years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        return max(years, 0)
    return estimated


def latest_incident(case: Case) -> Incident | None:
    """The case's most recent incident (by when it happened)."""
    return db.session.execute(
        select(Incident)
        .where(Incident.case_id == case.id)
        .order_by(Incident.occurred_at.desc(), Incident.created_at.desc(), Incident.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def primary_perpetrator(incident: Incident | None) -> Perpetrator | None:
    if incident is None:
        return None
    return db.session.execute(
        select(Perpetrator)
        .where(Perpetrator.incident_id == incident.id, Perpetrator.case_id == incident.case_id)
        .order_by(Perpetrator.is_primary.desc(), Perpetrator.created_at, Perpetrator.id)
        .limit(1)
    ).scalar_one_or_none()


def _latest_needs(case: Case) -> NeedsAssessment | None:
    return db.session.execute(
        select(NeedsAssessment)
        .where(NeedsAssessment.case_id == case.id)
        .order_by(NeedsAssessment.assessed_at.desc(), NeedsAssessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _latest_order(case: Case) -> ProtectionOrder | None:
    return db.session.execute(
        select(ProtectionOrder)
        .where(ProtectionOrder.case_id == case.id)
        .order_by(
            ProtectionOrder.issued_on.desc(),
            ProtectionOrder.created_at.desc(),
            ProtectionOrder.id.desc(),
        )
        .limit(1)
    ).scalar_one_or_none()


def _none(label=None) -> tuple[Line, ...]:
    return (Line(label, _l("Not recorded")),)


def _name(case, grant, ctx) -> tuple[Line, ...]:
    return (Line(None, fields.read(case, "full_name", grant) or _l("Not recorded")),)


def _age(case, grant, ctx) -> tuple[Line, ...]:
    years = age_in_years(
        fields.read(case, "birth_date", grant), fields.read(case, "estimated_age", grant), ctx.day
    )
    if years is None:
        return _none()
    return (Line(None, _l("%(years)d years", years=years)),)


def _sex(case, grant, ctx) -> tuple[Line, ...]:
    return (Line(None, case.sex.label if case.sex else _l("Not recorded")),)


def _safe_contact(case, grant, ctx) -> tuple[Line, ...]:
    method = fields.read(case, "safe_contact_method", grant)
    try:
        method_label = ContactMethod(method).label if method else None
    except ValueError:
        method_label = None
    lines = [
        Line(_l("Safe phone"), fields.read(case, "phone", grant) or _l("Not recorded")),
        Line(_l("How to contact her"), method_label or _l("Not recorded")),
        Line(_l("Safe times"), fields.read(case, "safe_times", grant) or _l("Not recorded")),
    ]
    return tuple(lines)


def _address(case, grant, ctx) -> tuple[Line, ...]:
    return (Line(None, fields.read(case, "address", grant) or _l("Not recorded"), LONGTEXT),)


def _children(case, grant, ctx) -> tuple[Line, ...]:
    text = fields.read(case, "accompanying_children", grant)
    return (Line(None, text or _l("None recorded"), LONGTEXT),)


def _incident_type(case, grant, ctx) -> tuple[Line, ...]:
    incident = ctx.incident
    if incident is None:
        return _none()
    lines = [Line(None, incident.gbv_type.label)]
    if incident.ala_kachuu:
        lines.append(Line(None, _l("Bride kidnapping (ala kachuu)")))
    if incident.early_marriage:
        lines.append(Line(None, _l("Early marriage")))
    return tuple(lines)


def _incident_date(case, grant, ctx) -> tuple[Line, ...]:
    incident = ctx.incident
    if incident is None:
        return _none()
    return (Line(None, to_local(incident.occurred_at).date(), DATE),)


def _incident_place(case, grant, ctx) -> tuple[Line, ...]:
    incident = ctx.incident
    if incident is None:
        return _none()
    place = incident.place_type.label if incident.place_type else _l("Not recorded")
    rayon = _l("Not recorded")
    if incident.location_id is not None:
        location = db.session.get(Location, incident.location_id)
        if location is not None:
            rayon = (
                f"{location.parent.name} — {location.name}" if location.parent else location.name
            )
    return (Line(_l("Place"), place), Line(_l("Rayon"), rayon))


def _incident_time_windows(case, grant, ctx) -> tuple[Line, ...]:
    incident = ctx.incident
    if incident is None:
        return _none()
    windows = medical_windows(incident.occurred_at, ctx.now)
    when = to_local(incident.occurred_at)
    lines = [
        Line(_l("When"), when, DATETIME if incident.is_time_known else DATE),
    ]
    if not incident.is_time_known:
        lines.append(Line(None, _l("The time of day is not known.")))
    lines.append(Line(_l("Hours since the incident"), windows.hours_since, HOURS))
    if incident.shows_medical_windows:
        pep = _l("HIV prevention (PEP), within %(h)d hours", h=PEP_HOURS)
        ec = _l("Emergency contraception, within %(h)d hours", h=EC_HOURS)
        if windows.pep_open:
            lines.append(
                Line(pep, _l("open: %(h)d hours left", h=int(windows.pep_hours_left)), WARNING)
            )
        else:
            lines.append(Line(pep, _l("closed")))
        if windows.ec_open:
            lines.append(
                Line(ec, _l("open: %(h)d hours left", h=int(windows.ec_hours_left)), WARNING)
            )
        else:
            lines.append(Line(ec, _l("closed")))
    return tuple(lines)


def _perpetrator_name(case, grant, ctx) -> tuple[Line, ...]:
    perpetrator = ctx.perpetrator
    if perpetrator is None:
        return _none()
    return (Line(None, fields.read(perpetrator, "name", grant) or _l("Not known")),)


def _perpetrator_relationship(case, grant, ctx) -> tuple[Line, ...]:
    perpetrator = ctx.perpetrator
    if perpetrator is None:
        return _none()
    return (Line(None, perpetrator.relationship_to_survivor.label),)


def _risk(case, grant, ctx) -> tuple[Line, ...]:
    level = case.risk_level.label if case.risk_level else _l("Not assessed")
    lines = [Line(_l("Risk level"), level)]
    if case.immediate_danger:
        lines.append(Line(None, _l("She is in immediate danger."), WARNING))
    else:
        lines.append(Line(_l("Immediate danger"), _l("No")))
    return tuple(lines)


def _need(area: str):
    def build(case, grant, ctx) -> tuple[Line, ...]:
        needs = ctx.needs
        if needs is None:
            return _none()
        priority = getattr(needs, f"{area}_priority")
        text = fields.read(needs, f"{area}_text", grant)
        return (
            Line(_l("Priority"), priority.label),
            Line(None, text or _l("Nothing written"), LONGTEXT),
        )

    return build


def _protection_order(case, grant, ctx) -> tuple[Line, ...]:
    order = ctx.order
    if order is None:
        return (Line(None, _l("No protection order recorded")),)
    return (
        Line(_l("Status"), order.status_on(ctx.day).label),
        Line(_l("Kind"), order.kind.label),
        Line(_l("Valid until"), order.ends_on, DATE),
    )


def _summary(case, grant, ctx) -> tuple[Line, ...]:
    if ctx.referral is None:
        return _none()
    return (
        Line(None, fields.read(ctx.referral, "summary", grant) or _l("Nothing written"), LONGTEXT),
    )


BUILDERS = {
    "name": _name,
    "age": _age,
    "sex": _sex,
    "safe_contact": _safe_contact,
    "address": _address,
    "children": _children,
    "incident_type": _incident_type,
    "incident_date": _incident_date,
    "incident_place": _incident_place,
    "incident_time_windows": _incident_time_windows,
    "perpetrator_name": _perpetrator_name,
    "perpetrator_relationship": _perpetrator_relationship,
    "risk": _risk,
    "psychosocial_needs": _need("psychosocial"),
    "material_needs": _need("material"),
    "protection_order_status": _protection_order,
    "summary": _summary,
}
# An import-time check of our own two tables, run by every test (never under -O).
assert set(BUILDERS) == set(sharing.ITEMS), "every share item needs a builder"  # nosec B101

INCIDENT_ITEMS = frozenset(
    {
        "incident_type",
        "incident_date",
        "incident_place",
        "incident_time_windows",
        "perpetrator_name",
        "perpetrator_relationship",
    }
)
PERPETRATOR_ITEMS = frozenset({"perpetrator_name", "perpetrator_relationship"})


class _Context:
    """The records the items need, loaded once and only when an item needs them."""

    def __init__(self, case: Case, items, referral: Referral | None, now: datetime):
        self.now = now
        self.day = to_local(now).date()
        self.referral = referral
        self.incident = latest_incident(case) if INCIDENT_ITEMS & set(items) else None
        self.perpetrator = (
            primary_perpetrator(self.incident) if PERPETRATOR_ITEMS & set(items) else None
        )
        needs_items = {"psychosocial_needs", "material_needs"}
        self.needs = _latest_needs(case) if needs_items & set(items) else None
        self.order = _latest_order(case) if "protection_order_status" in items else None


def shared_values(
    case: Case,
    items,
    grant: Grant,
    *,
    referral: Referral | None = None,
    now: datetime | None = None,
) -> dict[str, SharedItem]:
    """The survivor's data for `items` (share-item codes), in the items' profile order.
    Decrypts through `grant` only, which must cover the items' units (GrantError
    otherwise); the summary is the referral's and needs `referral`."""
    wanted = [code for code in sharing.ITEMS if code in set(items or ())]
    if case.is_erased or not wanted:
        return {}
    missing = sharing.units_of(wanted) - grant.units
    if missing:
        raise GrantError("the grant does not cover the shared items")
    ctx = _Context(case, wanted, referral, now or utcnow())
    return {
        code: SharedItem(code, sharing.ITEMS[code].label, BUILDERS[code](case, grant, ctx))
        for code in wanted
    }


def _steps(referral: Referral) -> tuple[Step, ...]:
    return tuple(
        Step(_local(e.at), e.status_from, e.status_to, e.kind, e.on_behalf)
        for e in sorted(referral.events, key=lambda e: (e.at, str(e.id)))
        if e.kind in ("status", "feedback")
    )


def _hidden_reason(referral: Referral, access: policy.ReferralAccess):
    if access.items:
        return None
    if referral.case.is_erased:
        return HIDDEN_ERASED
    if referral.status == ReferralStatus.WITHDRAWN:
        return HIDDEN_WITHDRAWN
    if not referral.status.is_open:
        return HIDDEN_CLOSED
    return HIDDEN_CONSENT


def provider_next_steps(status: ReferralStatus) -> tuple[ReferralStatus, ...]:
    """The statuses the provider may move the referral to from `status`."""
    return tuple(
        to for (frm, to), who in TRANSITIONS.items() if frm == status and who == "provider"
    )


def shared_view(user: User, referral: Referral, now: datetime | None = None) -> SharedView:
    """Everything the provider's page shows, decided and decrypted once. The read is
    audited (field units and the referral's id, never a value). GrantError when the
    user is not the provider this referral is addressed to."""
    access = policy.access_for(user, referral)
    if not access.visible or not access.as_provider:
        raise GrantError("shared views are for the provider the referral is addressed to")
    now = now or utcnow()
    case = referral.case
    values: dict[str, SharedItem] = {}
    units: set[str] = set()
    if access.items:
        grant = policy.shared_grant(user, referral, access)
        values = shared_values(case, access.items, grant, referral=referral, now=now)
        units |= grant.units
    feedback = notes = None
    if not case.is_erased:
        own = policy.provider_grant(user, referral, READ)
        feedback = fields.read(referral, "feedback", own)
        notes = fields.read(referral, "provider_notes", own)
        units |= own.units
    view = SharedView(
        referral_id=referral.id,
        lock_version=referral.lock_version,
        status=referral.status,
        urgency=referral.urgency,
        service_type=referral.service_type,
        from_org_name=referral.from_org.name if referral.from_org else "",
        sent_at=_local(referral.sent_at),
        due_at=_local(referral.due_at),
        is_overdue=is_overdue(referral, now),
        appointment_at=_local(referral.appointment_at),
        decline_reason=referral.decline_reason,
        is_on_paper=referral.is_on_paper,
        do_not_contact=bool(case.do_not_contact) and not case.is_erased,
        steps=_steps(referral),
        values=values,
        hidden_reason=_hidden_reason(referral, access),
        feedback=feedback,
        provider_notes=notes,
        next_steps=provider_next_steps(referral.status) if access.can_act else (),
        can_write_feedback=access.can_act and not case.is_erased,
        can_write_notes=not case.is_erased,
    )
    # Appended last: the audit chain's head stays locked from the append to the commit.
    if units:
        audit_case("sensitive_read", case, units, referral=str(referral.id))
    return view
