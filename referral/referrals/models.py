"""A referral of one case to one provider organisation, and the steps it went through.

The referral is a record of its case (`CaseChild`): the summary written for the
provider, the provider's feedback and notes are encrypted under the case's key, and
erasing the case erases its referrals. What the provider may see is the referral's
`shared_items` (referrals.sharing), never more than its provider type's profile.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.cases.models import CaseChild
from referral.crypto import grants as U
from referral.crypto.fields import Ciphertext, encrypted
from referral.db import LabelledEnum, TimestampMixin, UUIDPrimaryKey, str_enum, utcnow
from referral.directory.models import ServiceType
from referral.extensions import db


class ReferralStatus(LabelledEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    APPOINTMENT_SCHEDULED = "appointment_scheduled"
    SERVICE_PROVIDED = "service_provided"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        """Sent and not yet finished: the provider is working on it."""
        return self in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


ReferralStatus.LABELS = {
    ReferralStatus.DRAFT: _l("Draft"),
    ReferralStatus.SENT: _l("Sent"),
    ReferralStatus.ACKNOWLEDGED: _l("Received"),
    ReferralStatus.ACCEPTED: _l("Accepted"),
    ReferralStatus.DECLINED: _l("Declined"),
    ReferralStatus.APPOINTMENT_SCHEDULED: _l("Appointment scheduled"),
    ReferralStatus.SERVICE_PROVIDED: _l("Service provided"),
    ReferralStatus.COMPLETED: _l("Completed"),
    ReferralStatus.WITHDRAWN: _l("Withdrawn"),
}
OPEN_STATUSES = frozenset(
    {
        ReferralStatus.SENT,
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.APPOINTMENT_SCHEDULED,
        ReferralStatus.SERVICE_PROVIDED,
    }
)
FINAL_STATUSES = frozenset(
    {ReferralStatus.DECLINED, ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN}
)
# Statuses that count as the provider's first response (the deadline is for this).
RESPONDED_STATUSES = frozenset(
    {
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.APPOINTMENT_SCHEDULED,
        ReferralStatus.SERVICE_PROVIDED,
        ReferralStatus.COMPLETED,
    }
)


class Urgency(LabelledEnum):
    IMMEDIATE = "immediate"  # 24 h
    URGENT = "urgent"  # 72 h
    ROUTINE = "routine"  # REFERRAL_ROUTINE_HOURS


Urgency.LABELS = {
    Urgency.IMMEDIATE: _l("Immediate (answer within 24 hours)"),
    Urgency.URGENT: _l("Urgent (answer within 72 hours)"),
    Urgency.ROUTINE: _l("Routine"),
}


class DeclineReason(LabelledEnum):
    SERVICE_UNAVAILABLE = "service_unavailable"
    NOT_ELIGIBLE = "not_eligible"
    SURVIVOR_DECLINED = "survivor_declined"
    UNABLE_TO_CONTACT = "unable_to_contact"
    OTHER = "other"


DeclineReason.LABELS = {
    DeclineReason.SERVICE_UNAVAILABLE: _l("The service is not available"),
    DeclineReason.NOT_ELIGIBLE: _l("She is not eligible for this service"),
    DeclineReason.SURVIVOR_DECLINED: _l("She declined the service"),
    DeclineReason.UNABLE_TO_CONTACT: _l("We could not reach her"),
    DeclineReason.OTHER: _l("Other reason"),
}


class Referral(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        # The provider's inbox: its organisation's referrals, newest first, by keyset.
        Index("ix_referrals_to_org_sent", "to_org_id", "sent_at", "id"),
        # The inbox by status (its overdue part, its filters, its capped counts): one
        # organisation's rows only, whatever the size of the table.
        Index("ix_referrals_to_org_status_sent", "to_org_id", "status", "sent_at", "id"),
        # Overdue look-ups: open referrals by deadline.
        Index("ix_referrals_status_due", "status", "due_at"),
        # Statistics: the referrals sent in a period, in any scope (migration 0014).
        Index("ix_referrals_sent_case", "sent_at", "case_id"),
    )

    from_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    from_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    to_org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    to_service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"))
    service_type: Mapped[ServiceType] = mapped_column(str_enum(ServiceType, 40))
    pathway_version_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_versions.id"))
    pathway_step_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pathway_steps.id"))
    status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus, 30), default=ReferralStatus.DRAFT
    )
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency, 20), default=Urgency.ROUTINE)
    shared_items: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Notifications: when the overdue reminder went out (once per referral; migration 0012).
    overdue_notified_at: Mapped[datetime | None]
    decline_reason: Mapped[DeclineReason | None] = mapped_column(str_enum(DeclineReason, 30))
    appointment_at: Mapped[datetime | None]
    # Sent although consent did not cover it: a supervisor's decision, with a reason.
    consent_override: Mapped[bool] = mapped_column(Boolean, default=False)
    override_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # The provider has no account: the caseworker prints a slip and records answers.
    is_on_paper: Mapped[bool] = mapped_column(Boolean, default=False)

    summary_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    override_reason_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    feedback_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    provider_notes_ct: Mapped[bytes | None] = mapped_column(Ciphertext())

    summary = encrypted(U.REFERRAL_SUMMARY)
    override_reason = encrypted(U.NOTES)
    feedback = encrypted(U.REFERRAL_FEEDBACK)
    provider_notes = encrypted(U.PROVIDER_NOTES)

    to_org = relationship("Organisation", foreign_keys=[to_org_id], lazy="select")
    from_org = relationship("Organisation", foreign_keys=[from_org_id], lazy="select")
    from_user = relationship("User", foreign_keys=[from_user_id], lazy="select")
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral",
        order_by="ReferralEvent.at",
        cascade="all, delete-orphan",
        lazy="select",
    )

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.status} of case {self.case_id}>"


class ReferralEvent(UUIDPrimaryKey, db.Model):
    """One step of a referral: who moved it from which status to which, when, and
    whether a caseworker recorded it for a provider without an account. Codes only."""

    __tablename__ = "referral_events"
    __table_args__ = (Index("ix_referral_events_referral_at", "referral_id", "at"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status_from: Mapped[ReferralStatus | None] = mapped_column(str_enum(ReferralStatus, 30))
    status_to: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, 30))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[dict | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(30), default="status")

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor = relationship("User", lazy="select")

    def __repr__(self) -> str:
        return f"<ReferralEvent {self.referral_id} {self.status_from}->{self.status_to}>"
