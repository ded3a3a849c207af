"""The case record (minimal: intake identity, contact and a note), its data key and its
blind-index values. Identifying fields exist only as ciphertext (`*_ct`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.crypto.fields import Ciphertext, EncryptedModel, encrypted
from referral.crypto.grants import CONTACT, IDENTITY, NARRATIVE
from referral.db import TimestampMixin, UUIDPrimaryKey, str_enum, utcnow
from referral.extensions import db


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ERASED = "erased"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    CaseStatus.OPEN: _l("Open"),
    CaseStatus.CLOSED: _l("Closed"),
    CaseStatus.ERASED: _l("Erased"),
}


class ErasureReason(StrEnum):
    SURVIVOR_REQUEST = "survivor_request"
    RETENTION_EXPIRED = "retention_expired"
    ENTERED_IN_ERROR = "entered_in_error"
    SAFETY = "safety"

    @property
    def label(self) -> str:
        return str(ERASURE_LABELS[self])


ERASURE_LABELS = {
    ErasureReason.SURVIVOR_REQUEST: _l("The survivor asked for her data to be erased"),
    ErasureReason.RETENTION_EXPIRED: _l("The retention period has ended"),
    ErasureReason.ENTERED_IN_ERROR: _l("The case was entered in error"),
    ErasureReason.SAFETY: _l("Keeping the data would endanger the survivor"),
}


class Case(EncryptedModel, UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_organisation_id_updated_at", "organisation_id", "updated_at"),
        Index("ix_cases_owner_id_updated_at", "owner_id", "updated_at"),
    )

    case_code: Mapped[str] = mapped_column(String(20), unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, 16), default=CaseStatus.OPEN)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    erased_at: Mapped[datetime | None]
    erasure_reason: Mapped[ErasureReason | None] = mapped_column(str_enum(ErasureReason, 30))

    full_name_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    birth_date_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    phone_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
    note_ct: Mapped[bytes | None] = mapped_column(Ciphertext())

    full_name = encrypted(IDENTITY)
    birth_date = encrypted(IDENTITY, kind="date")
    phone = encrypted(CONTACT)
    note = encrypted(NARRATIVE)

    key: Mapped[CaseKey | None] = relationship(
        back_populates="case", uselist=False, cascade="all, delete-orphan", lazy="select"
    )
    owner = relationship("User", lazy="select")

    __mapper_args__ = {"version_id_col": lock_version}

    def encryption_case_id(self) -> uuid.UUID:
        return self.id

    def encryption_key_record(self):
        return self.key

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

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
    """Blind-index values of a case: one row per (index name, index key version)."""

    __tablename__ = "case_search_index"
    __table_args__ = (Index("ix_case_search_index_lookup", "name", "key_id", "value"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<CaseSearchIndex {self.case_id} {self.name} {self.key_id}>"
