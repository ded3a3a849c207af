"""Who may see which case, and the only place that issues decryption grants.

Row scope (PRODUCT.md §3): a caseworker sees the cases they own (assignment comes with
the case-file issue); a supervisor sees every case of their organisation; every other
role sees none. Out-of-scope cases look exactly like missing ones (404).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, false, select

from referral.auth.models import User
from referral.auth.permissions import NO_CASE_ACCESS_ROLES, Permission, Role
from referral.cases.models import Case
from referral.crypto import grants
from referral.crypto.grants import CONTACT, FIELD_GROUPS, IDENTITY, Grant, GrantError
from referral.extensions import db


def visible_cases(user: User) -> Select:
    """The starting point of every list, count and search of cases."""
    query = select(Case)
    if user is None or not user.can(Permission.CASE_READ):
        return query.where(false())
    if user.role == Role.SUPERVISOR:
        return query.where(Case.organisation_id == user.organisation_id)
    if user.role == Role.CASEWORKER:
        return query.where(Case.organisation_id == user.organisation_id, Case.owner_id == user.id)
    return query.where(false())


def can_read(user: User, case: Case) -> bool:
    if user is None or not user.can(Permission.CASE_READ) or user.role in NO_CASE_ACCESS_ROLES:
        return False
    if case.organisation_id != user.organisation_id:
        return False
    if user.role == Role.SUPERVISOR:
        return True
    return user.role == Role.CASEWORKER and case.owner_id == user.id


def can_erase(user: User, case: Case) -> bool:
    return (
        user is not None
        and user.can(Permission.CASE_ERASE)
        and user.role == Role.SUPERVISOR
        and case.organisation_id == user.organisation_id
    )


def get_case_for(user: User, case_id: str | uuid.UUID) -> Case | None:
    """The case if it exists and is in the user's scope, else None (the view answers 404)."""
    try:
        cid = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        return None
    return db.session.execute(visible_cases(user).where(Case.id == cid)).scalar_one_or_none()


def grant_for(user: User, case: Case, groups: frozenset[str] = FIELD_GROUPS) -> Grant:
    """A decryption grant for the case's field groups, or GrantError when out of scope."""
    if not can_read(user, case):
        raise GrantError("no access to this case")
    return grants.issue(user, case.id, groups)


def reindex_grant(case: Case) -> Grant:
    """For `flask keys rotate-index`: read the indexed fields (name, phone) to recompute
    their blind indexes. Command line only (grants.issue_maintenance refuses requests)."""
    return grants.issue_maintenance(case.id, "reindex", frozenset({IDENTITY, CONTACT}))
