"""Write, seal and verify the audit chain (docs/audit.md).

An event is inserted unsealed in the caller's transaction, with no lock on any shared
row: the action and its audit entry commit or fail together, and no request waits for
another's commit. The chain is made afterwards by one sealer at a time (a PostgreSQL
advisory lock; SQLite's write lock), in short transactions of its own: each unsealed
entry, in insert order, gets the next `seq`, the previous entry's hash and
entry_hash = HMAC-SHA-256(audit key, canonical JSON of the entry's fields, seq and
prev_hash included). Requests seal after they commit (`seal_after_request`);
`flask audit seal` and verification pick up stragglers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta

from flask import current_app, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event as orm_event
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from referral.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from referral.crypto.keyring import KeyringError
from referral.db import utcnow
from referral.dbsetup import writing_unit
from referral.extensions import db

# One sealer at a time, across every process: the key of the PostgreSQL advisory lock.
SEAL_LOCK_KEY = 0x61756469  # "audi"
SEAL_BATCH = 500
# Verification calls an unsealed entry older than this a fault: sealing is not running.
UNSEALED_GRACE = timedelta(minutes=1)

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
    """Add one unsealed event inside the current transaction (flush, no commit)."""
    actor = actor if actor is not None else _actor()
    clean = _clean_detail(detail)
    event = AuditEvent(
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
    )
    db.session.add(event)
    db.session.flush()
    if has_app_context():
        g._audit_unsealed = True
    return event


# --- sealing ---------------------------------------------------------------------------


def _take_seal_lock(*, wait: bool) -> bool:
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        if wait:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEAL_LOCK_KEY})
            return True
        return bool(
            session.execute(
                text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SEAL_LOCK_KEY}
            ).scalar()
        )
    # SQLite: a write takes the database's write lock before the tip is read, so two
    # sealers cannot both read the same tip.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq))
    return True


def seal_now(*, wait: bool = True, batch: int = SEAL_BATCH) -> int | None:
    """Seal up to `batch` unsealed entries inside the current transaction (flush, no
    commit); how many, or None when it could not: another sealer holds the lock
    (`wait=False`), or the head row is gone (verification reports that; the sealer never
    invents a new tip)."""
    if not _take_seal_lock(wait=wait):
        return None
    session = db.session
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        return None
    pending = list(
        session.execute(
            select(AuditEvent)
            .where(AuditEvent.seq.is_(None))
            .order_by(AuditEvent.id)
            .limit(batch)
            .execution_options(populate_existing=True)
        ).scalars()
    )
    if not pending:
        return 0
    key_id, key = _keyring().active_key("audit")
    seq, prev = head.last_seq, head.last_hash
    for event in pending:
        seq += 1
        event.seq, event.key_id, event.prev_hash = seq, key_id, prev
        event.entry_hash = prev = compute_hash(key, event)
    head.last_seq, head.last_hash = seq, prev
    session.flush()
    return len(pending)


def _has_unsealed() -> bool:
    return (
        db.session.execute(select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1)).first()
        is not None
    )


def seal_pending(*, wait: bool = False, max_batches: int = 50) -> int:
    """Seal what is waiting, each batch in its own short, committed transaction. Only
    for the owner of a unit of work, after its commit (request teardown, CLI).

    Never waits for another sealer (unless `wait`): when the lock is taken, its holder
    seals our entries, because every sealer looks again for unsealed entries after it
    has let the lock go, and ours were committed before we tried the lock."""
    total = 0
    for _ in range(max_batches):
        sealed = seal_now(wait=wait)
        db.session.commit()
        if sealed is None:
            break
        total += sealed
        if not _has_unsealed():
            break
    db.session.rollback()
    return total


def seal_after_request(_error=None) -> None:
    """Teardown: have the entries this request wrote sealed, once its unit of work is
    over. Deployed, a sealer thread of this process does it a moment later, so that the
    request does no sealing work and one batch seals many requests' entries
    (AUDIT_SEAL_IN_BACKGROUND); otherwise (tests) here and now, and only when the
    session holds nothing uncommitted: a view that flushed and did not commit (or a
    test's unit of work around a request) is never committed here."""
    if not g.pop("_audit_unsealed", False):
        return
    if current_app.config.get("AUDIT_SEAL_IN_BACKGROUND"):
        _background_sealer(current_app._get_current_object()).poke()
        return
    if db.session.info.get(_UNCOMMITTED):
        return
    try:
        seal_pending()
    except Exception as error:  # the request is done; `flask audit seal` catches up
        db.session.rollback()
        current_app.logger.warning("audit sealing deferred: %s", type(error).__name__)


class BackgroundSealer:
    """One thread per process that seals soon after it is poked, gathering what was
    committed meanwhile into one batch. If the process dies first, the next sealer of
    any process, `flask audit seal` or verification seal what it left."""

    COALESCE_SECONDS = 0.05

    def __init__(self, app):
        self.app = app
        self.wake = threading.Event()
        self.pid: int | None = None
        self.thread: threading.Thread | None = None
        self.stopping = False
        self._start_lock = threading.Lock()

    def poke(self) -> None:
        if self.pid != os.getpid():  # first use in this (possibly forked) process
            with self._start_lock:
                if self.pid != os.getpid():
                    self.wake = threading.Event()
                    self.thread = threading.Thread(
                        target=self._run, name="audit-sealer", daemon=True
                    )
                    self.thread.start()
                    self.pid = os.getpid()
        self.wake.set()

    def stop(self) -> None:
        """Finish the pass under way and end the thread (an app being torn down)."""
        self.stopping = True
        self.wake.set()
        if self.thread is not None and self.pid == os.getpid():
            self.thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            self.wake.wait()
            if self.stopping:
                return
            time.sleep(self.COALESCE_SECONDS)
            self.wake.clear()
            with self.app.app_context(), writing_unit():
                try:
                    seal_pending()
                except Exception as error:  # next poke, `flask audit seal` or verify
                    db.session.rollback()
                    self.app.logger.warning("audit sealing deferred: %s", type(error).__name__)
                finally:
                    db.session.remove()


_SEALERS: dict[int, BackgroundSealer] = {}
_SEALERS_LOCK = threading.Lock()


def stop_background_sealer(app) -> None:
    with _SEALERS_LOCK:
        sealer = _SEALERS.pop(id(app), None)
    if sealer is not None:
        sealer.stop()


def _background_sealer(app) -> BackgroundSealer:
    with _SEALERS_LOCK:
        sealer = _SEALERS.get(id(app))
        if sealer is None:
            sealer = _SEALERS[id(app)] = BackgroundSealer(app)
        return sealer


_UNCOMMITTED = "audit_uncommitted_flush"


@orm_event.listens_for(Session, "after_flush")
def _note_flush(session, _context) -> None:
    session.info[_UNCOMMITTED] = True


@orm_event.listens_for(Session, "after_commit")
@orm_event.listens_for(Session, "after_rollback")
def _note_end(session) -> None:
    session.info.pop(_UNCOMMITTED, None)


# --- verification ----------------------------------------------------------------------

REASONS = (
    "missing",  # a sequence number is missing or out of order
    "broken_link",  # prev_hash is not the previous entry's hash
    "altered",  # the entry's hash does not match its content
    "unknown_key",  # sealed with a key id the key ring does not hold
    "head_missing",  # the chain's head row is gone
    "head_mismatch",  # the chain ends before (or differs from) its head row
    "truncated",  # a checkpoint names an entry the chain no longer has
    "rewritten",  # a checkpointed entry has another hash now
    "checkpoint_invalid",  # a checkpoint line is unreadable or its signature is wrong
    "unsealed",  # entries older than a minute were never sealed
)


@dataclass
class VerifyResult:
    checked: int
    first_bad_seq: int | None
    reason: str | None
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints: int = 0
    unsealed: int = 0
    detail: dict | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def verify_chain(batch: int = 5000, checkpoints=None) -> VerifyResult:
    """Seal stragglers, then recompute every link of the sealed chain and compare it
    with the head row and with the checkpoints kept outside the database (a list of
    `checkpoints.Checkpoint`, or None to read the configured file). Detects edits,
    deletions, insertions, reordering, and, against a checkpoint, truncation and
    rollback. Seals in the caller's transaction: the caller commits."""
    from referral.audit import checkpoints as cps

    seal_now(wait=True, batch=10**9)
    try:
        marks = cps.read_checkpoints() if checkpoints is None else checkpoints
    except cps.CheckpointError as error:
        return VerifyResult(
            0, None, "checkpoint_invalid", detail={"line": error.line, "why": error.why}
        )
    result = _walk(batch, {mark.seq for mark in marks})
    result.checkpoints = len(marks)
    if result.ok:
        result = _compare_checkpoints(result, marks)
    if result.ok:
        stale = db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.seq.is_(None), AuditEvent.occurred_at < utcnow() - UNSEALED_GRACE)
        ).scalar_one()
        if stale:
            result.reason, result.unsealed = "unsealed", stale
    return result


def _walk(batch: int, marked: set[int]) -> VerifyResult:
    ring = _keyring()
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    hashes: dict[int, str] = {}
    table = AuditEvent.__table__
    while True:
        # Core rows, not ORM objects: a million-entry chain must not fill the identity map.
        rows = db.session.execute(
            select(table).where(table.c.seq >= expected_seq).order_by(table.c.seq).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            bad = None
            if event.seq != expected_seq:
                bad, at = "missing", expected_seq
            elif event.prev_hash != expected_prev:
                bad, at = "broken_link", event.seq
            else:
                try:
                    key = ring.get(event.key_id or "")
                except KeyringError:
                    bad, at = "unknown_key", event.seq
                else:
                    if not hmac.compare_digest(compute_hash(key, event), event.entry_hash or ""):
                        bad, at = "altered", event.seq
            if bad:
                return VerifyResult(checked, at, bad, *_range(checked))
            if event.seq in marked:
                hashes[event.seq] = event.entry_hash
            expected_prev = event.entry_hash
            expected_seq += 1
            checked += 1
    result = VerifyResult(checked, None, None, *_range(checked), detail={"hashes": hashes})
    head = db.session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        result.first_bad_seq, result.reason = checked + 1, "head_missing"
    elif head.last_seq != checked or head.last_hash != expected_prev:
        result.first_bad_seq, result.reason = min(checked, head.last_seq) + 1, "head_mismatch"
    return result


def _range(checked: int) -> tuple[int | None, int | None]:
    return (1, checked) if checked else (None, None)


def _compare_checkpoints(result: VerifyResult, marks) -> VerifyResult:
    hashes = (result.detail or {}).pop("hashes", {})
    for mark in sorted(marks, key=lambda m: m.seq):
        if mark.seq > result.checked:
            result.first_bad_seq, result.reason = result.checked + 1, "truncated"
            result.detail = {"checkpoint_seq": mark.seq}
            return result
        if not hmac.compare_digest(hashes.get(mark.seq, ""), mark.entry_hash):
            result.first_bad_seq, result.reason = mark.seq, "rewritten"
            result.detail = {"checkpoint_seq": mark.seq}
            return result
    result.detail = None
    return result


def recent_events(limit: int = 100, before_id: int | None = None) -> list[AuditEvent]:
    """Newest first, in insert order (unsealed entries included)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.execute(query).scalars())


def count_events(action: str, *, hours: int) -> int:
    since = utcnow() - timedelta(hours=hours)
    return db.session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.occurred_at >= since)
    ).scalar_one()
