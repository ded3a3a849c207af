"""Checkpoints of the audit chain kept outside the database.

A hash chain alone cannot show that its newest entries were cut off, or that the whole
database was restored from an old backup: whoever can delete rows can also move the
head row. So `flask audit checkpoint` (run by hand and on a schedule, see docs/audit.md)
appends the sealed tip (sequence number, entry hash, time) as one JSON line to a file
in AUDIT_CHECKPOINT_DIR, a directory that should live on another volume or host and be
append-only. Each line is signed: HMAC-SHA-256 under the active audit key (from the key
directory, never in the database), domain-separated from the chain's own MACs.
Verification then requires every checkpointed entry to still be there with the same
hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.crypto.keyring import KeyringError
from referral.db import utcnow
from referral.extensions import db

FILE_NAME = "audit-checkpoints.jsonl"
_DOMAIN = b"referral-audit-checkpoint-v1\x00"


class CheckpointError(RuntimeError):
    """The checkpoint file has a line that is unreadable or not signed by our key."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    at: str
    key_id: str

    def payload(self) -> bytes:
        fields = {"seq": self.seq, "hash": self.entry_hash, "at": self.at, "key_id": self.key_id}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_dir() -> Path | None:
    """The configured directory (relative paths under instance/), or None when off."""
    configured = current_app.config.get("AUDIT_CHECKPOINT_DIR")
    if not configured:
        return None
    path = Path(configured)
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def _mac(key: bytes, mark: Checkpoint) -> str:
    return hmac.new(key, _DOMAIN + mark.payload(), hashlib.sha256).hexdigest()


def _keyring():
    return current_app.extensions["referral_keyring"]


def write_checkpoint() -> Checkpoint | None:
    """Append the sealed chain's tip to the checkpoint file; None if the chain is empty.
    Seal first (the caller commits), so the tip is as recent as it can be."""
    directory = checkpoint_dir()
    if directory is None:
        raise CheckpointError("AUDIT_CHECKPOINT_DIR is not set")
    tip = db.session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if tip is None:
        return None
    key_id, key = _keyring().active_key("audit")
    at = utcnow().astimezone(UTC).isoformat(timespec="seconds")
    mark = Checkpoint(seq=tip.seq, entry_hash=tip.entry_hash, at=at, key_id=key_id)
    line = json.loads(mark.payload())
    line["mac"] = _mac(key, mark)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_APPEND: one write per line, never a rewrite of what is there.
    fd = os.open(directory / FILE_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return mark


def read_checkpoints() -> list[Checkpoint]:
    """Every checkpoint in the file, each signature checked; [] when none is configured
    or written yet. Raises CheckpointError naming the first bad line."""
    directory = checkpoint_dir()
    if directory is None or not (directory / FILE_NAME).exists():
        return []
    ring = _keyring()
    marks = []
    text = (directory / FILE_NAME).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            mark = Checkpoint(
                seq=int(data["seq"]),
                entry_hash=str(data["hash"]),
                at=str(data["at"]),
                key_id=str(data["key_id"]),
            )
            datetime.fromisoformat(mark.at)
            key = ring.get(mark.key_id)
        except (ValueError, KeyError, TypeError, KeyringError):
            raise CheckpointError("unreadable checkpoint", number) from None
        if not hmac.compare_digest(_mac(key, mark), str(data.get("mac", ""))):
            raise CheckpointError("checkpoint signature does not match", number)
        marks.append(mark)
    return marks
