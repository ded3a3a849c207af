"""Key metadata kept in the database: which blind-index key versions exist and in what
state. Keys themselves never are (they live in the key files)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from referral.db import str_enum, utcnow
from referral.extensions import db


class IndexState(StrEnum):
    BACKFILL = "backfill"  # written by every writer, being filled for old rows; also searched
    ACTIVE = "active"  # written and searched
    RETIRED = "retired"  # values deleted; kept as history


class BlindIndexVersion(db.Model):
    """One blind-index key version (a `bidx-N` key id) and the bit length it uses."""

    __tablename__ = "blind_index_versions"

    key_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    bits: Mapped[int]
    state: Mapped[IndexState] = mapped_column(str_enum(IndexState, 16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<BlindIndexVersion {self.key_id} {self.bits}b {self.state}>"
