"""The audit checkpoints' signing key pair (Ed25519), kept with the other keys outside
the database.

The private key signs checkpoints (`flask audit checkpoint`, on the app host); the public
key is all that `flask audit verify` needs, so a verifier (an auditor's machine, a
monitoring host) can hold it without being able to forge a checkpoint. A key is named
by its fingerprint, which every checkpoint line carries and its signature covers.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_FILE = "checkpoint-ed25519.pem"
PUBLIC_FILE = "checkpoint-ed25519.pub.pem"


class SigningKeyError(RuntimeError):
    """The checkpoint key is missing or not an Ed25519 key."""


def write_key_pair(directory: Path) -> bool:
    """Create the pair unless its private key is there. True if created. Never
    overwrites: checkpoints already written stay verifiable with the old public key."""
    private_path = directory / PRIVATE_FILE
    if private_path.exists():
        return False
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    _write(
        private_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    public_path = directory / PUBLIC_FILE
    public_path.unlink(missing_ok=True)  # a public key without its private key is stale
    _write(
        public_path,
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    return True


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"no checkpoint signing key readable at {path}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"no checkpoint public key readable at {path}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
