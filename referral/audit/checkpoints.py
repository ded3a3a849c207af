"""Checkpoints of the audit chain kept outside the database.

A hash chain alone cannot show that its newest entries were cut off, or that the whole
database was restored from an old backup: whoever can delete rows can also move the
head row. So `flask audit checkpoint` (run by hand and on a schedule, see docs/audit.md)
appends the sealed tip (sequence number, entry hash, time) as one JSON line to a file
in AUDIT_CHECKPOINT_DIR, a directory that should live on another volume or host and be
append-only. Each line is signed with Ed25519 (`referral.crypto.signing`: the private
key with the other keys, never in the database); verifying needs only the public key,
so whoever can verify cannot forge. Verification then requires every checkpointed entry
to still be there with the same hash.

Lines written before Ed25519 carry an HMAC-SHA-256 (`mac`) under an audit key of the
key ring instead; they still verify, with that key, as long as the ring holds it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from flask import current_app
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.crypto import signing
from referral.crypto.keyring import KeyringError
from referral.db import utcnow
from referral.extensions import db

FILE_NAME = "audit-checkpoints.jsonl"
_DOMAIN = b"referral-audit-checkpoint-v1\x00"  # the HMAC lines of before
_SIGNED = b"referral-audit-checkpoint-ed25519-v2\x00"


class CheckpointError(RuntimeError):
    """The checkpoint file has a line that is unreadable or not signed by our key.
    `why` is a code: unreadable, other_key, bad_signature, no_public_key, no_signing_key."""

    def __init__(self, message: str, line: int | None = None, why: str = "unreadable"):
        super().__init__(message)
        self.line = line
        self.why = why


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


def _key_path(setting: str, name: str) -> Path:
    """AUDIT_CHECKPOINT_SIGNING_KEY / _PUBLIC_KEY if set, else the file in the key ring's
    directory."""
    configured = current_app.config.get(setting)
    if configured:
        return Path(configured)
    directory = _keyring().directory or Path(current_app.instance_path) / "keys"
    return Path(directory) / name


def public_key_path() -> Path:
    return _key_path("AUDIT_CHECKPOINT_PUBLIC_KEY", signing.PUBLIC_FILE)


def signing_key_path() -> Path:
    return _key_path("AUDIT_CHECKPOINT_SIGNING_KEY", signing.PRIVATE_FILE)


def _signature(key, mark: Checkpoint) -> str:
    return base64.b64encode(key.sign(_SIGNED + mark.payload())).decode()


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
    try:
        key = signing.load_private(signing_key_path())
    except signing.SigningKeyError as error:
        raise CheckpointError(
            f"{error} (make one with `python -m referral.crypto.keygen <keys-dir>`)",
            why="no_signing_key",
        ) from None
    at = utcnow().astimezone(UTC).isoformat(timespec="seconds")
    key_id = signing.fingerprint(key.public_key())
    mark = Checkpoint(seq=tip.seq, entry_hash=tip.entry_hash, at=at, key_id=key_id)
    line = json.loads(mark.payload())
    line["sig"] = _signature(key, mark)
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
    or written yet. Raises CheckpointError naming the first bad line and why."""
    directory = checkpoint_dir()
    if directory is None or not (directory / FILE_NAME).exists():
        return []
    marks = []
    public = None
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
            signed = "sig" in data
            signature = base64.b64decode(str(data["sig"]), validate=True) if signed else None
            mac = None if signed else str(data["mac"])
        except (ValueError, KeyError, TypeError):
            raise CheckpointError("unreadable checkpoint", number) from None
        if signed:
            if public is None:
                public = _public_key(number)
            _check_signed(public, mark, signature, number)
        else:
            _check_mac(mark, mac, number)
        marks.append(mark)
    return marks


def _public_key(number: int):
    try:
        return signing.load_public(public_key_path())
    except signing.SigningKeyError as error:
        raise CheckpointError(str(error), number, why="no_public_key") from None


def _check_signed(public, mark: Checkpoint, signature: bytes, number: int) -> None:
    ours = signing.fingerprint(public)
    if mark.key_id != ours:
        raise CheckpointError(
            f"signed with another key ({mark.key_id}; ours is {ours})", number, why="other_key"
        )
    try:
        public.verify(signature, _SIGNED + mark.payload())
    except InvalidSignature:
        raise CheckpointError(
            "checkpoint signature does not match", number, why="bad_signature"
        ) from None


def _check_mac(mark: Checkpoint, mac: str, number: int) -> None:
    """A line of before Ed25519: HMAC under the ring's audit key it names."""
    try:
        key = _keyring().get(mark.key_id)
    except KeyringError:
        raise CheckpointError(
            f"signed with a key the ring does not hold ({mark.key_id})", number, why="other_key"
        ) from None
    if not hmac.compare_digest(_mac(key, mark), mac):
        raise CheckpointError("checkpoint signature does not match", number, why="bad_signature")
