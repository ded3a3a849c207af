"""Versioned key rings loaded from files: KEKs, blind-index roots and the audit MAC key.

Layout of the keys directory (mode 0700, files 0400/0600):

    kek-1.key  kek-2.key  bidx-1.key  audit-1.key  active.json
    checkpoint-ed25519.pem  checkpoint-ed25519.pub.pem

Each ``*.key`` file holds 32 random bytes, base64-encoded. ``active.json`` names the
key of each purpose that new writes use, e.g. ``{"kek": "kek-2", "bidx": "bidx-1",
"audit": "audit-1"}``. Older keys stay in the ring so that what they protect stays
readable until it has been re-wrapped (add, roll out, then promote: see
docs/encryption.md). The two ``checkpoint-ed25519`` files are the audit checkpoints'
signing pair (referral/crypto/signing.py), not part of the ring.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PURPOSES = ("kek", "bidx", "audit")
KEY_ID_RE = re.compile(r"^(kek|bidx|audit)-([1-9][0-9]{0,5})$")
KEY_BYTES = 32


class KeyringError(RuntimeError):
    """The key material is missing, malformed or unsafely stored. The app must not start."""


def key_number(key_id: str) -> int:
    match = KEY_ID_RE.match(key_id)
    if not match:
        raise KeyringError(f"malformed key id {key_id!r}")
    return int(match.group(2))


def _decode(key_id: str, text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyringError(f"key {key_id} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"key {key_id} must be {KEY_BYTES} bytes, found {len(raw)}")
    return raw


@dataclass
class Keyring:
    """All keys the process knows, by id, and the active id of each purpose.

    Thread-safe for reads; `refresh()` picks up keys added to the directory after start,
    so that a rotation started elsewhere never makes a reader fail.
    """

    directory: Path | None
    keys: dict[str, bytes]
    active: dict[str, str]
    enforce_mode: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _refreshed_at: float = field(default_factory=time.monotonic, repr=False)

    # Writers re-read active.json at most this often, so a KEK promoted by `flask keys
    # rotate` reaches every running worker within this time without a restart.
    STALE_SECONDS = 30.0

    def __repr__(self) -> str:  # never print key bytes
        return f"Keyring(ids={sorted(self.keys)}, active={self.active})"

    @classmethod
    def from_directory(
        cls, directory: Path, *, enforce_mode: bool = False, env: dict[str, str] | None = None
    ) -> Keyring:
        keys: dict[str, bytes] = {}
        active: dict[str, str] = {}
        if directory.is_dir():
            keys, active = _read_directory(directory, enforce_mode)
        if env is not None:
            for name, value in env.items():
                if name.startswith("REFERRAL_KEY_"):
                    key_id = name.removeprefix("REFERRAL_KEY_").lower().replace("_", "-")
                    key_number(key_id)
                    keys[key_id] = _decode(key_id, value)
            for purpose in PURPOSES:
                if env.get(f"REFERRAL_ACTIVE_{purpose.upper()}"):
                    active[purpose] = env[f"REFERRAL_ACTIVE_{purpose.upper()}"]
        ring = cls(directory=directory, keys=keys, active=active, enforce_mode=enforce_mode)
        ring.check()
        return ring

    def check(self) -> None:
        if not self.keys:
            raise KeyringError(
                f"no keys found in {self.directory}; create development keys with "
                "`python -m referral.crypto.keygen <dir>` or mount the production key files"
            )
        for purpose in PURPOSES:
            key_id = self.active.get(purpose)
            if not key_id:
                raise KeyringError(f"no active {purpose} key named in active.json")
            if not key_id.startswith(purpose + "-") or key_id not in self.keys:
                raise KeyringError(f"active {purpose} key {key_id!r} is not in the key ring")

    def get(self, key_id: str) -> bytes:
        key = self.keys.get(key_id)
        if key is None:
            self.refresh()
            key = self.keys.get(key_id)
        if key is None:
            raise KeyringError(f"unknown key id {key_id!r}")
        return key

    def active_id(self, purpose: str) -> str:
        return self.active[purpose]

    def active_key(self, purpose: str) -> tuple[str, bytes]:
        key_id = self.active[purpose]
        return key_id, self.get(key_id)

    def ids(self, purpose: str) -> list[str]:
        return sorted((k for k in self.keys if k.startswith(purpose + "-")), key=key_number)

    def refresh(self) -> None:
        """Re-read the directory: new keys join the ring and active.json is followed."""
        if self.directory is None or not self.directory.is_dir():
            return
        keys, active = _read_directory(self.directory, self.enforce_mode)
        with self._lock:
            self.keys.update(keys)
            if all(active.get(p) in self.keys for p in PURPOSES):
                self.active = active
            self._refreshed_at = time.monotonic()

    def refresh_if_stale(self) -> None:
        if time.monotonic() - self._refreshed_at > self.STALE_SECONDS:
            self.refresh()


def _read_directory(directory: Path, enforce_mode: bool) -> tuple[dict[str, bytes], dict[str, str]]:
    keys: dict[str, bytes] = {}
    for path in sorted(directory.glob("*.key")):
        key_id = path.stem
        key_number(key_id)
        if enforce_mode:
            _check_mode(path)
        keys[key_id] = _decode(key_id, path.read_text())
    active_path = directory / "active.json"
    active: dict[str, str] = {}
    if active_path.exists():
        try:
            active = json.loads(active_path.read_text())
        except json.JSONDecodeError as exc:
            raise KeyringError(f"{active_path} is not valid JSON") from exc
        if not isinstance(active, dict):
            raise KeyringError(f"{active_path} must map purposes to key ids")
    return keys, active


def _check_mode(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyringError(
            f"key file {path} is accessible to group or others (mode {oct(mode & 0o777)}); "
            "chmod 0400 it"
        )


def write_key_file(directory: Path, key_id: str) -> Path:
    """Create a new random key file; refuses to overwrite an existing key."""
    key_number(key_id)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{key_id}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(os.urandom(KEY_BYTES)).decode() + "\n")
    return path


def write_active(directory: Path, active: dict[str, str]) -> None:
    """Atomically replace active.json, so a reader never sees half a file."""
    tmp = directory / "active.json.tmp"
    tmp.write_text(json.dumps(active, indent=2, sort_keys=True) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, directory / "active.json")
