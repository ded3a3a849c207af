"""Assignment: a supervisor sets the caseworker responsible for a case and the other
caseworkers of the centre who work on it."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import policy
from referral.cases.models import (
    Case,
    CaseAssignment,
)
from referral.cases.service.common import (
    CaseError,
    Problems,
    audit_case,
    check_readable,
    record_event,
)
from referral.crypto.grants import GrantError
from referral.extensions import db


def assignable_caseworkers(case: Case) -> list[User]:
    """Active caseworkers and supervisors of the case's centre."""
    return staff_of(case.organisation_id)


def assign_case(user: User, case: Case, owner_id: uuid.UUID, assigned_ids: list[uuid.UUID]) -> None:
    """A supervisor sets the case's responsible caseworker (owner) and the other
    caseworkers assigned to it, all of the case's centre."""
    access = policy.access_for(user, case)
    if not access.can_assign:
        raise GrantError("only a supervisor of the centre assigns its cases")
    check_readable(case)
    staff = {u.id: u for u in assignable_caseworkers(case)}
    problems = Problems()
    if owner_id not in staff:
        problems.add("owner_id", _l("Choose a caseworker of this centre."))
    if any(uid not in staff for uid in assigned_ids):
        problems.add("assigned_ids", _l("Choose caseworkers of this centre."))
    problems.raise_if_any(CaseError)
    before = (case.owner_id, {a.user_id for a in case.assignments})
    wanted = set(assigned_ids) - {owner_id}
    case.owner_id = owner_id
    for assignment in list(case.assignments):
        if assignment.user_id not in wanted:
            case.assignments.remove(assignment)
    present = {a.user_id for a in case.assignments}
    for uid in wanted - present:
        case.assignments.append(CaseAssignment(user_id=uid, assigned_by_id=user.id))
    if before != (owner_id, wanted):
        record_event(case, "case_assigned", detail={"assigned": len(wanted)})
        db.session.flush()
        audit_case("case_assigned", case, owner=str(owner_id), assigned=len(wanted))


def case_teams(case_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, set[uuid.UUID]]]:
    """Case id -> (its centre, the ids of its owner and assigned caseworkers), for
    routing messages about a case: ids only, no field of the case, two queries for any
    number of cases."""
    teams: dict[uuid.UUID, tuple[uuid.UUID, set[uuid.UUID]]] = {}
    if not case_ids:
        return teams
    rows = db.session.execute(
        select(Case.id, Case.owner_id, Case.organisation_id).where(Case.id.in_(case_ids))
    )
    for case_id, owner_id, organisation_id in rows:
        teams[case_id] = (organisation_id, {owner_id})
    assigned = db.session.execute(
        select(CaseAssignment.case_id, CaseAssignment.user_id).where(
            CaseAssignment.case_id.in_(case_ids)
        )
    )
    for case_id, user_id in assigned:
        if case_id in teams:
            teams[case_id][1].add(user_id)
    return teams


def staff_of(organisation_id: uuid.UUID) -> list[User]:
    """Active case-role staff of a centre (for the supervisor's filters)."""
    return list(
        db.session.execute(
            select(User)
            .where(
                User.organisation_id == organisation_id,
                User.role.in_((Role.CASEWORKER, Role.SUPERVISOR)),
                User.is_active_account.is_(True),
            )
            .order_by(User.full_name, User.username)
        ).scalars()
    )
