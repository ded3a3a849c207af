"""Committees, their members and activity log. Functions flush, never commit; every
change is audited.

Invariants kept here: a location is in the area of at most one committee; the
coordinator is an active member of the committee with an account.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from referral.audit import service as audit
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.committees.models import (
    ActivityType,
    Committee,
    CommitteeActivity,
    CommitteeMember,
    MemberAgency,
    Pathway,
    committee_areas,
)
from referral.db import utcnow
from referral.directory.models import Location, OrganisationType
from referral.extensions import db

# Organisations that provide services (committees and the administration do not).
_NON_PROVIDER_TYPES = (OrganisationType.COMMITTEE, OrganisationType.ADMINISTRATION)


class CommitteeError(Exception):
    """A rule refused the change; `message` is safe to show to the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- committees --------------------------------------------------------------------


@dataclass
class CommitteeInput:
    name_ky: str
    name_ru: str
    name_en: str
    founding_partners: str = ""
    area_ids: list[uuid.UUID] = field(default_factory=list)
    coordinator_id: uuid.UUID | None = None


def list_committees() -> list[Committee]:
    # The list shows each committee's area, coordinator and pathway: load them together.
    committees = (
        db.session.execute(
            select(Committee).options(
                selectinload(Committee.areas),
                selectinload(Committee.coordinator),
                selectinload(Committee.pathway),
            )
        )
        .scalars()
        .all()
    )
    return sorted(committees, key=lambda c: c.name.casefold())


def area_locations() -> list[Location]:
    """Locations a committee may cover, in hierarchy order (an oblast, then its rayons)."""
    locations = db.session.execute(select(Location)).scalars().all()
    return sorted(
        locations, key=lambda loc: (_top(loc).name_en, loc.parent_id is not None, loc.name)
    )


def _top(location: Location) -> Location:
    while location.parent is not None:
        location = location.parent
    return location


def create_committee(data: CommitteeInput) -> Committee:
    committee = Committee(
        name_ky=data.name_ky.strip(),
        name_ru=data.name_ru.strip(),
        name_en=data.name_en.strip(),
        founding_partners=data.founding_partners.strip(),
    )
    db.session.add(committee)
    _set_areas(committee, data.area_ids)
    db.session.add(Pathway(committee=committee))
    db.session.flush()
    audit.record(
        "committee_created",
        target_type="committee",
        target_id=committee.id,
        detail={"areas": [loc.code for loc in committee.areas]},
    )
    return committee


def update_committee(committee: Committee, data: CommitteeInput) -> bool:
    """Returns whether anything changed."""
    before = _committee_state(committee)
    committee.name_ky = data.name_ky.strip()
    committee.name_ru = data.name_ru.strip()
    committee.name_en = data.name_en.strip()
    committee.founding_partners = data.founding_partners.strip()
    _set_areas(committee, data.area_ids)
    if data.coordinator_id != committee.coordinator_id:
        if data.coordinator_id is not None and not any(
            m.user_id == data.coordinator_id for m in _account_members(committee)
        ):
            raise CommitteeError(_l("The coordinator must be a member of the committee."))
        committee.coordinator_id = data.coordinator_id
    after = _committee_state(committee)
    if before == after:
        return False
    db.session.flush()
    audit.record(
        "committee_updated",
        target_type="committee",
        target_id=committee.id,
        detail={
            "fields": sorted(k for k in after if after[k] != before[k]),
            "areas": [loc.code for loc in committee.areas],
            "coordinator_id": committee.coordinator_id,
        },
    )
    return True


def _committee_state(committee: Committee) -> dict:
    return {
        "name": (committee.name_ky, committee.name_ru, committee.name_en),
        "founding_partners": committee.founding_partners,
        "areas": sorted(str(loc.id) for loc in committee.areas),
        "coordinator": committee.coordinator_id,
    }


def _set_areas(committee: Committee, area_ids: Iterable[uuid.UUID]) -> None:
    wanted = set(area_ids)
    locations = (
        db.session.execute(select(Location).where(Location.id.in_(wanted))).scalars().all()
        if wanted
        else []
    )
    if len(locations) != len(wanted):
        raise CommitteeError(_l("An area is not a known location."))
    taken = db.session.execute(
        select(committee_areas.c.location_id, committee_areas.c.committee_id).where(
            committee_areas.c.location_id.in_(wanted),
            committee_areas.c.committee_id != committee.id,
        )
    ).first()
    if taken is not None:
        other = db.session.get(Committee, taken.committee_id)
        location = db.session.get(Location, taken.location_id)
        raise CommitteeError(
            _l(
                "%(place)s is already in the area of %(committee)s.",
                place=location.name,
                committee=other.name,
            )
        )
    committee.areas = sorted(locations, key=lambda loc: loc.code)


def _account_members(committee: Committee) -> list[CommitteeMember]:
    return [m for m in committee.active_members if m.user_id is not None]


def coordinator_candidates(committee: Committee) -> list[User]:
    return [m.user for m in _account_members(committee) if m.user.is_active_account]


def member_user_candidates(committee: Committee) -> list[User]:
    """Active committee-member accounts not already active members of this committee."""
    current = {m.user_id for m in _account_members(committee)}
    users = db.session.execute(
        select(User).where(User.role == Role.COMMITTEE_MEMBER, User.is_active_account.is_(True))
    ).scalars()
    return sorted(
        (u for u in users if u.id not in current), key=lambda u: u.full_name or u.username
    )


@dataclass
class MemberInput:
    agency: MemberAgency
    position: str = ""
    user_id: uuid.UUID | None = None
    full_name: str = ""


def add_member(committee: Committee, data: MemberInput) -> CommitteeMember:
    """A member with an account (a committee-member user) or a person named here."""
    if data.user_id is not None:
        user = db.session.get(User, data.user_id)
        if user is None or user.role != Role.COMMITTEE_MEMBER or not user.is_active_account:
            raise CommitteeError(_l("Only active committee-member accounts can be added."))
        member = next((m for m in committee.members if m.user_id == user.id), None)
        if member is not None and member.is_active:
            raise CommitteeError(_l("This person is already a member."))
        if member is None:
            member = CommitteeMember(committee=committee, user_id=user.id, agency=data.agency)
            db.session.add(member)
        member.is_active = True
        member.full_name = ""
    else:
        if not data.full_name.strip():
            raise CommitteeError(_l("Give the name, or choose an account."))
        member = CommitteeMember(
            committee=committee, full_name=data.full_name.strip(), agency=data.agency
        )
        db.session.add(member)
    member.agency = data.agency
    member.position = data.position.strip()
    db.session.flush()
    audit.record(
        "committee_member_added",
        target_type="committee",
        target_id=committee.id,
        detail={
            "member_id": member.id,
            "user_id": member.user_id,
            "agency": member.agency.value,
        },
    )
    return member


def end_membership(member: CommitteeMember) -> None:
    committee = member.committee
    if member.user_id is not None and member.user_id == committee.coordinator_id:
        raise CommitteeError(_l("Choose another coordinator before this member leaves."))
    if not member.is_active:
        return
    member.is_active = False
    db.session.flush()
    audit.record(
        "committee_member_ended",
        target_type="committee",
        target_id=committee.id,
        detail={"member_id": member.id, "user_id": member.user_id},
    )


def committees_of(user: User) -> list[Committee]:
    """Committees the user is an active member of, those they coordinate first."""
    committees = (
        db.session.execute(
            select(Committee)
            .join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
            .where(CommitteeMember.user_id == user.id, CommitteeMember.is_active.is_(True))
        )
        .scalars()
        .all()
    )
    return sorted(committees, key=lambda c: (c.coordinator_id != user.id, c.name))


# --- activities --------------------------------------------------------------------


@dataclass
class ActivityInput:
    occurred_on: date
    activity_type: ActivityType
    title: str
    participants_women: int | None = None
    participants_men: int | None = None
    resources_som: int | None = None
    notes: str = ""


def log_activity(committee: Committee, data: ActivityInput, by: User | None) -> CommitteeActivity:
    if data.occurred_on > utcnow().date():
        raise CommitteeError(_l("An activity is logged after it took place."))
    activity = CommitteeActivity(
        committee_id=committee.id,
        occurred_on=data.occurred_on,
        activity_type=data.activity_type,
        title=data.title.strip(),
        participants_women=data.participants_women,
        participants_men=data.participants_men,
        resources_som=data.resources_som,
        notes=data.notes.strip(),
        recorded_by_id=by.id if by is not None else None,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(
        "committee_activity_logged",
        target_type="committee",
        target_id=committee.id,
        detail={"activity_id": activity.id, "type": activity.activity_type.value},
    )
    return activity


def recent_activities(committee: Committee, limit: int = 30) -> list[CommitteeActivity]:
    return list(
        db.session.execute(
            select(CommitteeActivity)
            .where(CommitteeActivity.committee_id == committee.id)
            .order_by(CommitteeActivity.occurred_on.desc(), CommitteeActivity.created_at.desc())
            .limit(limit)
        ).scalars()
    )


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def activities_since(committee: Committee, since: date) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(CommitteeActivity)
        .where(
            CommitteeActivity.committee_id == committee.id,
            CommitteeActivity.occurred_on >= since,
        )
    ).scalar_one()
