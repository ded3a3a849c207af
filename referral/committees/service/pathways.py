"""Referral pathways and their versions. Functions flush, never commit; every change
and every publication is audited.

Invariants kept here: a pathway has at most one draft and at most one published version
(the database also refuses more); only a draft changes; publishing freezes it and
supersedes the version in force; a step never names a service type that is not a
referral destination.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from referral.audit import service as audit
from referral.auth.models import User
from referral.committees.models import (
    Committee,
    Pathway,
    PathwayStep,
    PathwayStepProvider,
    PathwayVersion,
    VersionStatus,
    committee_areas,
)
from referral.committees.service.committees import _NON_PROVIDER_TYPES, CommitteeError
from referral.db import utcnow
from referral.directory.models import Location, Organisation, ServiceType
from referral.extensions import db

MAX_TARGET_HOURS = 24 * 90


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


def published_versions_by_committee() -> dict[uuid.UUID, PathwayVersion]:
    """The version in force of every committee's pathway, in one query (lists and panels
    show all committees at once)."""
    rows = db.session.execute(
        select(Pathway.committee_id, PathwayVersion)
        .join(PathwayVersion, PathwayVersion.pathway_id == Pathway.id)
        .where(Pathway.committee_id.is_not(None), PathwayVersion.status == VersionStatus.PUBLISHED)
    ).all()
    return {committee_id: version for committee_id, version in rows}


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


def area_organisation_ids(committee: Committee | None) -> set[uuid.UUID]:
    """The organisations of the committee's area: based there, or with a service whose
    area lies in it (the committee's places and everything under them)."""
    if committee is None or not committee.areas:
        return set()
    from referral.directory.models import Service, ServiceArea
    from referral.directory.service.locations import descendant_ids

    places: set[uuid.UUID] = set()
    for location in committee.areas:
        places |= descendant_ids(location.id)
    based = select(Organisation.id).where(Organisation.location_id.in_(places))
    serving = (
        select(Service.organisation_id)
        .join(ServiceArea, ServiceArea.service_id == Service.id)
        .where(ServiceArea.location_id.in_(places))
    )
    return set(db.session.execute(based.union(serving)).scalars())


def provider_choices(
    committee: Committee | None = None, local: set[uuid.UUID] | None = None
) -> list[Organisation]:
    """Active organisations that provide services, for the preferred-provider picker:
    those of the committee's area first (`local`: `area_organisation_ids`, when the
    caller has it already), then the rest of the country, each by name."""
    orgs = db.session.execute(
        select(Organisation).where(
            Organisation.is_active.is_(True), Organisation.org_type.not_in(_NON_PROVIDER_TYPES)
        )
    ).scalars()
    local = area_organisation_ids(committee) if local is None else local
    return sorted(orgs, key=lambda o: (o.id not in local, o.name.casefold()))


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
