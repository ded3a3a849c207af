"""Action plan, follow-up, protection orders and case notes (steps 3, 5 of the GBV case
management guidelines; protection orders under Kyrgyz law No. 63, domain.md §3.1).

Free text a caseworker writes (goals, what services she received, follow-up notes,
order conditions, violations, case notes) exists only as ciphertext; the plain columns
hold codes and dates that lists, the home page and statistics need.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.cases.models.case import CaseChild
from referral.crypto import grants as U
from referral.crypto.fields import Ciphertext, encrypted
from referral.db import LabelledEnum, TimestampMixin, str_enum
from referral.directory.models import ServiceType
from referral.extensions import db


class PlanArea(LabelledEnum):
    """The need areas of the assessment (domain.md §1b), one per action-plan item."""

    SAFETY = "safety"
    HEALTH = "health"
    PSYCHOSOCIAL = "psychosocial"
    LEGAL = "legal"
    MATERIAL = "material"
    CHILD = "child"


PlanArea.LABELS = {
    PlanArea.SAFETY: _l("Safety"),
    PlanArea.HEALTH: _l("Health"),
    PlanArea.PSYCHOSOCIAL: _l("Psychosocial support"),
    PlanArea.LEGAL: _l("Legal and justice"),
    PlanArea.MATERIAL: _l("Material and basic needs"),
    PlanArea.CHILD: _l("Children"),
}


class Progress(LabelledEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    MET = "met"
    NOT_APPLICABLE = "not_applicable"

    @property
    def is_open(self) -> bool:
        return self in (Progress.NOT_STARTED, Progress.IN_PROGRESS)


Progress.LABELS = {
    Progress.NOT_STARTED: _l("Not started"),
    Progress.IN_PROGRESS: _l("In progress"),
    Progress.MET: _l("Met"),
    Progress.NOT_APPLICABLE: _l("Not applicable"),
}
OPEN_PROGRESS = (Progress.NOT_STARTED, Progress.IN_PROGRESS)


class ActionPlanItem(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "action_plan_items"
    __table_args__ = (Index("ix_action_plan_items_due", "progress", "due_date"),)

    area: Mapped[PlanArea] = mapped_column(str_enum(PlanArea, 20))
    service_type: Mapped[ServiceType | None] = mapped_column(str_enum(ServiceType, 40))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date] = mapped_column(Date)
    progress: Mapped[Progress] = mapped_column(str_enum(Progress, 20), default=Progress.NOT_STARTED)
    met_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    goal_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    goal = encrypted(U.PLAN)

    owner = relationship("User", foreign_keys=[owner_id], lazy="select")


class FollowUpType(LabelledEnum):
    VISIT = "visit"
    PHONE = "phone"
    OFFICE = "office"
    OTHER = "other"


FollowUpType.LABELS = {
    FollowUpType.VISIT: _l("Home or outreach visit"),
    FollowUpType.PHONE: _l("Phone call"),
    FollowUpType.OFFICE: _l("At the centre"),
    FollowUpType.OTHER: _l("Other"),
}


class ServicesReceived(LabelledEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


ServicesReceived.LABELS = {
    ServicesReceived.YES: _l("Yes"),
    ServicesReceived.PARTLY: _l("Partly"),
    ServicesReceived.NO: _l("No"),
}


class FollowUp(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_case_held", "case_id", "held_on"),)

    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[FollowUpType] = mapped_column(str_enum(FollowUpType, 10))
    services_received: Mapped[ServicesReceived] = mapped_column(str_enum(ServicesReceived, 10))
    risk_reassessed: Mapped[bool] = mapped_column(Boolean, default=False)
    next_date: Mapped[date | None] = mapped_column(Date)
    recommend_closure: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    services_details_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    notes_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    services_details = encrypted(U.PLAN)
    notes = encrypted(U.PLAN)

    author = relationship("User", foreign_keys=[author_id], lazy="select")


class OrderKind(LabelledEnum):
    TEMPORARY = "temporary"  # temporary protection order issued by the police
    EXTENDED = "extended"  # the police order extended at the survivor's request
    COURT_RESTRICTION = "court_restriction"  # 2025 amendments: court bans, e-monitoring


OrderKind.LABELS = {
    OrderKind.TEMPORARY: _l("Temporary protection order (police)"),
    OrderKind.EXTENDED: _l("Extended protection order (police)"),
    OrderKind.COURT_RESTRICTION: _l("Court restrictions (with electronic monitoring)"),
}


class IssuingBody(LabelledEnum):
    POLICE = "police"
    COURT = "court"
    OTHER = "other"


IssuingBody.LABELS = {
    IssuingBody.POLICE: _l("Police (internal affairs department)"),
    IssuingBody.COURT: _l("Court"),
    IssuingBody.OTHER: _l("Other"),
}


class OrderCondition(LabelledEnum):
    NO_CONTACT = "no_contact"
    NO_APPROACH = "no_approach"
    NO_STALKING = "no_stalking"
    WEAPONS_BAN = "weapons_ban"
    CORRECTIONAL_PROGRAMME = "correctional_programme"
    OTHER = "other"


OrderCondition.LABELS = {
    OrderCondition.NO_CONTACT: _l("No direct or indirect contact"),
    OrderCondition.NO_APPROACH: _l("Must not come near her (home, work, places)"),
    OrderCondition.NO_STALKING: _l("No stalking"),
    OrderCondition.WEAPONS_BAN: _l("Weapons ban"),
    OrderCondition.CORRECTIONAL_PROGRAMME: _l("Correctional programme for the perpetrator"),
    OrderCondition.OTHER: _l("Other (described below)"),
}


class OrderStatus(LabelledEnum):
    """ACTIVE, VIOLATED and REVOKED are recorded; EXPIRED is never stored but computed
    from the dates (ProtectionOrder.status_on)."""

    ACTIVE = "active"
    EXPIRED = "expired"
    VIOLATED = "violated"
    REVOKED = "revoked"


OrderStatus.LABELS = {
    OrderStatus.ACTIVE: _l("In force"),
    OrderStatus.EXPIRED: _l("Expired"),
    OrderStatus.VIOLATED: _l("In force, violated"),
    OrderStatus.REVOKED: _l("Revoked"),
}
RECORDED_ORDER_STATUSES = (OrderStatus.ACTIVE, OrderStatus.VIOLATED, OrderStatus.REVOKED)


class ProtectionOrder(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "protection_orders"

    kind: Mapped[OrderKind] = mapped_column(str_enum(OrderKind, 20))
    issuing_body: Mapped[IssuingBody] = mapped_column(str_enum(IssuingBody, 10))
    # The police department or court that issued it: an institution's name, not the
    # survivor's data.
    issuing_unit: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    extended_until: Mapped[date | None] = mapped_column(Date)
    conditions: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, 10), default=OrderStatus.ACTIVE
    )
    # The incident of this case the order answers (assessment step).
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incidents.id"))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    conditions_text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    conditions_text = encrypted(U.PROTECTION_ORDER)

    violations: Mapped[list[ProtectionOrderViolation]] = relationship(
        back_populates="order",
        lazy="select",
        order_by="ProtectionOrderViolation.occurred_on",
        passive_deletes=True,
    )

    @property
    def ends_on(self) -> date:
        return self.extended_until or self.valid_until

    def status_on(self, day: date) -> OrderStatus:
        """The order's status on a Bishkek calendar day: a revoked order stays revoked;
        otherwise one whose last valid day has passed is expired (violated or not)."""
        if self.status == OrderStatus.REVOKED:
            return OrderStatus.REVOKED
        if self.ends_on < day:
            return OrderStatus.EXPIRED
        return self.status


class ProtectionOrderViolation(CaseChild, TimestampMixin, db.Model):
    __tablename__ = "protection_order_violations"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("protection_orders.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))

    description_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    description = encrypted(U.PROTECTION_ORDER)

    order: Mapped[ProtectionOrder] = relationship(back_populates="violations")


class CaseNote(CaseChild, TimestampMixin, db.Model):
    """The crisis centre's own note: never shared with a provider, never deleted (it
    goes with the case when the case is erased). `created_at` is when it was written."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case_created", "case_id", "created_at"),)

    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime | None]

    text_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    text = encrypted(U.NOTES)

    author = relationship("User", foreign_keys=[author_id], lazy="select")
