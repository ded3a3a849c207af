"""Write and verify the audit chain.

entry_hash = HMAC-SHA-256(audit key, canonical JSON of the entry's fields, prev_hash
included). Appends take a row lock on audit_head (an UPDATE first), so concurrent
writers serialise and sequence numbers stay gap-free. An event is flushed in the
caller's transaction: the action and its audit entry commit or fail together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import func, select, update

from referral.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from referral.db import utcnow
from referral.extensions import db

# Detail values are identifiers, codes and counts; free text cannot pass.
_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_.:/-]{0,80}$")


class AuditDetailError(ValueError):
    """Raised when a caller tries to put something other than identifiers in an event."""


def _clean_detail(detail: dict | None) -> dict:
    clean: dict = {}
    for key, value in (detail or {}).items():
        if not _SAFE_TOKEN.match(str(key)):
            raise AuditDetailError("audit detail keys must be identifiers")
        clean[key] = _clean_value(value)
    return clean


def _clean_value(value):
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        if not _SAFE_TOKEN.match(value):
            raise AuditDetailError("audit detail values must be identifiers or codes")
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_clean_value(v) for v in value)
    raise AuditDetailError(f"audit detail cannot hold {type(value).__name__}")


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _hashed_fields(event) -> dict:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "action": event.action,
        "outcome": event.outcome,
        "actor_user_id": str(event.actor_user_id) if event.actor_user_id else None,
        "actor_role": event.actor_role,
        "actor_org_id": str(event.actor_org_id) if event.actor_org_id else None,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "request_id": event.request_id,
        "ip": event.ip,
        "detail": event.detail or {},
        "key_id": event.key_id,
        "prev_hash": event.prev_hash,
    }


def compute_hash(key: bytes, event) -> str:
    return hmac.new(key, canonical(_hashed_fields(event)), hashlib.sha256).hexdigest()


def _keyring():
    return current_app.extensions["referral_keyring"]


def _actor():
    if actor := getattr(g, "audit_actor", None):
        return actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def record(
    action: str,
    *,
    target_type: str | None = None,
    target_id: object | None = None,
    outcome: str = "success",
    detail: dict | None = None,
    actor=None,
) -> AuditEvent:
    """Append one event to the chain inside the current transaction (flush, no commit)."""
    actor = actor if actor is not None else _actor()
    clean = _clean_detail(detail)
    key_id, key = _keyring().active_key("audit")
    session = db.session
    # UPDATE first: it takes the row lock (PostgreSQL) or the write lock (SQLite)
    # before we read the tip, so two writers cannot chain onto the same entry.
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1)
    )
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_seq=1, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    else:
        session.refresh(head)
    event = AuditEvent(
        seq=head.last_seq,
        occurred_at=utcnow(),
        action=action,
        outcome=outcome,
        actor_user_id=actor.id if actor is not None else None,
        actor_role=str(actor.role) if actor is not None else None,
        actor_org_id=actor.organisation_id if actor is not None else None,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        request_id=getattr(g, "request_id", None) if has_request_context() else None,
        ip=request.remote_addr if has_request_context() else None,
        detail=clean,
        key_id=key_id,
        prev_hash=head.last_hash,
    )
    event.entry_hash = compute_hash(key, event)
    head.last_hash = event.entry_hash
    session.add(event)
    session.flush()
    return event


@dataclass
class VerifyResult:
    checked: int
    first_bad_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_chain(batch: int = 5000) -> VerifyResult:
    """Recompute every link. Detects edits, deletions, insertions and reordering."""
    ring = _keyring()
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seen = 0
    while True:
        # Core rows, not ORM objects: a million-entry chain must not fill the identity map.
        table = AuditEvent.__table__
        rows = db.session.execute(
            select(table).where(table.c.seq > last_seen).order_by(table.c.seq).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return VerifyResult(checked, expected_seq, "missing or reordered entry")
            if event.prev_hash != expected_prev:
                return VerifyResult(checked, event.seq, "broken link")
            if not hmac.compare_digest(
                compute_hash(ring.get(event.key_id), event), event.entry_hash
            ):
                return VerifyResult(checked, event.seq, "entry altered")
            expected_prev = event.entry_hash
            expected_seq += 1
            checked += 1
            last_seen = event.seq
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return VerifyResult(checked, checked + 1, "chain shorter than its head")
    return VerifyResult(checked, None, None)


def recent_events(limit: int = 100, before_seq: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return list(db.session.execute(query).scalars())


def count_events(action: str, *, hours: int) -> int:
    since = utcnow() - timedelta(hours=hours)
    return db.session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.occurred_at >= since)
    ).scalar_one()
