"""Risk assessments with their safety plans, and needs by area.

Both are history: each (re)assessment is a new row, the latest is the one in force, and
nothing is overwritten. A safety plan is required for medium and high risk. The latest
risk level and immediate danger are copied to the case, where the lists filter on them.

Optimistic locking for a history: the form carries the id of the assessment it started
from (`based_on`); if someone recorded another one meanwhile, the save is refused as
stale and shows the newer one, so that nobody replaces a colleague's assessment without
having seen it.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.auth.models import User
from referral.cases.models import (
    NEED_AREAS,
    Case,
    NeedPriority,
    NeedsAssessment,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
)
from referral.cases.service.assessment import display_values
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    check_readable,
    read_grant,
    record_event,
    write_grant,
)
from referral.cases.service.perpetrators import clean_text
from referral.crypto import fields
from referral.crypto import grants as U
from referral.db import utcnow
from referral.extensions import db

SAFETY_FIELDS = (
    "safety_concern",
    "safety_warning_signs",
    "safety_where_to_go",
    "safety_who_to_call",
    "safety_items_prepared",
)
# What a safety plan must say at least, when one is required.
SAFETY_REQUIRED = ("safety_concern", "safety_where_to_go")
PLAN_LEVELS = (RiskLevel.MEDIUM, RiskLevel.HIGH)
RISK_UNITS = frozenset({U.SAFETY_PLAN})
NEEDS_UNITS = frozenset(unit for _area, unit, _label in NEED_AREAS)
AREAS = tuple(area for area, _unit, _label in NEED_AREAS)


def _user_name(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _check_based_on(latest, based_on: uuid.UUID | None, current, submitted: dict) -> None:
    """StaleError unless the form started from the latest assessment; `current()` gives
    the latest one's values (decrypted only then)."""
    latest_id = latest.id if latest is not None else None
    if latest_id != based_on:
        values = current()
        changed = [k for k in submitted if values.get(k) != submitted[k]]
        raise StaleError(changed, {**display_values(values), "based_on": latest_id})


# --- risk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskInput:
    level: RiskLevel | None
    immediate_danger: bool = False
    factors: tuple[RiskFactor, ...] = ()
    safety_concern: str | None = None
    safety_warning_signs: str | None = None
    safety_where_to_go: str | None = None
    safety_who_to_call: str | None = None
    safety_items_prepared: str | None = None


@dataclass(frozen=True)
class RiskView:
    id: uuid.UUID
    level: RiskLevel
    immediate_danger: bool
    factors: tuple[RiskFactor, ...]
    assessed_at: datetime
    assessed_by: str
    has_safety_plan: bool
    plan: dict = field(default_factory=dict)  # decrypted for the latest one only


def latest_risk(case: Case) -> RiskAssessment | None:
    return db.session.execute(
        select(RiskAssessment)
        .where(RiskAssessment.case_id == case.id)
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _factors(codes) -> tuple[RiskFactor, ...]:
    known = {f.value for f in RiskFactor}
    return tuple(RiskFactor(c) for c in codes or () if c in known)


def _risk_view(record: RiskAssessment, plan: dict | None = None) -> RiskView:
    return RiskView(
        record.id,
        record.level,
        record.immediate_danger,
        _factors(record.factors),
        record.assessed_at,
        _user_name(record.assessed_by),
        record.has_safety_plan,
        plan or {},
    )


def _plan(record: RiskAssessment, grant) -> dict:
    return {name: fields.read(record, name, grant) for name in SAFETY_FIELDS}


def risk_values(user: User, case: Case, record: RiskAssessment | None) -> dict:
    """The form's fields as `record` has them (safety plan decrypted, audited): what a
    reassessment starts from."""
    if record is None:
        return {}
    grant = read_grant(user, case, RISK_UNITS)
    values = {
        "level": record.level,
        "immediate_danger": record.immediate_danger,
        "factors": _factors(record.factors),
        **_plan(record, grant),
    }
    audit_case("sensitive_read", case, RISK_UNITS, risk=record.id)
    return values


def clean_risk(data: RiskInput) -> dict:
    problems = Problems()
    if data.level is None:
        problems.add("level", _l("Choose the risk level."))
    elif data.immediate_danger and data.level is not RiskLevel.HIGH:
        problems.add("level", _l("Immediate danger means the risk is high."))
    plan = {name: clean_text(getattr(data, name)) for name in SAFETY_FIELDS}
    if data.level in PLAN_LEVELS:
        for name in SAFETY_REQUIRED:
            if plan[name] is None:
                problems.add(name, _l("A safety plan is required for medium and high risk."))
    problems.raise_if_any(CaseError)
    return plan


def assess_risk(
    user: User,
    case: Case,
    data: RiskInput,
    based_on: uuid.UUID | None,
    now: datetime | None = None,
) -> RiskAssessment:
    """Record a (re)assessment of the risk and copy it to the case. StaleError when
    another assessment was recorded after `based_on` (the one the form showed)."""
    grant = write_grant(user, case, RISK_UNITS)
    latest = latest_risk(case)
    submitted = {**asdict(data), "factors": tuple(data.factors)}
    _check_based_on(latest, based_on, lambda: risk_values(user, case, latest), submitted)
    plan = clean_risk(data)
    record = RiskAssessment(
        case=case,
        case_id=case.id,
        level=data.level,
        immediate_danger=data.immediate_danger,
        factors=[f.value for f in RiskFactor if f in set(data.factors)],
        assessed_at=now or utcnow(),
        assessed_by_id=user.id,
        has_safety_plan=any(plan.values()),
    )
    with db.session.no_autoflush:  # loading the case key must not save half a plan
        db.session.add(record)
        for name, value in plan.items():
            fields.write(record, name, value, grant)
    case.risk_level = record.level
    case.immediate_danger = record.immediate_danger
    db.session.flush()
    record_event(
        case,
        "risk_assessed",
        target=record,
        detail={"level": record.level.value, "immediate_danger": record.immediate_danger},
    )
    audit_case("sensitive_create", case, RISK_UNITS, risk=record.id, level=record.level.value)
    return record


def read_risk(user: User, case: Case) -> tuple[RiskView | None, list[RiskView]]:
    """The assessment in force (its safety plan decrypted, audited) and the earlier
    ones, newest first (plain fields only)."""
    check_readable(case)
    records = list(
        db.session.execute(
            select(RiskAssessment)
            .where(RiskAssessment.case_id == case.id)
            .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
        ).scalars()
    )
    if not records:
        return None, []
    latest = records[0]
    plan = {}
    if latest.has_safety_plan:
        plan = _plan(latest, read_grant(user, case, RISK_UNITS))
        audit_case("sensitive_read", case, RISK_UNITS, risk=latest.id)
    return _risk_view(latest, plan), [_risk_view(r) for r in records[1:]]


# --- needs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedsInput:
    """Per area a priority and what she needs in words (the form's field names)."""

    safety_priority: NeedPriority | None = None
    safety_text: str | None = None
    health_priority: NeedPriority | None = None
    health_text: str | None = None
    psychosocial_priority: NeedPriority | None = None
    psychosocial_text: str | None = None
    legal_priority: NeedPriority | None = None
    legal_text: str | None = None
    material_priority: NeedPriority | None = None
    material_text: str | None = None
    child_priority: NeedPriority | None = None
    child_text: str | None = None

    def priority(self, area: str) -> NeedPriority:
        return getattr(self, f"{area}_priority") or NeedPriority.NONE

    def text(self, area: str) -> str | None:
        return clean_text(getattr(self, f"{area}_text"))


@dataclass(frozen=True)
class NeedView:
    area: str
    label: str
    priority: NeedPriority
    text: str | None


@dataclass(frozen=True)
class NeedsView:
    id: uuid.UUID
    assessed_at: datetime
    assessed_by: str
    needs: tuple[NeedView, ...]


def latest_needs(case: Case) -> NeedsAssessment | None:
    return db.session.execute(
        select(NeedsAssessment)
        .where(NeedsAssessment.case_id == case.id)
        .order_by(NeedsAssessment.assessed_at.desc(), NeedsAssessment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def needs_values(user: User, case: Case, record: NeedsAssessment | None) -> dict:
    if record is None:
        return {}
    grant = read_grant(user, case, NEEDS_UNITS)
    values = {}
    for area in AREAS:
        values[f"{area}_priority"] = getattr(record, f"{area}_priority")
        values[f"{area}_text"] = fields.read(record, f"{area}_text", grant)
    audit_case("sensitive_read", case, NEEDS_UNITS, needs=record.id)
    return values


def assess_needs(
    user: User,
    case: Case,
    data: NeedsInput,
    based_on: uuid.UUID | None,
    now: datetime | None = None,
) -> NeedsAssessment:
    """Record her needs by area as they are now. StaleError as for `assess_risk`."""
    grant = write_grant(user, case, NEEDS_UNITS)
    latest = latest_needs(case)
    _check_based_on(latest, based_on, lambda: needs_values(user, case, latest), asdict(data))
    problems = Problems()
    for area in AREAS:
        if data.text(area) and data.priority(area) is NeedPriority.NONE:
            problems.add(
                f"{area}_priority", _l("Set a priority for this need, or clear its description.")
            )
    problems.raise_if_any(CaseError)
    record = NeedsAssessment(
        case=case, case_id=case.id, assessed_at=now or utcnow(), assessed_by_id=user.id
    )
    with db.session.no_autoflush:  # loading the case key must not save half the needs
        db.session.add(record)
        for area in AREAS:
            setattr(record, f"{area}_priority", data.priority(area))
            fields.write(record, f"{area}_text", data.text(area), grant)
    db.session.flush()
    high = [a for a in AREAS if data.priority(a) is NeedPriority.HIGH]
    record_event(case, "needs_assessed", target=record, detail={"high": high})
    audit_case("sensitive_create", case, NEEDS_UNITS, needs=record.id)
    return record


def read_needs(user: User, case: Case) -> tuple[NeedsView | None, list[NeedsView]]:
    """The latest needs (texts decrypted, audited) and the dates and priorities of the
    earlier ones, newest first."""
    check_readable(case)
    records = list(
        db.session.execute(
            select(NeedsAssessment)
            .where(NeedsAssessment.case_id == case.id)
            .order_by(NeedsAssessment.assessed_at.desc(), NeedsAssessment.id.desc())
        ).scalars()
    )
    if not records:
        return None, []
    latest, earlier = records[0], records[1:]
    grant = read_grant(user, case, NEEDS_UNITS)
    texts = {area: fields.read(latest, f"{area}_text", grant) for area in AREAS}
    audit_case("sensitive_read", case, NEEDS_UNITS, needs=latest.id)
    return _needs_view(latest, texts), [_needs_view(r, {}) for r in earlier]


def _needs_view(record: NeedsAssessment, texts: dict) -> NeedsView:
    return NeedsView(
        record.id,
        record.assessed_at,
        _user_name(record.assessed_by),
        tuple(
            NeedView(area, str(label), getattr(record, f"{area}_priority"), texts.get(area))
            for area, _unit, label in NEED_AREAS
        ),
    )
