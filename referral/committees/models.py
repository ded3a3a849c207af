"""Local GBV prevention committees, their members and activities, and referral pathways.

A committee never holds case data: its activity log records meetings, awareness events
and resources mobilised, nothing about a survivor.

Pathways are versioned. A pathway (one per committee, plus the national default with no
committee) has numbered versions; a version is a draft (editable, at most one), published
(the one in force, at most one) or superseded. Published and superseded versions are
frozen: a referral stores the id of the version it followed, so they are never changed
or deleted (referral.committees.service refuses it).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.auth.models import User
from referral.db import TimestampMixin, UUIDPrimaryKey, str_enum
from referral.directory.models import Location, Organisation, ServiceType, localised
from referral.extensions import db


class MemberAgency(StrEnum):
    """What a member represents on the committee (domain.md section 3.5)."""

    LOCAL_SELF_GOVERNMENT = "local_self_government"
    POLICE = "police"
    WOMEN_COUNCIL = "women_council"
    SOCIAL_WORKER = "social_worker"
    HEALTH_WORKER = "health_worker"
    EDUCATION = "education"
    RELIGIOUS_LEADER = "religious_leader"
    NGO = "ngo"
    COMMUNITY_MEMBER = "community_member"

    @property
    def label(self) -> str:
        return str(MEMBER_AGENCY_LABELS[self])


MEMBER_AGENCY_LABELS = {
    MemberAgency.LOCAL_SELF_GOVERNMENT: _l("Local self-government"),
    MemberAgency.POLICE: _l("Police"),
    MemberAgency.WOMEN_COUNCIL: _l("Women's council"),
    MemberAgency.SOCIAL_WORKER: _l("Social worker"),
    MemberAgency.HEALTH_WORKER: _l("Health worker"),
    MemberAgency.EDUCATION: _l("Education"),
    MemberAgency.RELIGIOUS_LEADER: _l("Religious leader"),
    MemberAgency.NGO: _l("NGO"),
    MemberAgency.COMMUNITY_MEMBER: _l("Community member"),
}


class ActivityType(StrEnum):
    MEETING = "meeting"
    AWARENESS_SESSION = "awareness_session"
    CAMPAIGN = "campaign"
    RESOURCE_MOBILISATION = "resource_mobilisation"

    @property
    def label(self) -> str:
        return str(ACTIVITY_TYPE_LABELS[self])


ACTIVITY_TYPE_LABELS = {
    ActivityType.MEETING: _l("Meeting"),
    ActivityType.AWARENESS_SESSION: _l("Awareness session"),
    ActivityType.CAMPAIGN: _l("Campaign"),
    ActivityType.RESOURCE_MOBILISATION: _l("Resource mobilisation"),
}


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return str(VERSION_STATUS_LABELS[self])


VERSION_STATUS_LABELS = {
    VersionStatus.DRAFT: _l("Draft"),
    VersionStatus.PUBLISHED: _l("In force"),
    VersionStatus.SUPERSEDED: _l("Superseded"),
}


# A location belongs to the area of at most one committee, so that "the committee whose
# area covers this place" has one answer (the nearest one up the hierarchy wins).
committee_areas = Table(
    "committee_areas",
    db.metadata,
    Column("committee_id", ForeignKey("committees.id"), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), primary_key=True, unique=True),
)


class Committee(UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "committees"

    name_ky: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    founding_partners: Mapped[str] = mapped_column(String(300), default="")
    coordinator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)

    coordinator: Mapped[User | None] = relationship()
    areas: Mapped[list[Location]] = relationship(secondary=committee_areas)
    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="committee", order_by="CommitteeMember.created_at"
    )
    pathway: Mapped[Pathway | None] = relationship(back_populates="committee")

    @property
    def name(self) -> str:
        return localised(self)

    @property
    def active_members(self) -> list[CommitteeMember]:
        return [m for m in self.members if m.is_active]

    def __repr__(self) -> str:
        return f"<Committee {self.id}>"


class CommitteeMember(UUIDPrimaryKey, TimestampMixin, db.Model):
    """A member: a user account (committee-member role) or a person without an account,
    named here with their position. Ending a membership keeps the row (is_active)."""

    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("committee_id", "user_id"),)

    committee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("committees.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    agency: Mapped[MemberAgency] = mapped_column(str_enum(MemberAgency))
    is_active: Mapped[bool] = mapped_column(default=True)

    committee: Mapped[Committee] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship()

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.full_name or self.user.username
        return self.full_name

    def __repr__(self) -> str:
        return f"<CommitteeMember {self.id} {self.agency}>"


class CommitteeActivity(UUIDPrimaryKey, TimestampMixin, db.Model):
    """A prevention activity. Never case data: counts and a short public description."""

    __tablename__ = "committee_activities"

    committee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("committees.id"), index=True)
    occurred_on: Mapped[date]
    activity_type: Mapped[ActivityType] = mapped_column(str_enum(ActivityType))
    title: Mapped[str] = mapped_column(String(200))
    participants_women: Mapped[int | None]
    participants_men: Mapped[int | None]
    resources_som: Mapped[int | None]  # resources mobilised, in Kyrgyz som
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    committee: Mapped[Committee] = relationship()

    def __repr__(self) -> str:
        return f"<CommitteeActivity {self.id} {self.activity_type}>"


class Pathway(UUIDPrimaryKey, TimestampMixin, db.Model):
    """A committee's local referral pathway, or the national default (no committee)."""

    __tablename__ = "pathways"
    __table_args__ = (
        # Exactly one national default: is_national is true only without a committee.
        Index(
            "uq_pathways_one_national",
            "is_national",
            unique=True,
            sqlite_where=text("is_national = 1"),
            postgresql_where=text("is_national"),
        ),
    )

    committee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("committees.id"), unique=True)
    is_national: Mapped[bool] = mapped_column(default=False)

    committee: Mapped[Committee | None] = relationship(back_populates="pathway")
    versions: Mapped[list[PathwayVersion]] = relationship(
        back_populates="pathway", order_by="PathwayVersion.number"
    )

    @property
    def name(self) -> str:
        if self.committee is not None:
            return self.committee.name
        return str(_l("National default pathway"))

    def __repr__(self) -> str:
        return f"<Pathway {self.id}>"


class PathwayVersion(UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "pathway_versions"
    __table_args__ = (
        UniqueConstraint("pathway_id", "number"),
        # At most one draft and one version in force per pathway.
        Index(
            "uq_pathway_versions_one_draft",
            "pathway_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
        Index(
            "uq_pathway_versions_one_published",
            "pathway_id",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
    )

    pathway_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathways.id"), index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        str_enum(VersionStatus, 20), default=VersionStatus.DRAFT
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    pathway: Mapped[Pathway] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    steps: Mapped[list[PathwayStep]] = relationship(
        back_populates="version", order_by="PathwayStep.position"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def __repr__(self) -> str:
        return f"<PathwayVersion {self.id} {self.number} {self.status}>"


class PathwayStep(UUIDPrimaryKey, db.Model):
    __tablename__ = "pathway_steps"

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_versions.id"), index=True)
    position: Mapped[int]
    service_type: Mapped[ServiceType] = mapped_column(str_enum(ServiceType, 40))
    target_hours: Mapped[int]  # target response time
    guidance_ky: Mapped[str] = mapped_column(Text, default="")
    guidance_ru: Mapped[str] = mapped_column(Text, default="")
    guidance_en: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[PathwayVersion] = relationship(back_populates="steps")
    providers: Mapped[list[PathwayStepProvider]] = relationship(
        back_populates="step", order_by="PathwayStepProvider.position"
    )

    @property
    def guidance(self) -> str:
        return localised(self, "guidance")

    @property
    def guidance_untranslated(self) -> list[str]:
        """The languages the guidance is missing in, when it is written in any: readers
        of those languages are shown another language's text instead."""
        texts = {code: getattr(self, f"guidance_{code}").strip() for code in ("ky", "ru", "en")}
        if not any(texts.values()):
            return []
        return [code for code, text in texts.items() if not text]

    def __repr__(self) -> str:
        return f"<PathwayStep {self.id} {self.position} {self.service_type}>"


class PathwayStepProvider(UUIDPrimaryKey, db.Model):
    """A preferred provider for a step. Names an Organisation; the directory's Service
    model did not exist when this was written (a later change may add service_id)."""

    __tablename__ = "pathway_step_providers"
    __table_args__ = (UniqueConstraint("step_id", "organisation_id"),)

    step_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathway_steps.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    position: Mapped[int] = mapped_column(default=0)

    step: Mapped[PathwayStep] = relationship(back_populates="providers")
    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<PathwayStepProvider {self.id}>"
