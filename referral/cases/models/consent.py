"""Consent events of a case (domain.md §2.3, §7 "Consent").

Three consents are kept apart: to services (case management), to release information
for referrals, and to non-identifying reporting (statistics). Every decision is a new
row, numbered per case (`seq`); a row is never changed afterwards, so the history is the
table itself and the consent in force of a kind is its row with the highest number.
A release row states the whole scope in force after it (service types and, optionally,
the only provider organisations named), so the latest row alone answers a referral.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.cases.models.case import CaseChild
from referral.crypto import grants as U
from referral.crypto.fields import Ciphertext, encrypted
from referral.db import LabelledEnum, TimestampMixin, str_enum, utcnow
from referral.extensions import db


class ConsentKind(LabelledEnum):
    SERVICES = "services"
    RELEASE = "release"
    REPORTING = "reporting"


ConsentKind.LABELS = {
    ConsentKind.SERVICES: _l("Consent to services (case management)"),
    ConsentKind.RELEASE: _l("Consent to release information for referrals"),
    ConsentKind.REPORTING: _l("Consent to non-identifying reporting (statistics)"),
}


class ConsentDecision(LabelledEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


ConsentDecision.LABELS = {
    ConsentDecision.GIVEN: _l("Given"),
    ConsentDecision.REFUSED: _l("Refused"),
    ConsentDecision.WITHDRAWN: _l("Withdrawn"),
}


class ConsentGiver(LabelledEnum):
    """Who decided (domain.md §7 "Consent given by")."""

    SURVIVOR = "survivor"
    CAREGIVER = "caregiver"
    TRUSTED_ADULT = "trusted_adult"
    CASEWORKER_BEST_INTEREST = "caseworker_best_interest"


ConsentGiver.LABELS = {
    ConsentGiver.SURVIVOR: _l("The survivor"),
    ConsentGiver.CAREGIVER: _l("Her caregiver"),
    ConsentGiver.TRUSTED_ADULT: _l("Another trusted adult"),
    ConsentGiver.CASEWORKER_BEST_INTEREST: _l("The caseworker, in the child's best interest"),
}


class ChildAssent(LabelledEnum):
    """The child's own assent, asked beside the adult's consent (Caring for Child
    Survivors: a child under 6 gives no formal assent)."""

    GIVEN = "given"
    NOT_GIVEN = "not_given"
    TOO_YOUNG = "too_young"


ChildAssent.LABELS = {
    ChildAssent.GIVEN: _l("The child agreed"),
    ChildAssent.NOT_GIVEN: _l("The child did not agree"),
    ChildAssent.TOO_YOUNG: _l("Too young to assent (explained in simple words)"),
}


class ConsentMethod(LabelledEnum):
    VERBAL = "verbal"
    WRITTEN = "written"


ConsentMethod.LABELS = {
    ConsentMethod.VERBAL: _l("Verbal"),
    ConsentMethod.WRITTEN: _l("Written (signed form)"),
}


class Consent(CaseChild, TimestampMixin, db.Model):
    """One consent decision. Plain columns are codes and dates only; the remark, which
    a caseworker writes freely, is encrypted."""

    __tablename__ = "case_consents"
    __table_args__ = (
        # Two saves from forms loaded on the same history cannot both take the next
        # number: the second is refused as stale instead of silently replacing the first.
        UniqueConstraint("case_id", "seq", name="uq_case_consents_case_id_seq"),
        Index("ix_case_consents_case_kind_seq", "case_id", "kind", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind, 20))
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision, 20))
    # Release only: service-type codes and organisation ids in force after this row.
    service_types: Mapped[list | None] = mapped_column(JSON)
    organisation_ids: Mapped[list | None] = mapped_column(JSON)
    given_by: Mapped[ConsentGiver | None] = mapped_column(str_enum(ConsentGiver, 30))
    child_assent: Mapped[ChildAssent | None] = mapped_column(str_enum(ChildAssent, 20))
    method: Mapped[ConsentMethod | None] = mapped_column(str_enum(ConsentMethod, 10))
    mandatory_reporting_explained: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    given_on: Mapped[date | None]

    remark_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    remark = encrypted(U.NOTES)

    recorded_by = relationship("User", lazy="select")

    @property
    def scope_types(self) -> list[str]:
        return list(self.service_types or [])

    @property
    def scope_organisation_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(v) for v in self.organisation_ids or []]
