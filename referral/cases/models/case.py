"""The case core: the case record (intake identity, contact, the plain statistics fields),
its data key, its blind-index values, its assignments and its timeline events.

Identifying fields exist only as ciphertext (`*_ct`); each declares its field unit
(grants.FIELD_UNITS), the piece of the case a grant may cover on its own. The plain
columns hold only what GBVIMS statistics need, no finer (age band, not age; rayon, not
village).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from referral.crypto import grants as U
from referral.crypto.fields import Ciphertext, EncryptedModel, encrypted
from referral.db import LabelledEnum, TimestampMixin, UUIDPrimaryKey, str_enum, utcnow
from referral.extensions import db


class CaseStatus(LabelledEnum):
    OPEN = "open"
    CLOSURE_REQUESTED = "closure_requested"  # waiting for a supervisor's approval
    CLOSED = "closed"
    ERASED = "erased"


CaseStatus.LABELS = {
    CaseStatus.OPEN: _l("Open"),
    CaseStatus.CLOSURE_REQUESTED: _l("Awaiting closure approval"),
    CaseStatus.CLOSED: _l("Closed"),
    CaseStatus.ERASED: _l("Erased"),
}
STATUS_LABELS = CaseStatus.LABELS


class ErasureReason(LabelledEnum):
    SURVIVOR_REQUEST = "survivor_request"
    RETENTION_EXPIRED = "retention_expired"
    ENTERED_IN_ERROR = "entered_in_error"
    SAFETY = "safety"


ErasureReason.LABELS = {
    ErasureReason.SURVIVOR_REQUEST: _l("The survivor asked for her data to be erased"),
    ErasureReason.RETENTION_EXPIRED: _l("The retention period has ended"),
    ErasureReason.ENTERED_IN_ERROR: _l("The case was entered in error"),
    ErasureReason.SAFETY: _l("Keeping the data would endanger the survivor"),
}
ERASURE_LABELS = ErasureReason.LABELS


class ReferralSource(LabelledEnum):
    """How the survivor came to the crisis centre."""

    SELF = "self"
    POLICE = "police"
    HEALTH = "health"
    COMMITTEE = "committee"
    HOTLINE = "hotline"
    OTHER = "other"


ReferralSource.LABELS = {
    ReferralSource.SELF: _l("On her own"),
    ReferralSource.POLICE: _l("Police"),
    ReferralSource.HEALTH: _l("Health care"),
    ReferralSource.COMMITTEE: _l("Prevention committee"),
    ReferralSource.HOTLINE: _l("Hotline"),
    ReferralSource.OTHER: _l("Other"),
}


class Sex(LabelledEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


Sex.LABELS = {Sex.FEMALE: _l("Female"), Sex.MALE: _l("Male"), Sex.UNKNOWN: _l("Not known")}


class AgeBand(LabelledEnum):
    """GBVIMS age bands (domain.md §2.2); a child is under 18."""

    A0_11 = "0-11"
    A12_17 = "12-17"
    A18_25 = "18-25"
    A26_40 = "26-40"
    A41_60 = "41-60"
    A61 = "61+"
    UNKNOWN = "unknown"

    @classmethod
    def for_age(cls, age: int | None) -> AgeBand:
        if age is None or age < 0:
            return cls.UNKNOWN
        for limit, band in ((11, cls.A0_11), (17, cls.A12_17), (25, cls.A18_25)):
            if age <= limit:
                return band
        if age <= 40:
            return cls.A26_40
        return cls.A41_60 if age <= 60 else cls.A61

    @property
    def is_child(self) -> bool:
        return self in (AgeBand.A0_11, AgeBand.A12_17)


AgeBand.LABELS = {
    AgeBand.A0_11: _l("0–11"),
    AgeBand.A12_17: _l("12–17"),
    AgeBand.A18_25: _l("18–25"),
    AgeBand.A26_40: _l("26–40"),
    AgeBand.A41_60: _l("41–60"),
    AgeBand.A61: _l("61 and older"),
    AgeBand.UNKNOWN: _l("Not known"),
}


class Disability(LabelledEnum):
    NONE = "none"
    MENTAL = "mental"
    PHYSICAL = "physical"
    BOTH = "both"
    UNKNOWN = "unknown"


Disability.LABELS = {
    Disability.NONE: _l("None"),
    Disability.MENTAL: _l("Mental"),
    Disability.PHYSICAL: _l("Physical"),
    Disability.BOTH: _l("Mental and physical"),
    Disability.UNKNOWN: _l("Not known"),
}


class MaritalStatus(LabelledEnum):
    SINGLE = "single"
    MARRIED = "married"  # or cohabiting, including unregistered (nikah only)
    DIVORCED = "divorced"  # or separated
    WIDOWED = "widowed"
    UNKNOWN = "unknown"


MaritalStatus.LABELS = {
    MaritalStatus.SINGLE: _l("Single"),
    MaritalStatus.MARRIED: _l("Married or living together"),
    MaritalStatus.DIVORCED: _l("Divorced or separated"),
    MaritalStatus.WIDOWED: _l("Widowed"),
    MaritalStatus.UNKNOWN: _l("Not known"),
}


class Displacement(LabelledEnum):
    RESIDENT = "resident"
    INTERNAL_MIGRANT = "internal_migrant"
    RETURNED_MIGRANT = "returned_migrant"  # returned labour migrant
    REFUGEE = "refugee"
    STATELESS = "stateless"
    FOREIGN_NATIONAL = "foreign_national"
    UNKNOWN = "unknown"


Displacement.LABELS = {
    Displacement.RESIDENT: _l("Resident"),
    Displacement.INTERNAL_MIGRANT: _l("Moved from another region of Kyrgyzstan"),
    Displacement.RETURNED_MIGRANT: _l("Returned labour migrant"),
    Displacement.REFUGEE: _l("Refugee or asylum seeker"),
    Displacement.STATELESS: _l("Stateless"),
    Displacement.FOREIGN_NATIONAL: _l("Foreign national"),
    Displacement.UNKNOWN: _l("Not known"),
}


class ContactMethod(LabelledEnum):
    """How the survivor can be reached safely (stored encrypted: it says how to reach her)."""

    CALL = "call"
    SMS = "sms"
    MESSENGER = "messenger"
    TRUSTED_PERSON = "trusted_person"
    IN_PERSON = "in_person"


ContactMethod.LABELS = {
    ContactMethod.CALL: _l("Phone call"),
    ContactMethod.SMS: _l("Text message"),
    ContactMethod.MESSENGER: _l("Messenger app"),
    ContactMethod.TRUSTED_PERSON: _l("Through a trusted person"),
    ContactMethod.IN_PERSON: _l("Only in person at the centre"),
}


class RiskLevel(LabelledEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


RiskLevel.LABELS = {
    RiskLevel.LOW: _l("Low"),
    RiskLevel.MEDIUM: _l("Medium"),
    RiskLevel.HIGH: _l("High"),
}


class Case(EncryptedModel, UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        # Keyset pagination: (scope column, updated_at, id) so that any page is one index
        # range scan, whatever its depth.
        Index("ix_cases_org_updated_id", "organisation_id", "updated_at", "id"),
        Index("ix_cases_owner_updated_id", "owner_id", "updated_at", "id"),
        # Statistics: cases opened in a period (migration 0014).
        Index("ix_cases_created_at", "created_at"),
    )

    case_code: Mapped[str] = mapped_column(String(20), unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, 20), default=CaseStatus.OPEN)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    erased_at: Mapped[datetime | None]
    erasure_reason: Mapped[ErasureReason | None] = mapped_column(str_enum(ErasureReason, 30))

    # Intake, plain.
    referral_source: Mapped[ReferralSource | None] = mapped_column(str_enum(ReferralSource, 20))
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)

    # Statistics fields, plain and no finer than GBVIMS needs.
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, 10))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, 10))
    disability: Mapped[Disability | None] = mapped_column(str_enum(Disability, 10))
    marital_status: Mapped[MaritalStatus | None] = mapped_column(str_enum(MaritalStatus, 10))
    displacement: Mapped[Displacement | None] = mapped_column(str_enum(Displacement, 20))
    residence_location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("locations.id"), index=True
    )

    # The current risk, copied from the latest risk assessment for lists and filters.
    risk_level: Mapped[RiskLevel | None] = mapped_column(str_enum(RiskLevel, 10))
    immediate_danger: Mapped[bool] = mapped_column(Boolean, default=False)

    # Closure (the closure service keeps these; the approval is the supervisor's).
    closure_reason: Mapped[str | None] = mapped_column(String(30))
    closure_checklist: Mapped[list | None] = mapped_column(JSON)
    closure_requested_at: Mapped[datetime | None]
    closure_requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    full_name_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    birth_date_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    estimated_age_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    phone_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safe_contact_method_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    safe_times_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    address_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    caregiver_name_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    caregiver_relationship_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    caregiver_phone_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    accompanying_children_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    note_ct: Mapped[bytes | None] = mapped_column(Ciphertext())

    full_name = encrypted(U.NAME)
    birth_date = encrypted(U.AGE, kind="date")
    estimated_age = encrypted(U.AGE, kind="int")
    phone = encrypted(U.CONTACT)
    safe_contact_method = encrypted(U.CONTACT)
    safe_times = encrypted(U.CONTACT)
    address = encrypted(U.ADDRESS)
    caregiver_name = encrypted(U.CAREGIVER)
    caregiver_relationship = encrypted(U.CAREGIVER)
    caregiver_phone = encrypted(U.CAREGIVER)
    accompanying_children = encrypted(U.CHILDREN)
    note = encrypted(U.NOTES)

    key: Mapped[CaseKey | None] = relationship(
        back_populates="case", uselist=False, cascade="all, delete-orphan", lazy="select"
    )
    owner = relationship("User", foreign_keys=[owner_id], lazy="select")
    assignments: Mapped[list[CaseAssignment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", lazy="select"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    def encryption_case_id(self) -> uuid.UUID:
        return self.id

    def encryption_key_record(self):
        return self.key

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def is_closed(self) -> bool:
        return self.status in (CaseStatus.CLOSED, CaseStatus.ERASED)

    @property
    def is_child(self) -> bool:
        return self.age_band is not None and self.age_band.is_child

    def __repr__(self) -> str:  # ids and codes only: never a decrypted value
        return f"<Case {self.id} {self.case_code} {self.status}>"


class CaseKey(db.Model):
    """The case's data key, wrapped by a KEK (AES-256-KW). Deleting the row is the shred."""

    __tablename__ = "case_keys"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(20), index=True)
    wrapped_dek: Mapped[bytes] = mapped_column(LargeBinary(40))
    key_check: Mapped[bytes] = mapped_column(LargeBinary(16))
    generation: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rewrapped_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship(back_populates="key")

    def __repr__(self) -> str:
        return f"<CaseKey {self.case_id} {self.kek_id}>"


class CaseSearchIndex(db.Model):
    """Blind-index values of a case: per index name and key version, one row per value
    (a name typed in Latin has a value for each of its readings)."""

    __tablename__ = "case_search_index"
    __table_args__ = (Index("ix_case_search_index_lookup", "name", "key_id", "value"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)

    def __repr__(self) -> str:
        return f"<CaseSearchIndex {self.case_id} {self.name} {self.key_id}>"


class CaseAssignment(db.Model):
    """A caseworker of the case's centre assigned to it besides its owner."""

    __tablename__ = "case_assignments"
    __table_args__ = (Index("ix_case_assignments_user_case", "user_id", "case_id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    assigned_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="assignments")
    user = relationship("User", foreign_keys=[user_id], lazy="select")

    def __repr__(self) -> str:
        return f"<CaseAssignment {self.case_id} {self.user_id}>"


class CaseEvent(UUIDPrimaryKey, db.Model):
    """One line of the case timeline: what happened, when, by whom, to which record.
    Codes and ids only (detail holds plain codes, never a value the survivor gave)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[uuid.UUID | None]
    detail: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User", lazy="select")

    def __repr__(self) -> str:
        return f"<CaseEvent {self.case_id} {self.kind}>"


class CaseChild(EncryptedModel, UUIDPrimaryKey):
    """A record that belongs to one case: encrypted with the case's data key, erased with
    the case (service.erasure deletes every CaseChild table's rows of the case), and
    versioned for optimistic locking."""

    @declared_attr
    def case_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("cases.id"), index=True)

    @declared_attr
    def case(cls) -> Mapped[Case]:
        return relationship(Case, lazy="select")

    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.lock_version}

    def encryption_case_id(self) -> uuid.UUID:
        return self.case_id

    def encryption_key_record(self):
        return self.case.key

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} of case {self.case_id}>"


def case_child_models() -> list[type]:
    """Every mapped CaseChild subclass, children before the parents they point to (the
    order to delete them in)."""
    tables = {m.class_.__table__: m.class_ for m in db.Model.registry.mappers}
    ordered = [t for t in reversed(db.metadata.sorted_tables) if t in tables]
    return [tables[t] for t in ordered if issubclass(tables[t], CaseChild)]
