"""The action plan: goals per need area, each with a responsible caseworker of the
centre, a due date and its progress (GBV case management step 3, domain.md §1b).

Goals are encrypted (unit PLAN). Functions take the acting user, decrypt only through a
policy grant, return plain dataclasses, flush and never commit. `overdue_action_items`
feeds the home page: one query from `policy.visible_clause`, nothing decrypted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case, CaseStatus
from referral.cases.models.plan import OPEN_PROGRESS, ActionPlanItem, PlanArea, Progress
from referral.cases.service.assignment import staff_of
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
from referral.cases.service.timeline import event_label
from referral.cases.timeutil import to_local
from referral.crypto import fields
from referral.crypto import grants as U
from referral.dates import format_date
from referral.db import utcnow
from referral.directory.models import ServiceType
from referral.extensions import db

UNITS = frozenset({U.PLAN})
GOAL_MAX = 2000

event_label("action_item_added", _l("Action-plan item added"))
event_label("action_item_updated", _l("Action-plan item changed"))
event_label("action_item_met", _l("Action-plan item met"))


@dataclass(frozen=True)
class ActionItemInput:
    area: PlanArea | None
    goal: str | None
    owner_id: uuid.UUID | None
    due_date: date | None
    service_type: ServiceType | None = None
    progress: Progress = Progress.NOT_STARTED


@dataclass(frozen=True)
class ActionItemView:
    id: uuid.UUID
    area: PlanArea
    goal: str | None
    service_type: ServiceType | None
    owner_id: uuid.UUID
    owner_name: str
    due_date: date
    progress: Progress
    met_at: datetime | None
    lock_version: int

    def is_overdue(self, today: date) -> bool:
        return self.progress.is_open and self.due_date < today


@dataclass(frozen=True)
class OverdueCase:
    """A case for the home page's "needs my action": codes and dates only."""

    case_id: uuid.UUID
    case_code: str
    since: date  # the oldest overdue date
    count: int


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def opened_on(case: Case) -> date:
    """The Bishkek calendar day the case was opened."""
    return to_local(case.created_at).date()


def owner_choices(case: Case) -> list[User]:
    """Who may own an item: the active caseworkers and supervisors of the case's centre."""
    return staff_of(case.organisation_id)


def display(value) -> object:
    """A saved value as the stale-form notice shows it."""
    if isinstance(value, bool):
        return _l("Yes") if value else _l("No")
    if isinstance(value, list | tuple):
        return ", ".join(str(getattr(v, "label", v)) for v in value) or None
    if isinstance(value, date):
        return format_date(value, "medium")
    return value


def _name(user: User | None) -> str:
    return (user.full_name or user.username) if user else ""


def _clean(case: Case, data: ActionItemInput) -> dict:
    """Every rule of an item at once; CaseError lists each broken one."""
    problems = Problems()
    goal = clean_text(data.goal)
    if data.area is None:
        problems.add("area", _l("Choose the need area."))
    if goal is None:
        problems.add("goal", _l("Describe the goal agreed with her."))
    elif len(goal) > GOAL_MAX:
        problems.add("goal", _l("Keep the goal under 2000 characters."))
    if data.owner_id is None or data.owner_id not in {u.id for u in owner_choices(case)}:
        problems.add("owner_id", _l("Choose a caseworker of this centre."))
    if data.due_date is None:
        problems.add("due_date", _l("Enter the due date."))
    elif data.due_date < opened_on(case):
        problems.add("due_date", _l("The due date cannot be before the case was opened."))
    problems.raise_if_any(CaseError)
    return {"goal": goal}


def _apply(item: ActionPlanItem, data: ActionItemInput, values: dict, grant) -> None:
    fields.write(item, "goal", values["goal"], grant)
    item.area = data.area
    item.service_type = data.service_type
    item.owner_id = data.owner_id
    item.due_date = data.due_date
    if data.progress == Progress.MET and item.progress != Progress.MET:
        item.met_at = utcnow()
    elif data.progress != Progress.MET:
        item.met_at = None
    item.progress = data.progress


def add_action_item(user: User, case: Case, data: ActionItemInput) -> ActionPlanItem:
    grant = write_grant(user, case, UNITS)
    values = _clean(case, data)
    item = ActionPlanItem(case_id=case.id, case=case, created_by_id=user.id)
    _apply(item, data, values, grant)
    db.session.add(item)
    db.session.flush()
    record_event(case, "action_item_added", target=item, detail={"area": item.area.value})
    audit_case("sensitive_create", case, UNITS, record=item.__tablename__, record_id=item.id)
    return item


def _view(item: ActionPlanItem, grant) -> ActionItemView:
    return ActionItemView(
        id=item.id,
        area=item.area,
        goal=fields.read(item, "goal", grant),
        service_type=item.service_type,
        owner_id=item.owner_id,
        owner_name=_name(item.owner),
        due_date=item.due_date,
        progress=item.progress,
        met_at=item.met_at,
        lock_version=item.lock_version,
    )


def item_values(view: ActionItemView) -> dict:
    """The editable values of an item, for its form and for change detection."""
    return {
        "area": view.area,
        "goal": view.goal,
        "service_type": view.service_type,
        "owner_id": view.owner_id,
        "due_date": view.due_date,
        "progress": view.progress,
    }


def _stale(user: User, case: Case, item: ActionPlanItem, data: ActionItemInput) -> StaleError:
    current = item_values(_view(item, read_grant(user, case, UNITS)))
    typed = {k: getattr(data, k) for k in current}
    typed["goal"] = clean_text(data.goal)
    changed = [k for k, v in current.items() if typed[k] != v]
    owner = next((u for u in owner_choices(case) if u.id == current["owner_id"]), None)
    shown = {k: display(v) for k, v in current.items()}
    shown["owner_id"] = _name(owner) if owner else item.owner_id
    return StaleError(changed, shown)


def update_action_item(
    user: User, case: Case, item: ActionPlanItem, data: ActionItemInput, lock_version: int | None
) -> ActionPlanItem:
    """Replace an item. StaleError (naming the fields whose saved value differs from
    the input) when someone saved it since the form was loaded."""
    grant = write_grant(user, case, UNITS)
    try:
        check_lock(item, lock_version)
    except StaleError:
        raise _stale(user, case, item, data) from None
    values = _clean(case, data)
    before = item.progress
    _apply(item, data, values, grant)
    db.session.flush()
    kind = (
        "action_item_met"
        if item.progress == Progress.MET and before != Progress.MET
        else "action_item_updated"
    )
    record_event(case, kind, target=item, detail={"progress": item.progress.value})
    audit_case("sensitive_update", case, UNITS, record=item.__tablename__, record_id=item.id)
    return item


def mark_met(
    user: User, case: Case, item: ActionPlanItem, lock_version: int | None
) -> ActionPlanItem:
    """The goal was reached. Nothing encrypted changes, but the write grant is still
    required: it is what refuses a closed or erased case."""
    write_grant(user, case, UNITS)
    check_lock(item, lock_version)
    if item.progress == Progress.MET:
        return item
    item.progress = Progress.MET
    item.met_at = utcnow()
    db.session.flush()
    record_event(case, "action_item_met", target=item, detail={"progress": "met"})
    audit_case("case_update", case, record=item.__tablename__, record_id=item.id, progress="met")
    return item


def read_action_item(user: User, case: Case, item: ActionPlanItem) -> ActionItemView:
    view = _view(item, read_grant(user, case, UNITS))
    audit_case("sensitive_read", case, UNITS, record=item.__tablename__, record_id=item.id)
    return view


def action_items(user: User, case: Case) -> list[ActionItemView]:
    """The plan, by area then due date; audited only when something was decrypted."""
    items = children(ActionPlanItem, case, ActionPlanItem.area, ActionPlanItem.due_date)
    if not items:
        return []
    grant = read_grant(user, case, UNITS)
    views = [_view(item, grant) for item in items]
    audit_case("sensitive_read", case, UNITS, record="action_plan_items", count=len(views))
    return views


def overdue_action_items(user: User, today: date, limit: int = 50) -> list[OverdueCase]:
    """Open cases in the user's scope with a not-started or in-progress item whose due
    date has passed, the longest overdue first. One query; nothing decrypted."""
    since = func.min(ActionPlanItem.due_date)
    rows = db.session.execute(
        select(Case.id, Case.case_code, since, func.count(ActionPlanItem.id))
        .join(ActionPlanItem, ActionPlanItem.case_id == Case.id)
        .where(
            policy.visible_clause(user),
            Case.status == CaseStatus.OPEN,
            ActionPlanItem.progress.in_(OPEN_PROGRESS),
            ActionPlanItem.due_date < today,
        )
        .group_by(Case.id, Case.case_code)
        .order_by(since, Case.id)
        .limit(limit)
    ).all()
    return [OverdueCase(cid, code, day, count) for cid, code, day, count in rows]
