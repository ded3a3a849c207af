"""Where to refer: the local pathway in force for the survivor's place, how far this case
has gone along it, and the providers that match one of its steps.

A provider is proposed for a service type when the directory says that one of its
active services of that type takes referrals, covers the survivor's rayon (a service
area on the rayon or any place above it: an oblast covers its rayons; or a nationwide
service), and is open to her sex and age. The organisation must be active and of a type
that receives referrals (it has a sharing profile). The step's preferred providers come
first, in the committee's order; then the rest by name.

Whether a provider has an account (an active provider focal point of that
organisation) decides how the referral travels: through its inbox, or on paper with a
printed slip.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import policy as case_policy
from referral.cases.models import AgeBand, Case, Sex
from referral.cases.service import consent
from referral.cases.service.common import Problems, audit_case, today
from referral.cases.service.intake import age_on
from referral.committees.models import PathwayStep, PathwayVersion
from referral.committees.service import pathways
from referral.crypto import fields
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.directory.hours import hours_display
from referral.directory.models import (
    EligibleSex,
    Location,
    Organisation,
    OrganisationType,
    Service,
    ServiceArea,
    ServiceStatus,
    ServiceType,
)
from referral.directory.service.locations import ancestor_ids
from referral.extensions import db
from referral.referrals import sharing
from referral.referrals.models import Referral, ReferralStatus, Urgency
from referral.referrals.service.lifecycle import ReferralError, ReferralInput, send_referral

S = ReferralStatus
# The ages an age band spans, for eligibility when the exact age is not at hand.
BAND_AGES: dict[AgeBand, tuple[int, int]] = {
    AgeBand.A0_11: (0, 11),
    AgeBand.A12_17: (12, 17),
    AgeBand.A18_25: (18, 25),
    AgeBand.A26_40: (26, 40),
    AgeBand.A41_60: (41, 60),
    AgeBand.A61: (61, 150),
}
_SEXES = {
    Sex.FEMALE: (EligibleSex.ANY, EligibleSex.FEMALE),
    Sex.MALE: (EligibleSex.ANY, EligibleSex.MALE),
}


class StepState(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(STEP_STATE_LABELS[self])


STEP_STATE_LABELS = {
    StepState.NOT_STARTED: _l("Not started"),
    StepState.IN_PROGRESS: _l("In progress"),
    StepState.DONE: _l("Done"),
}
_DONE = frozenset({S.SERVICE_PROVIDED, S.COMPLETED})


# --- the pathway for this case ----------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    id: uuid.UUID
    position: int
    service_type: ServiceType
    target_hours: int
    guidance: str
    state: StepState


@dataclass(frozen=True)
class PathwayView:
    version_id: uuid.UUID
    number: int
    name: str
    is_national: bool
    steps: tuple[StepView, ...]


def residence_of(case: Case) -> Location | None:
    if case.residence_location_id is None:
        return None
    return db.session.get(Location, case.residence_location_id)


def pathway_version_for(case: Case) -> PathwayVersion | None:
    """The version in force where she lives: the committee's, else the national default."""
    return pathways.current_pathway_for(residence_of(case))


def state_of(statuses) -> StepState:
    """A step is done once a referral of its type gave the service; in progress while
    one is open; not started when none was sent, or all were declined or withdrawn."""
    statuses = set(statuses)
    if statuses & _DONE:
        return StepState.DONE
    if any(status.is_open for status in statuses):
        return StepState.IN_PROGRESS
    return StepState.NOT_STARTED


def statuses_by_type(case: Case) -> dict[ServiceType, set[ReferralStatus]]:
    rows = db.session.execute(
        select(Referral.service_type, Referral.status).where(Referral.case_id == case.id)
    ).all()
    found: dict[ServiceType, set[ReferralStatus]] = {}
    for service_type, status in rows:
        found.setdefault(service_type, set()).add(status)
    return found


def pathway_view(case: Case, version: PathwayVersion | None = None) -> PathwayView | None:
    version = version or pathway_version_for(case)
    if version is None:
        return None
    done = statuses_by_type(case)
    steps = tuple(
        StepView(
            id=step.id,
            position=step.position,
            service_type=step.service_type,
            target_hours=step.target_hours,
            guidance=step.guidance,
            state=state_of(done.get(step.service_type, ())),
        )
        for step in version.steps
    )
    pathway = version.pathway
    return PathwayView(version.id, version.number, pathway.name, pathway.is_national, steps)


def sendable_type(value) -> ServiceType | None:
    """A service type the caseworker may refer to from these screens. A transfer to
    another crisis centre (service type `crisis_centre`) has its own screens."""
    try:
        service_type = ServiceType(str(value or "").strip())
    except ValueError:
        return None
    if not service_type.is_referral_destination or service_type == ServiceType.CRISIS_CENTRE:
        return None
    return service_type


def step_for(case: Case, step_id: uuid.UUID | None) -> PathwayStep | None:
    """A step of the version in force for this case (None for any other id: a step of
    another place's pathway, or of a version since superseded, is not followed)."""
    if step_id is None:
        return None
    step = db.session.get(PathwayStep, step_id)
    version = pathway_version_for(case)
    if step is None or version is None or step.version_id != version.id:
        return None
    return step


# --- the providers that match --------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    organisation_id: uuid.UUID
    name: str
    org_type: OrganisationType
    service_id: uuid.UUID
    service_name: str
    hours: tuple[str, ...]
    is_24h: bool
    languages: tuple[str, ...]
    phones: tuple[str, ...]
    has_account: bool
    is_preferred: bool

    @property
    def on_paper(self) -> bool:
        """No focal point to receive it: the referral goes as a printed slip."""
        return not self.has_account

    @property
    def profile(self) -> tuple[str, ...]:
        return sharing.profile_for(self.org_type)


@dataclass(frozen=True)
class Survivor:
    """What eligibility looks at: her rayon, her sex, her age (exact when the caseworker
    may read it, else the span of her age band)."""

    location_id: uuid.UUID | None
    sex: Sex | None
    age: int | None = None
    age_band: AgeBand | None = None

    @classmethod
    def of(cls, case: Case, age: int | None = None) -> Survivor:
        return cls(case.residence_location_id, case.sex, age, case.age_band)

    def ages(self) -> tuple[int, int] | None:
        if self.age is not None:
            return (self.age, self.age)
        return BAND_AGES.get(self.age_band) if self.age_band else None


def _eligible(service: Service, survivor: Survivor) -> bool:
    allowed_sexes = _SEXES.get(survivor.sex)
    if allowed_sexes is not None and service.eligible_sex not in allowed_sexes:
        return False
    ages = survivor.ages()
    if ages is None:
        return True  # her age is not known: the provider decides
    youngest, oldest = ages
    if service.minimum_age is not None and oldest < service.minimum_age:
        return False
    return service.maximum_age is None or youngest <= service.maximum_age


def accounts_of(organisation_ids) -> set[uuid.UUID]:
    """The organisations among these that have an active provider focal point."""
    ids = list(set(organisation_ids))
    if not ids:
        return set()
    rows = db.session.execute(
        select(User.organisation_id)
        .where(
            User.organisation_id.in_(ids),
            User.role == Role.PROVIDER,
            User.is_active_account.is_(True),
        )
        .distinct()
    ).scalars()
    return set(rows)


def _area_clause(location_id: uuid.UUID | None):
    if location_id is None:
        return None  # her rayon is not recorded: every area is listed
    places = ancestor_ids(location_id)
    covered = exists().where(
        ServiceArea.service_id == Service.id, ServiceArea.location_id.in_(places)
    )
    return or_(Service.is_nationwide.is_(True), covered)


def proposals_for(
    survivor: Survivor, service_type: ServiceType, step: PathwayStep | None = None
) -> list[Proposal]:
    """The providers to propose for `service_type`, preferred ones first."""
    referring = [t for t, profile in sharing.PROFILES.items() if profile]
    query = (
        select(Service)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(
            Service.service_type == service_type,
            Service.status == ServiceStatus.ACTIVE,
            Service.accepts_referrals.is_(True),
            Organisation.is_active.is_(True),
            Organisation.org_type.in_(referring),
        )
        .options(
            selectinload(Service.schedules),
            selectinload(Service.languages),
            selectinload(Service.phones),
        )
        .order_by(Service.name_en, Service.id)
    )
    area = _area_clause(survivor.location_id)
    if area is not None:
        query = query.where(area)
    by_org: dict[uuid.UUID, Service] = {}
    for service in db.session.execute(query).scalars():
        if _eligible(service, survivor):
            by_org.setdefault(service.organisation_id, service)
    if not by_org:
        return []
    organisations = {
        org.id: org
        for org in db.session.execute(
            select(Organisation)
            .where(Organisation.id.in_(list(by_org)))
            .options(selectinload(Organisation.phones))
        ).scalars()
    }
    with_account = accounts_of(by_org)
    preferred = [p.organisation_id for p in step.providers] if step is not None else []
    rank = {org_id: index for index, org_id in enumerate(preferred)}
    proposals = [
        _proposal(organisations[org_id], service, org_id in with_account, org_id in rank)
        for org_id, service in by_org.items()
    ]
    return sorted(
        proposals,
        key=lambda p: (
            p.organisation_id not in rank,
            rank.get(p.organisation_id, 0),
            p.name.casefold(),
        ),
    )


def _proposal(org: Organisation, service: Service, has_account: bool, preferred: bool):
    numbers = [p.number for p in service.phones] + [p.number for p in org.phones]
    return Proposal(
        organisation_id=org.id,
        name=org.name,
        org_type=org.org_type,
        service_id=service.id,
        service_name=service.name,
        hours=tuple(hours_display(service.schedules)),
        is_24h=service.is_24h,
        languages=tuple(language.label for language in service.languages),
        phones=tuple(dict.fromkeys(numbers))[:3],
        has_account=has_account,
        is_preferred=preferred,
    )


def find_proposal(proposals: list[Proposal], organisation_id) -> Proposal | None:
    return next((p for p in proposals if p.organisation_id == organisation_id), None)


def survivor_of(user: User, case: Case) -> Survivor:
    """Her rayon, sex and age for eligibility; the exact age is read (and the read
    audited) when the user may read it, else her age band stands in."""
    try:
        grant = case_policy.grant_for(user, case, {U.AGE}, U.READ)
    except GrantError:
        return Survivor.of(case)
    birth = fields.read(case, "birth_date", grant)
    age = age_on(birth, today()) if birth is not None else fields.read(case, "estimated_age", grant)
    audit_case("sensitive_read", case, {U.AGE})
    return Survivor.of(case, age)


def release_for(case: Case, service_type: ServiceType, organisation_id: uuid.UUID):
    """What consent says about sending to this provider for this service, before the
    caseworker writes anything: the page tells why not and what to record."""
    return consent.release_decision(case, service_type, organisation_id)


# --- sending along the pathway ------------------------------------------------------

SUMMARY_MAX = 4000
OVERRIDE_MAX = 2000


@dataclass(frozen=True)
class SendInput:
    step_id: uuid.UUID | None
    service_type: ServiceType | None
    to_org_id: uuid.UUID | None
    urgency: Urgency | None
    shared_items: tuple[str, ...] = ()
    summary: str | None = None
    override_reason: str | None = None


def send_along(user: User, case: Case, data: SendInput) -> Referral:
    """Send the referral the caseworker chose on the page: the provider must be one of
    the proposals for the service (checked again here, whatever was posted); it goes on
    paper when the provider has no account; it keeps the pathway version and step it
    followed when it is of the step's service type. Every problem at once
    (ReferralError); on one, the caller rolls the unit of work back."""
    problems = Problems()
    step = step_for(case, data.step_id)
    if data.step_id is not None and step is None:
        problems.add(
            None, _l("The pathway changed since the page was opened: choose the step again.")
        )
    proposal = None
    if data.service_type is not None and data.to_org_id is not None:
        found = proposals_for(survivor_of(user, case), data.service_type, step)
        proposal = find_proposal(found, data.to_org_id)
    if len(data.summary or "") > SUMMARY_MAX:
        problems.add("summary", _l("Keep the summary under %(n)s characters.", n=SUMMARY_MAX))
    if len(data.override_reason or "") > OVERRIDE_MAX:
        problems.add(
            "override_reason", _l("Keep the reason under %(n)s characters.", n=OVERRIDE_MAX)
        )
    follows = step is not None and step.service_type == data.service_type
    referral_input = ReferralInput(
        to_org_id=proposal.organisation_id if proposal else None,
        service_type=data.service_type,
        urgency=data.urgency,
        shared_items=data.shared_items,
        summary=data.summary,
        to_service_id=proposal.service_id if proposal else None,
        pathway_version_id=step.version_id if follows else None,
        pathway_step_id=step.id if follows else None,
        override_reason=data.override_reason,
        on_paper=proposal.on_paper if proposal else False,
    )
    try:
        referral = send_referral(user, case, referral_input)
    except ReferralError as error:
        raise ReferralError(errors=[*problems.errors, *error.errors]) from None
    problems.raise_if_any(ReferralError)
    return referral
