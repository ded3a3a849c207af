"""The statistics facts: one narrow row per counted case, incident and sent referral.

Why a copy at all: the live rule "latest reporting consent is given, case not erased"
is a correlated subquery per case, and at a million incidents every figure paid for it
again (about 45 s a national page). These tables hold only the rows that rule lets
through, already joined to the case's few plain dimensions, so a figure is one scan of
one narrow table.

What is here: plain codes, location and organisation ids, month and report day,
timestamps of the referral steps. No name, no free text, no ciphertext, no case code:
nothing that identifies a survivor (the case id only links the rows of one case, for
the scope rules and for the refresh). A case that is erased or whose reporting consent
is withdrawn has no row here at all.

Kept current by `stats.facts.refresh_case` in the transaction of every change that can
move a figure; `flask stats rebuild` recomputes everything (the backfill, and a repair).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from referral.cases.models import AgeBand, GBVType, PerpetratorRelationship, ReportingDelay, Sex
from referral.cases.models.assessment import PlaceType
from referral.db import str_enum
from referral.directory.models import ServiceType
from referral.extensions import db
from referral.referrals.models import DeclineReason, ReferralStatus


class StatsCase(db.Model):
    """A counted case: the population of the case and protection-order figures."""

    __tablename__ = "stats_cases"
    __table_args__ = (
        Index("ix_stats_cases_created_at", "created_at"),
        Index("ix_stats_cases_closed_at", "closed_at"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    residence_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, 10))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, 10))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closure_reason: Mapped[str | None] = mapped_column(String(30))


class StatsIncident(db.Model):
    """A counted incident with its case's dimensions. `place_id` is where it happened,
    or where the survivor lives when no place was recorded (the live rule)."""

    __tablename__ = "stats_incidents"
    __table_args__ = (
        Index("ix_stats_incidents_report_date", "report_date"),
        Index("ix_stats_incidents_case", "case_id", "place_id"),
        Index("ix_stats_incidents_place_date", "place_id", "report_date"),
    )

    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    residence_id: Mapped[uuid.UUID | None]
    place_id: Mapped[uuid.UUID | None]
    report_date: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of report_date
    gbv_type: Mapped[GBVType] = mapped_column(str_enum(GBVType, 50))
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, 10))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, 10))
    relationship: Mapped[PerpetratorRelationship | None] = mapped_column(
        str_enum(PerpetratorRelationship, 40)
    )
    place_type: Mapped[PlaceType | None] = mapped_column(str_enum(PlaceType, 20))
    ala_kachuu: Mapped[bool] = mapped_column(Boolean)
    early_marriage: Mapped[bool] = mapped_column(Boolean)
    reporting_delay: Mapped[ReportingDelay] = mapped_column(str_enum(ReportingDelay, 10))


class StatsReferral(db.Model):
    """A sent (not draft) referral of a counted case, with its case's dimensions."""

    __tablename__ = "stats_referrals"
    __table_args__ = (
        Index("ix_stats_referrals_sent_at", "sent_at"),
        Index("ix_stats_referrals_case", "case_id", "to_org_id"),
        Index("ix_stats_referrals_to_org_sent", "to_org_id", "sent_at"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(index=True)
    residence_id: Mapped[uuid.UUID | None]
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, 10))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, 10))
    to_org_id: Mapped[uuid.UUID]
    service_type: Mapped[ServiceType] = mapped_column(str_enum(ServiceType, 40))
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, 30))
    decline_reason: Mapped[DeclineReason | None] = mapped_column(str_enum(DeclineReason, 30))
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
