"""Audit events and the single-row chain head that only the sealer touches."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referral.db import utcnow
from referral.extensions import db

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """One event. Identifiers only: never names, phones, narrative or passwords.

    Written unsealed (`seq`, `key_id`, `prev_hash` and `entry_hash` empty) in the
    transaction of the action it records; the sealer gives it its place in the chain
    afterwards (see service.py and docs/audit.md). `id` only orders the inserts: a
    rolled-back transaction leaves a gap in it, never in `seq`.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), unique=True, index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="success")
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_org_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    request_id: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    key_id: Mapped[str | None] = mapped_column(String(20))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))

    @property
    def is_sealed(self) -> bool:
        return self.seq is not None

    def __repr__(self) -> str:
        return f"<AuditEvent {self.seq or 'unsealed'} {self.action}>"


class AuditHead(db.Model):
    """The sealed chain's tip. Only the sealer, one at a time, moves it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
