"""The statistics scope of each role: which incidents, cases and referrals a user's
figures may count. Every statistics query starts from `scope_for(user)`.

- committee member: the areas of the committees they are an active member of (the
  area's locations and everything under them);
- provider focal point: the referrals addressed to their organisation (and the
  incidents of those cases);
- caseworker, supervisor: the cases of their organisation;
- administrator: the whole country;
- anyone else (auditor): nothing, answered 404 like any other out-of-scope request.

An area asked for (`?area=<id>`) must lie inside the scope; any other answers 404.
Areas offered are never finer than a rayon (or Bishkek city district), except a
committee's own area, which is the committee's scope by definition.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.auth.models import User
from referral.auth.permissions import Permission, Role
from referral.directory.models import Location, LocationLevel
from referral.extensions import db


class ScopeKind(StrEnum):
    NATIONAL = "national"
    AREA = "area"  # a committee's area
    ORGANISATION = "organisation"  # the cases of a crisis centre
    PROVIDER = "provider"  # the referrals addressed to an organisation


SCOPE_LABELS = {
    ScopeKind.NATIONAL: _l("National"),
    ScopeKind.AREA: _l("Committee area"),
    ScopeKind.ORGANISATION: _l("Cases of your organisation"),
    ScopeKind.PROVIDER: _l("Referrals addressed to your organisation"),
}

# Levels an area filter may name: rayon or coarser (domain.md §2.2).
AREA_LEVELS = frozenset(
    {
        LocationLevel.OBLAST,
        LocationLevel.CITY_NATIONAL,
        LocationLevel.RAYON,
        LocationLevel.CITY_DISTRICT,
        LocationLevel.TOWN_OBLAST,
    }
)
# The level a location is counted at in the breakdown by rayon.
RAYON_LEVELS = frozenset(
    {LocationLevel.RAYON, LocationLevel.CITY_DISTRICT, LocationLevel.TOWN_OBLAST}
)


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    organisation_id: uuid.UUID | None = None
    # AREA: the committee areas' locations and their descendants (None elsewhere).
    location_ids: frozenset[uuid.UUID] | None = None
    # AREA: the committees' own area locations (the top of the scope).
    roots: tuple[uuid.UUID, ...] = field(default_factory=tuple)
    committee_ids: tuple[uuid.UUID, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return str(SCOPE_LABELS[self.kind])

    def audit_detail(self) -> dict:
        """How the audit trail names this scope: identifiers only."""
        detail: dict = {"scope": str(self.kind)}
        if self.kind == ScopeKind.AREA:
            detail["committees"] = list(self.committee_ids)
        if self.organisation_id is not None:
            detail["organisation"] = self.organisation_id
        return detail


def scope_for(user: User) -> Scope:
    """The user's statistics scope; 404 for a role that has none (or no committee)."""
    if not user.can(Permission.STATS_VIEW):
        abort(404)
    if user.role == Role.ADMIN:
        return Scope(ScopeKind.NATIONAL)
    if user.role in (Role.CASEWORKER, Role.SUPERVISOR):
        return Scope(ScopeKind.ORGANISATION, organisation_id=user.organisation_id)
    if user.role == Role.PROVIDER:
        return Scope(ScopeKind.PROVIDER, organisation_id=user.organisation_id)
    if user.role == Role.COMMITTEE_MEMBER:
        return _committee_scope(user)
    abort(404)


def _committee_scope(user: User) -> Scope:
    from referral.committees.service import committees_of
    from referral.directory.service import descendant_ids

    committees = committees_of(user)
    roots = tuple(sorted({loc.id for c in committees for loc in c.areas}, key=str))
    ids: set[uuid.UUID] = set()
    for root in roots:
        ids |= descendant_ids(root)
    return Scope(
        ScopeKind.AREA,
        location_ids=frozenset(ids),
        roots=roots,
        committee_ids=tuple(sorted((c.id for c in committees), key=str)),
    )


def area_options(scope: Scope) -> list[Location]:
    """The areas a user may narrow their figures to, coarsest first."""
    query = select(Location).where(Location.level.in_(AREA_LEVELS))
    locations = list(db.session.execute(query).scalars())
    if scope.kind == ScopeKind.AREA:
        roots = db.session.execute(
            select(Location).where(Location.id.in_(scope.roots or [uuid.UUID(int=0)]))
        ).scalars()
        inside = [loc for loc in locations if loc.id in (scope.location_ids or ())]
        locations = list({loc.id: loc for loc in [*roots, *inside]}.values())
    order = {level: i for i, level in enumerate(LocationLevel)}
    return sorted(locations, key=lambda loc: (order[loc.level], loc.name, loc.code))


def get_area_for(scope: Scope, area_id: uuid.UUID | None) -> Location | None:
    """The area asked for, inside the scope; 404 for any other."""
    if area_id is None:
        return None
    location = db.session.get(Location, area_id)
    if location is None:
        abort(404)
    if scope.kind == ScopeKind.AREA:
        if location.id not in (scope.location_ids or ()):
            abort(404)
        if location.id not in scope.roots and location.level not in AREA_LEVELS:
            abort(404)
    elif location.level not in AREA_LEVELS:
        abort(404)
    return location


REPORT_SCOPES = frozenset({ScopeKind.NATIONAL, ScopeKind.AREA})


def report_scope_for(user: User) -> Scope:
    """The scope of the monthly report: national for administrators, their area for
    committee members. Other roles with statistics (a centre's staff, a provider) have
    their dashboard but no inter-agency report: 403, a right their role lacks (the
    permission table has no finer statistics right than `stats.view`)."""
    scope = scope_for(user)
    if scope.kind not in REPORT_SCOPES:
        abort(403)
    return scope
