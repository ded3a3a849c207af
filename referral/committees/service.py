"""Committee and pathway rules. Functions flush, never commit; every change is audited.

Invariants kept here:
- a location is in the area of at most one committee;
- the coordinator is an active member of the committee with an account;
- a pathway has at most one draft and at most one published version; only a draft
  changes; publishing freezes it and supersedes the version in force;
- a pathway step never names a service type that is not a referral destination.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

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
    PathwayStep,
    PathwayStepProvider,
    PathwayVersion,
    VersionStatus,
    committee_areas,
)
from referral.db import utcnow
from referral.directory.models import Location, Organisation, OrganisationType, ServiceType
from referral.extensions import db

MAX_TARGET_HOURS = 24 * 90
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
    committees = db.session.execute(select(Committee)).scalars().all()
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


# --- pathways: reading ---------------------------------------------------------------


def national_pathway() -> Pathway:
    """The national default. Migration 0003 creates it; made here if ever missing."""
    pathway = db.session.execute(
        select(Pathway).where(Pathway.is_national.is_(True))
    ).scalar_one_or_none()
    if pathway is None:
        pathway = Pathway(is_national=True)
        db.session.add(pathway)
        db.session.flush()
    return pathway


def pathway_of(committee: Committee) -> Pathway:
    if committee.pathway is None:
        committee.pathway = Pathway(committee=committee)
        db.session.flush()
    return committee.pathway


def _version_with(pathway: Pathway, status: VersionStatus) -> PathwayVersion | None:
    return db.session.execute(
        select(PathwayVersion).where(
            PathwayVersion.pathway_id == pathway.id, PathwayVersion.status == status
        )
    ).scalar_one_or_none()


def published_version(pathway: Pathway) -> PathwayVersion | None:
    return _version_with(pathway, VersionStatus.PUBLISHED)


def draft_version(pathway: Pathway) -> PathwayVersion | None:
    return _version_with(pathway, VersionStatus.DRAFT)


def version_by_number(pathway: Pathway, number: int) -> PathwayVersion | None:
    return db.session.execute(
        select(PathwayVersion).where(
            PathwayVersion.pathway_id == pathway.id, PathwayVersion.number == number
        )
    ).scalar_one_or_none()


def get_version(version_id: uuid.UUID) -> PathwayVersion | None:
    """The version a referral followed, whatever its status now."""
    return db.session.get(PathwayVersion, version_id)


def current_pathway_for(location: Location | None) -> PathwayVersion | None:
    """The pathway version in force for a place.

    Walks up from the location (village, aiyl aimak, rayon, oblast): the first committee
    whose area holds one of these places and which has published a pathway wins; a
    committee without a published pathway is passed over. Falls back to the national
    default; None only when nothing at all is published.
    """
    seen: set[uuid.UUID] = set()
    while location is not None and location.id not in seen:
        seen.add(location.id)
        version = db.session.execute(
            select(PathwayVersion)
            .join(Pathway, Pathway.id == PathwayVersion.pathway_id)
            .join(committee_areas, committee_areas.c.committee_id == Pathway.committee_id)
            .where(
                committee_areas.c.location_id == location.id,
                PathwayVersion.status == VersionStatus.PUBLISHED,
            )
        ).scalar_one_or_none()
        if version is not None:
            return version
        location = location.parent
    return published_version(national_pathway())


def provider_choices() -> list[Organisation]:
    """Active organisations that provide services, for the preferred-provider picker."""
    orgs = db.session.execute(
        select(Organisation).where(
            Organisation.is_active.is_(True), Organisation.org_type.not_in(_NON_PROVIDER_TYPES)
        )
    ).scalars()
    return sorted(orgs, key=lambda o: o.name.casefold())


def public_phones(organisation: Organisation, service_type: ServiceType | None = None) -> list[str]:
    """Phone numbers to print beside a preferred provider: those of its active services of
    the step's type first, then the organisation's own. Never an address: a shelter's
    address is confidential, its phone is how people reach it."""
    numbers: list[str] = []
    for service in organisation.services:
        if service.is_active and (service_type is None or service.service_type == service_type):
            numbers += [p.number for p in service.phones]
    numbers += [p.number for p in organisation.phones]
    return list(dict.fromkeys(numbers))[:3]


# --- pathways: editing a draft -------------------------------------------------------


def _require_draft(version: PathwayVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise CommitteeError(_l("A published pathway version cannot be changed."))


def start_draft(pathway: Pathway, by: User | None) -> PathwayVersion:
    """The pathway's draft; a new one starts as a copy of the version in force."""
    draft = draft_version(pathway)
    if draft is not None:
        return draft
    last = db.session.execute(
        select(func.max(PathwayVersion.number)).where(PathwayVersion.pathway_id == pathway.id)
    ).scalar_one()
    draft = PathwayVersion(
        pathway_id=pathway.id,
        number=(last or 0) + 1,
        status=VersionStatus.DRAFT,
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(draft)
    current = published_version(pathway)
    if current is not None:
        for step in current.steps:
            copy = PathwayStep(
                version=draft,
                position=step.position,
                service_type=step.service_type,
                target_hours=step.target_hours,
                guidance_ky=step.guidance_ky,
                guidance_ru=step.guidance_ru,
                guidance_en=step.guidance_en,
            )
            db.session.add(copy)
            for provider in step.providers:
                db.session.add(
                    PathwayStepProvider(
                        step=copy,
                        organisation_id=provider.organisation_id,
                        position=provider.position,
                    )
                )
    db.session.flush()
    audit.record(
        "pathway_draft_started",
        target_type="pathway",
        target_id=pathway.id,
        detail={"version": draft.number},
    )
    return draft


@dataclass
class StepInput:
    service_type: ServiceType
    target_hours: int
    guidance_ky: str = ""
    guidance_ru: str = ""
    guidance_en: str = ""


def _check_step(data: StepInput) -> None:
    if not ServiceType(data.service_type).is_referral_destination:
        raise CommitteeError(_l("This service type is not a referral destination."))
    if not 1 <= data.target_hours <= MAX_TARGET_HOURS:
        raise CommitteeError(_l("The target response time must be between 1 hour and 90 days."))


def add_step(draft: PathwayVersion, data: StepInput) -> PathwayStep:
    _require_draft(draft)
    _check_step(data)
    step = PathwayStep(version=draft, position=len(draft.steps) + 1)
    _fill_step(step, data)
    db.session.add(step)
    db.session.flush()
    _audit_step("pathway_step_added", step)
    return step


def update_step(step: PathwayStep, data: StepInput) -> None:
    _require_draft(step.version)
    _check_step(data)
    _fill_step(step, data)
    db.session.flush()
    _audit_step("pathway_step_updated", step)


def _fill_step(step: PathwayStep, data: StepInput) -> None:
    step.service_type = ServiceType(data.service_type)
    step.target_hours = data.target_hours
    step.guidance_ky = data.guidance_ky.strip()
    step.guidance_ru = data.guidance_ru.strip()
    step.guidance_en = data.guidance_en.strip()


def remove_step(step: PathwayStep) -> None:
    draft = step.version
    _require_draft(draft)
    _audit_step("pathway_step_removed", step)
    for provider in list(step.providers):
        db.session.delete(provider)
    draft.steps.remove(step)
    db.session.delete(step)
    _renumber(draft)


def move_step(step: PathwayStep, delta: int) -> bool:
    """Move a step one place up (-1) or down (+1). Returns False at either end."""
    draft = step.version
    _require_draft(draft)
    steps = list(draft.steps)
    index = steps.index(step)
    target = index + delta
    if delta not in (-1, 1) or not 0 <= target < len(steps):
        return False
    steps[index], steps[target] = steps[target], steps[index]
    for position, item in enumerate(steps, start=1):
        item.position = position
    db.session.flush()
    db.session.expire(draft, ["steps"])
    _audit_step("pathway_step_moved", step)
    return True


def _renumber(draft: PathwayVersion) -> None:
    for position, item in enumerate(sorted(draft.steps, key=lambda s: s.position), start=1):
        item.position = position
    db.session.flush()


def add_preferred_provider(step: PathwayStep, organisation: Organisation) -> PathwayStepProvider:
    _require_draft(step.version)
    if not organisation.is_active or organisation.org_type in _NON_PROVIDER_TYPES:
        raise CommitteeError(_l("Choose an active service provider."))
    if any(p.organisation_id == organisation.id for p in step.providers):
        raise CommitteeError(_l("This provider is already preferred for the step."))
    provider = PathwayStepProvider(
        step=step, organisation_id=organisation.id, position=len(step.providers) + 1
    )
    db.session.add(provider)
    db.session.flush()
    _audit_step("pathway_provider_added", step, organisation_id=organisation.id)
    return provider


def remove_preferred_provider(step: PathwayStep, organisation_id: uuid.UUID) -> bool:
    _require_draft(step.version)
    provider = next((p for p in step.providers if p.organisation_id == organisation_id), None)
    if provider is None:
        return False
    step.providers.remove(provider)
    db.session.delete(provider)
    db.session.flush()
    _audit_step("pathway_provider_removed", step, organisation_id=organisation_id)
    return True


def _audit_step(action: str, step: PathwayStep, **extra) -> None:
    version = step.version
    audit.record(
        action,
        target_type="pathway",
        target_id=version.pathway_id,
        detail={
            "version": version.number,
            "step_id": step.id,
            "service_type": step.service_type.value,
            **extra,
        },
    )


def publish(draft: PathwayVersion, by: User | None) -> PathwayVersion:
    """Put the draft in force. The previous version is superseded, never changed."""
    _require_draft(draft)
    if not draft.steps:
        raise CommitteeError(_l("A pathway needs at least one step before it is published."))
    for step in draft.steps:
        _check_step(StepInput(service_type=step.service_type, target_hours=step.target_hours))
    pathway = draft.pathway
    previous = published_version(pathway)
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        db.session.flush()  # before the draft takes its place: one published per pathway
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = utcnow()
    draft.published_by_id = by.id if by is not None else None
    db.session.flush()
    audit.record(
        "pathway_published",
        target_type="pathway",
        target_id=pathway.id,
        detail={
            "version": draft.number,
            "version_id": draft.id,
            "superseded": previous.number if previous is not None else None,
            "steps": len(draft.steps),
        },
    )
    return draft


def discard_draft(draft: PathwayVersion) -> None:
    _require_draft(draft)
    audit.record(
        "pathway_draft_discarded",
        target_type="pathway",
        target_id=draft.pathway_id,
        detail={"version": draft.number},
    )
    for step in list(draft.steps):
        for provider in list(step.providers):
            db.session.delete(provider)
        db.session.delete(step)
    db.session.delete(draft)
    db.session.flush()
