"""Factories for committees and pathways (imported by tests/factories.py)."""

from __future__ import annotations

from datetime import date

import factory
from sqlalchemy import func, select

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
)
from referral.db import utcnow
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from tests.factories import Base, OrganisationFactory

__all__ = [
    "CommitteeActivityFactory",
    "CommitteeFactory",
    "CommitteeMemberFactory",
    "PathwayFactory",
    "PathwayStepFactory",
    "PathwayStepProviderFactory",
    "PathwayVersionFactory",
    "version_with_steps",
]


class PathwayFactory(Base):
    class Meta:
        model = Pathway

    committee = factory.SubFactory("tests.committees.factories.CommitteeFactory", pathway=None)
    is_national = False


class CommitteeFactory(Base):
    """A committee with its (empty) pathway; pass pathway=None to leave it out."""

    class Meta:
        model = Committee

    name_en = factory.Sequence(lambda n: f"Committee {n}")
    name_ru = factory.Sequence(lambda n: f"Комитет {n}")
    name_ky = factory.Sequence(lambda n: f"Комитет {n}")
    pathway = factory.RelatedFactory(PathwayFactory, factory_related_name="committee")


class CommitteeMemberFactory(Base):
    class Meta:
        model = CommitteeMember

    committee = factory.SubFactory(CommitteeFactory)
    full_name = factory.Sequence(lambda n: f"Member {n}")
    position = "Deputy head of the aiyl okmotu"
    agency = MemberAgency.LOCAL_SELF_GOVERNMENT
    is_active = True


class CommitteeActivityFactory(Base):
    class Meta:
        model = CommitteeActivity

    committee = factory.SubFactory(CommitteeFactory)
    occurred_on = factory.LazyFunction(lambda: utcnow().date())
    activity_type = ActivityType.MEETING
    title = factory.Sequence(lambda n: f"Quarterly meeting {n}")
    participants_women = 7
    participants_men = 4


def _next_number(pathway: Pathway) -> int:
    db.session.flush()
    last = db.session.execute(
        select(func.max(PathwayVersion.number)).where(PathwayVersion.pathway_id == pathway.id)
    ).scalar_one()
    return (last or 0) + 1


class PathwayVersionFactory(Base):
    class Meta:
        model = PathwayVersion

    pathway = factory.SubFactory(PathwayFactory)
    number = factory.LazyAttribute(lambda o: _next_number(o.pathway))
    status = VersionStatus.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda o: utcnow() if o.status != VersionStatus.DRAFT else None
    )


def _next_position(version: PathwayVersion) -> int:
    db.session.flush()
    last = db.session.execute(
        select(func.max(PathwayStep.position)).where(PathwayStep.version_id == version.id)
    ).scalar_one()
    return (last or 0) + 1


class PathwayStepFactory(Base):
    class Meta:
        model = PathwayStep

    version = factory.SubFactory(PathwayVersionFactory)
    position = factory.LazyAttribute(lambda o: _next_position(o.version))
    service_type = ServiceType.CRISIS_CENTRE
    target_hours = 24
    guidance_en = factory.Sequence(lambda n: f"Guidance {n}")
    guidance_ru = factory.Sequence(lambda n: f"Указания {n}")


class PathwayStepProviderFactory(Base):
    class Meta:
        model = PathwayStepProvider

    step = factory.SubFactory(PathwayStepFactory)
    organisation = factory.SubFactory(OrganisationFactory, org_type=OrganisationType.POLICE)
    position = 1


def version_with_steps(pathway: Pathway, *service_types: ServiceType, **kwargs) -> PathwayVersion:
    """A version of `pathway` (published unless status= says otherwise) with these steps."""
    version = PathwayVersionFactory(pathway=pathway, **kwargs)
    for service_type in service_types or (ServiceType.CRISIS_CENTRE,):
        PathwayStepFactory(version=version, service_type=service_type)
    db.session.expire(version, ["steps"])
    return version


def today() -> date:
    return utcnow().date()
