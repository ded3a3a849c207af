"""Who may do what with a case, decided once, field by field; the only issuer of case
decryption grants.

One rule (PRODUCT.md §3), two uses: `_scope(user)` says which cases a user's role
reaches; `visible_cases` turns it into SQL for lists, counts and searches, and
`access_for` applies the same scope to one loaded case and adds what may be read and
written. Nothing else in the code decides case access.

- caseworker: the cases of their organisation they own or are assigned to;
- supervisor: every case of their organisation, and the supervisor's acts (assign,
  approve closure, reopen, erase);
- every other role: none. Out-of-scope cases look exactly like missing ones (404).

Field units: a case role in scope reads every unit of the case; it writes them while the
case is open (a closed case is read-only until a supervisor reopens it); an erased case
has nothing left to read. Providers will reach single units through the referral
policy, never through this one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Select, and_, exists, false, or_, select

from referral.auth.models import User
from referral.auth.permissions import NO_CASE_ACCESS_ROLES, Permission, Role
from referral.auth.policy import real_user
from referral.cases.models import Case, CaseAssignment, CaseStatus
from referral.crypto import grants
from referral.crypto.grants import CONTACT, FIELD_UNITS, NAME, READ, WRITE, Grant, GrantError
from referral.extensions import db

_ISSUER = grants.register_issuer("cases.policy")

NONE, ORGANISATION, OWN_OR_ASSIGNED = "none", "organisation", "own_or_assigned"


class _Scope(NamedTuple):  # immutable, and cheap to make once per decided case
    kind: str
    user_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None


_NO_SCOPE = _Scope(NONE)


def _scope(user: User | None) -> _Scope:
    """The rule: which cases the user's role reaches, as data both uses read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return _NO_SCOPE
    role = user.role
    if not user.can(Permission.CASE_READ) or role in NO_CASE_ACCESS_ROLES:
        return _NO_SCOPE
    if role == Role.SUPERVISOR:
        return _Scope(ORGANISATION, user.id, user.organisation_id)
    if role == Role.CASEWORKER:
        return _Scope(OWN_OR_ASSIGNED, user.id, user.organisation_id)
    return _NO_SCOPE


def _scope_clause(scope: _Scope):
    if scope.kind == ORGANISATION:
        return Case.organisation_id == scope.organisation_id
    if scope.kind == OWN_OR_ASSIGNED:
        assigned = exists().where(
            CaseAssignment.case_id == Case.id, CaseAssignment.user_id == scope.user_id
        )
        return and_(
            Case.organisation_id == scope.organisation_id,
            or_(Case.owner_id == scope.user_id, assigned),
        )
    return false()


def _scope_matches(scope: _Scope, case: Case) -> bool:
    if scope.kind == ORGANISATION:
        return case.organisation_id == scope.organisation_id
    if scope.kind == OWN_OR_ASSIGNED:
        if case.organisation_id != scope.organisation_id:
            return False
        if case.owner_id == scope.user_id:
            return True
        return any(a.user_id == scope.user_id for a in case.assignments)
    return False


def visible_cases(user: User | None) -> Select:
    """The starting point of every list, count and search of cases."""
    return select(Case).where(_scope_clause(_scope(user)))


def visible_clause(user: User | None):
    """The same scope as a WHERE clause, for queries that start from a case's child table
    (incidents, follow-ups) joined to `Case`."""
    return _scope_clause(_scope(user))


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do with one case. `visible` False means 404."""

    visible: bool
    readable: frozenset[str]
    writable: frozenset[str]
    reason: str
    is_supervisor: bool = False

    @property
    def can_edit(self) -> bool:
        return bool(self.writable)

    @property
    def can_assign(self) -> bool:
        return self.is_supervisor and self.can_edit

    @property
    def can_approve_closure(self) -> bool:
        return self.is_supervisor and self.reason != "erased"

    @property
    def can_reopen(self) -> bool:
        return self.is_supervisor and self.reason == "closed"

    @property
    def can_erase(self) -> bool:
        return self.is_supervisor and self.reason != "erased"


_NO_ACCESS = CaseAccess(False, frozenset(), frozenset(), "out_of_scope")
# What a case role reads and writes: every unit but the provider's private notes on a
# referral, which only the referral policy opens, and only to that provider.
CASE_UNITS = FIELD_UNITS - {grants.PROVIDER_NOTES}
# Every decision is one of a handful of immutable values: made once each, then reused
# (a list decides 50 cases per page).
_DECISIONS: dict[tuple, CaseAccess] = {}


def _decision(readable: frozenset, writable: frozenset, reason: str, supervisor: bool):
    key = (readable, writable, reason, supervisor)
    access = _DECISIONS.get(key)
    if access is None:
        access = _DECISIONS[key] = CaseAccess(True, readable, writable, reason, supervisor)
    return access


def access_for(user: User | None, case: Case) -> CaseAccess:
    user = real_user(user)
    scope = _scope(user)
    return _access(scope, _powers(user, scope), case)


def _powers(user: User | None, scope: _Scope) -> tuple[bool, bool]:
    """(supervises the case's organisation, may edit): the user's part of a decision."""
    if scope.kind == NONE:
        return False, False
    supervisor = scope.kind == ORGANISATION and user.can(Permission.CASE_ERASE)
    return supervisor, user.can(Permission.CASE_EDIT)


def _access(scope: _Scope, powers: tuple[bool, bool], case: Case) -> CaseAccess:
    """`access_for` with the user's scope and powers worked out already (once a page)."""
    if not _scope_matches(scope, case):
        return _NO_ACCESS
    supervisor, editor = powers
    if case.is_erased:
        return _decision(frozenset(), frozenset(), "erased", supervisor)
    writable = CASE_UNITS if editor else frozenset()
    if case.status == CaseStatus.CLOSED:
        return _decision(CASE_UNITS, frozenset(), "closed", supervisor)
    reason = "organisation" if scope.kind == ORGANISATION else "own_or_assigned"
    return _decision(CASE_UNITS, writable, reason, supervisor)


def can_erase(user: User | None, case: Case) -> bool:
    return access_for(user, case).can_erase


def parse_id(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def get_case_for(user: User | None, case_id: str | uuid.UUID) -> Case | None:
    """The case if it exists and is in the user's scope, else None (the view answers 404)."""
    cid = parse_id(case_id)
    if cid is None:
        return None
    return db.session.execute(visible_cases(user).where(Case.id == cid)).scalar_one_or_none()


def grant_for(
    user: User,
    case: Case,
    units: frozenset[str] | set[str] | None = None,
    mode: str = READ,
) -> Grant:
    """A decryption grant for `units` of the case (all the access allows when None), to
    read or to write. GrantError when the access decision does not allow it."""
    user = real_user(user)
    access = access_for(user, case)
    allowed = access.writable if mode == WRITE else access.readable
    wanted = allowed if units is None else frozenset(units)
    if not access.visible or not wanted or not wanted <= allowed:
        raise GrantError("no access to these fields of this case")
    return _ISSUER.issue(user, case.id, wanted, mode)


def page_grant(user: User, cases, units: frozenset[str] | set[str]) -> Grant | None:
    """One read grant for the cases of a list page whose access allows `units`, decided
    case by case with the same rule as `grant_for` (None when it allows none of them):
    a case it does not allow is left out, and reading it is refused as without a grant."""
    user = real_user(user)
    scope = _scope(user)
    powers = _powers(user, scope)
    wanted = frozenset(units)
    allowed = []
    for case in cases:
        access = _access(scope, powers, case)
        if access.visible and wanted and wanted <= access.readable:
            allowed.append(case.id)
    return _ISSUER.issue_page(user, allowed, wanted) if allowed else None


def reindex_grant(case: Case) -> Grant:
    """For `flask keys rotate-index`: read the indexed fields (name, phone) to recompute
    their blind indexes. Command line only (issue_maintenance refuses requests)."""
    return _ISSUER.issue_maintenance(case.id, "reindex", frozenset({NAME, CONTACT}))


def verify_grant(case_id: uuid.UUID, model: type = Case) -> Grant:
    """For `flask backup verify`: read every encrypted field of one row of `model` (the
    case row or one of its child rows) of case `case_id`, to prove a restored database
    decrypts with the mounted keys. The values are discarded, never shown. Command line
    only (issue_maintenance refuses requests)."""
    from referral.crypto.fields import encrypted_fields

    units = frozenset(spec.unit for spec in encrypted_fields(model).values())
    return _ISSUER.issue_maintenance(case_id, "backup_verify", units)
