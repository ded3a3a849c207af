"""Follow-up (GBV case management step 5): did she receive the services, was her risk
re-assessed, when is the next contact, is closure recommended.

What she received and the caseworker's notes are encrypted (unit PLAN).
`overdue_followups` feeds the home page: one query from `policy.visible_clause`,
nothing decrypted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case, CaseStatus
from referral.cases.models.plan import FollowUp, FollowUpType, ServicesReceived
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    check_lock,
    children,
    read_grant,
    record_event,
    write_grant,
)
from referral.cases.service.common import today as local_today
from referral.cases.service.plan import OverdueCase, clean_text, display, opened_on
from referral.cases.service.timeline import event_label
from referral.crypto import fields
from referral.crypto import grants as U
from referral.extensions import db

UNITS = frozenset({U.PLAN})
TEXT_MAX = 5000

event_label("follow_up_added", _l("Follow-up recorded"))
event_label("follow_up_updated", _l("Follow-up changed"))


@dataclass(frozen=True)
class FollowUpInput:
    held_on: date | None
    kind: FollowUpType | None
    services_received: ServicesReceived | None
    services_details: str | None = None
    risk_reassessed: bool = False
    notes: str | None = None
    next_date: date | None = None
    recommend_closure: bool = False


@dataclass(frozen=True)
class FollowUpView:
    id: uuid.UUID
    held_on: date
    kind: FollowUpType
    services_received: ServicesReceived
    services_details: str | None
    risk_reassessed: bool
    notes: str | None
    next_date: date | None
    recommend_closure: bool
    author_name: str
    created_at: datetime
    lock_version: int


def _clean(case: Case, data: FollowUpInput) -> dict:
    """Every rule of a follow-up at once; CaseError lists each broken one."""
    problems = Problems()
    now = local_today()
    if data.held_on is None:
        problems.add("held_on", _l("Enter the date of the follow-up."))
    elif data.held_on > now:
        problems.add("held_on", _l("The follow-up date cannot be in the future."))
    elif data.held_on < opened_on(case):
        problems.add("held_on", _l("The follow-up cannot be before the case was opened."))
    if data.kind is None:
        problems.add("kind", _l("Choose how the follow-up took place."))
    if data.services_received is None:
        problems.add("services_received", _l("Say whether she received the services."))
    if data.next_date is not None and data.held_on is not None and data.next_date <= data.held_on:
        problems.add("next_date", _l("The next follow-up must be after this one."))
    values = {
        "services_details": clean_text(data.services_details),
        "notes": clean_text(data.notes),
    }
    for name, value in values.items():
        if value is not None and len(value) > TEXT_MAX:
            problems.add(name, _l("Keep this under 5000 characters."))
    problems.raise_if_any(CaseError)
    return values


def _apply(record: FollowUp, data: FollowUpInput, values: dict, grant) -> None:
    for name, value in values.items():
        fields.write(record, name, value, grant)
    record.held_on = data.held_on
    record.kind = data.kind
    record.services_received = data.services_received
    record.risk_reassessed = bool(data.risk_reassessed)
    record.next_date = data.next_date
    record.recommend_closure = bool(data.recommend_closure)


def _detail(record: FollowUp) -> dict:
    return {
        "kind": record.kind.value,
        "services": record.services_received.value,
        "risk_reassessed": record.risk_reassessed,
        "recommend_closure": record.recommend_closure,
    }


def add_follow_up(user: User, case: Case, data: FollowUpInput) -> FollowUp:
    grant = write_grant(user, case, UNITS)
    values = _clean(case, data)
    record = FollowUp(case_id=case.id, case=case, author_id=user.id)
    _apply(record, data, values, grant)
    db.session.add(record)
    db.session.flush()
    record_event(case, "follow_up_added", target=record, detail=_detail(record))
    audit_case("sensitive_create", case, UNITS, record=record.__tablename__, record_id=record.id)
    return record


def _view(record: FollowUp, grant) -> FollowUpView:
    author = record.author
    return FollowUpView(
        id=record.id,
        held_on=record.held_on,
        kind=record.kind,
        services_received=record.services_received,
        services_details=fields.read(record, "services_details", grant),
        risk_reassessed=record.risk_reassessed,
        notes=fields.read(record, "notes", grant),
        next_date=record.next_date,
        recommend_closure=record.recommend_closure,
        author_name=(author.full_name or author.username) if author else "",
        created_at=record.created_at,
        lock_version=record.lock_version,
    )


def follow_up_values(view: FollowUpView) -> dict:
    """The editable values of a follow-up, for its form and for change detection."""
    names = (
        "held_on",
        "kind",
        "services_received",
        "services_details",
        "risk_reassessed",
        "notes",
        "next_date",
        "recommend_closure",
    )
    return {name: getattr(view, name) for name in names}


def update_follow_up(
    user: User, case: Case, record: FollowUp, data: FollowUpInput, lock_version: int | None
) -> FollowUp:
    """Replace a follow-up. StaleError (naming the fields whose saved value differs from
    the input) when someone saved it since the form was loaded."""
    grant = write_grant(user, case, UNITS)
    try:
        check_lock(record, lock_version)
    except StaleError:
        current = follow_up_values(_view(record, grant))
        typed = {k: getattr(data, k) for k in current}
        typed["services_details"] = clean_text(data.services_details)
        typed["notes"] = clean_text(data.notes)
        changed = [k for k, v in current.items() if typed[k] != v]
        raise StaleError(changed, {k: display(v) for k, v in current.items()}) from None
    values = _clean(case, data)
    _apply(record, data, values, grant)
    db.session.flush()
    record_event(case, "follow_up_updated", target=record, detail=_detail(record))
    audit_case("sensitive_update", case, UNITS, record=record.__tablename__, record_id=record.id)
    return record


def read_follow_up(user: User, case: Case, record: FollowUp) -> FollowUpView:
    view = _view(record, read_grant(user, case, UNITS))
    audit_case("sensitive_read", case, UNITS, record=record.__tablename__, record_id=record.id)
    return view


def follow_ups(user: User, case: Case) -> list[FollowUpView]:
    """Newest first; audited only when something was decrypted."""
    records = children(FollowUp, case, FollowUp.held_on.desc(), FollowUp.created_at.desc())
    if not records:
        return []
    grant = read_grant(user, case, UNITS)
    views = [_view(r, grant) for r in records]
    audit_case("sensitive_read", case, UNITS, record="follow_ups", count=len(views))
    return views


def overdue_followups(user: User, today: date, limit: int = 50) -> list[OverdueCase]:
    """Open cases in the user's scope whose latest follow-up planned a next one for a
    day that has passed, the longest overdue first. One query; nothing decrypted."""
    later = aliased(FollowUp)
    # "Latest" is the last by date, then by when it was entered, then by id (a total
    # order, so exactly one follow-up per case is the latest).
    newer = exists().where(
        later.case_id == FollowUp.case_id,
        or_(
            later.held_on > FollowUp.held_on,
            and_(later.held_on == FollowUp.held_on, later.created_at > FollowUp.created_at),
            and_(
                later.held_on == FollowUp.held_on,
                later.created_at == FollowUp.created_at,
                later.id > FollowUp.id,
            ),
        ),
    )
    rows = db.session.execute(
        select(Case.id, Case.case_code, FollowUp.next_date)
        .join(FollowUp, FollowUp.case_id == Case.id)
        .where(
            policy.visible_clause(user),
            Case.status == CaseStatus.OPEN,
            FollowUp.next_date < today,
            ~newer,
        )
        .order_by(FollowUp.next_date, Case.id)
        .limit(limit)
    ).all()
    return [OverdueCase(cid, code, day, 1) for cid, code, day in rows]
