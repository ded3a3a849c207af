"""Envelope encryption: per-case data keys (DEKs) wrapped by a KEK, fields sealed with
AES-256-GCM under the DEK with mandatory associated data.

Field wire format (docs/encryption.md):

    version (1) | algorithm (1) | DEK generation (2, big-endian) | nonce (12) | ciphertext+tag

The associated data binds the application, the format version, the algorithm, the table,
the column, the row id, the case id and the DEK generation, so a value copied to another
row, column or case fails authentication. It has no default: a caller must say where the
value lives.

The wrapped DEK is AES-256-KW (RFC 3394) of the DEK under a KEK, plus a 16-byte key
check HMAC(DEK, case id) that binds the DEK to its case: a wrapped key copied to another
case is refused when it is unwrapped, before any field is tried.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import threading
import uuid
from collections import Counter
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

APP_ID = b"referral"
FORMAT_V1 = 1
ALG_AES_256_GCM = 1
KNOWN = {(FORMAT_V1, ALG_AES_256_GCM)}
HEADER = struct.Struct(">BBH")
NONCE_BYTES = 12
TAG_BYTES = 16
DEK_BYTES = 32
CHECK_BYTES = 16
MIN_BLOB = HEADER.size + NONCE_BYTES + TAG_BYTES

# Successful field decryptions and key unwraps in this process: the tests count them to
# prove that roles without case access cause none.
COUNTERS: Counter[str] = Counter()
_counter_lock = threading.Lock()


def count(name: str, n: int = 1) -> None:
    with _counter_lock:
        COUNTERS[name] += n


class CryptoError(Exception):
    """Base of every error this package raises. Messages carry codes, never values."""


class DecryptionError(CryptoError):
    """A value or a wrapped key failed authentication: tampered, swapped or corrupt.

    `reason` is a short code (tag, header, generation, unwrap, check, missing) and the
    location is ids only, safe for the audit trail.
    """

    def __init__(
        self, reason: str, *, table: str = "", column: str = "", row_id=None, case_id=None
    ):
        super().__init__(f"decryption failed: {reason}")
        self.reason = reason
        self.table = table
        self.column = column
        self.row_id = row_id
        self.case_id = case_id


class KeyDestroyedError(CryptoError):
    """The case's data key was destroyed (crypto-shredding): its fields are unreadable."""

    def __init__(self, case_id=None):
        super().__init__("the data key of this case was destroyed")
        self.case_id = case_id


@dataclass(frozen=True)
class FieldContext:
    """Where a value lives. Every part goes into the associated data."""

    table: str
    column: str
    row_id: uuid.UUID
    case_id: uuid.UUID
    generation: int

    def __post_init__(self):
        if not self.table or not self.column:
            raise ValueError("associated data needs a table and a column")
        if not isinstance(self.row_id, uuid.UUID) or not isinstance(self.case_id, uuid.UUID):
            raise TypeError("row_id and case_id must be UUIDs")


def _lp(part: bytes) -> bytes:
    return struct.pack(">I", len(part)) + part


_AAD_PARTS = 7
_ID_PREFIX = _lp(b"\x00" * 16)[:4]  # row and case ids are always 16 bytes
_GENERATION_PREFIX = _lp(b"\x00\x00")[:4]
_aad_prefixes: dict[tuple[str, str, int, int], bytes] = {}


def _aad_prefix(table: str, column: str, version: int, algorithm: int) -> bytes:
    """The part of the associated data fixed by where a column lives, built once."""
    key = (table, column, version, algorithm)
    prefix = _aad_prefixes.get(key)
    if prefix is None:
        prefix = struct.pack(">I", _AAD_PARTS) + b"".join(
            _lp(p) for p in (APP_ID, bytes([version, algorithm]), table.encode(), column.encode())
        )
        if len(_aad_prefixes) < 10_000:  # a fixed set of columns; never grows without bound
            _aad_prefixes[key] = prefix
    return prefix


def associated_data(ctx: FieldContext, version: int, algorithm: int) -> bytes:
    """Canonical, length-prefixed encoding: no two contexts give the same bytes.

    Seven parts, each a 4-byte big-endian length and the bytes: the application, the
    format version and algorithm, the table, the column, the row id, the case id and the
    DEK generation (2 bytes)."""
    return b"".join(
        (
            _aad_prefix(ctx.table, ctx.column, version, algorithm),
            _ID_PREFIX,
            ctx.row_id.bytes,
            _ID_PREFIX,
            ctx.case_id.bytes,
            _GENERATION_PREFIX,
            struct.pack(">H", ctx.generation),
        )
    )


class ColumnOpener:
    """Opens values of one column (table and column fixed) row after row, for a page that
    shows the same field of many rows: the part of the associated data fixed by the
    column is built once, and each value is checked exactly as `decrypt` checks it
    (header, generation, tag under the row's own ids). Successful openings are counted
    by the caller, once per page (`count("field_decrypt", n)`)."""

    __slots__ = ("column", "prefix", "table")

    def __init__(self, table: str, column: str):
        if not table or not column:
            raise ValueError("associated data needs a table and a column")
        self.table, self.column = table, column
        self.prefix = _aad_prefix(table, column, FORMAT_V1, ALG_AES_256_GCM)

    def open(
        self,
        aead: AESGCM,
        blob: bytes | None,
        row_id: uuid.UUID,
        case_id: uuid.UUID,
        generation: int,
    ) -> bytes:
        if type(row_id) is not uuid.UUID or type(case_id) is not uuid.UUID:
            raise TypeError("row_id and case_id must be UUIDs")
        if blob is None:
            raise self._fail("missing", row_id, case_id)
        if type(blob) is not bytes:
            blob = bytes(blob)
        if len(blob) < MIN_BLOB or blob[0] != FORMAT_V1 or blob[1] != ALG_AES_256_GCM:
            raise self._fail("header", row_id, case_id)  # the only (version, algorithm) known
        if int.from_bytes(blob[2:4], "big") != generation:
            raise self._fail("generation", row_id, case_id)
        row_bytes = row_id.bytes
        aad = b"".join(
            (
                self.prefix,
                _ID_PREFIX,
                row_bytes,
                _ID_PREFIX,
                row_bytes if case_id is row_id else case_id.bytes,  # a case's own row
                _GENERATION_PREFIX,
                generation.to_bytes(2, "big"),
            )
        )
        try:
            return aead.decrypt(blob[4:16], blob[16:], aad)
        except InvalidTag:
            raise self._fail("tag", row_id, case_id) from None

    def _fail(self, reason: str, row_id, case_id) -> DecryptionError:
        return DecryptionError(
            reason, table=self.table, column=self.column, row_id=row_id, case_id=case_id
        )


def encrypt(dek: bytes, plaintext: bytes, ctx: FieldContext) -> bytes:
    """Seal with a fresh random nonce from the OS on every call."""
    if len(dek) != DEK_BYTES:
        raise ValueError("a data key is 32 bytes")
    nonce = os.urandom(NONCE_BYTES)
    header = HEADER.pack(FORMAT_V1, ALG_AES_256_GCM, ctx.generation)
    sealed = AESGCM(dek).encrypt(nonce, plaintext, associated_data(ctx, FORMAT_V1, ALG_AES_256_GCM))
    return header + nonce + sealed


def aead(dek: bytes) -> AESGCM:
    """The AES-GCM object of a data key, for callers that open many values with one key
    (`decrypt(..., aead=...)`); it holds the key, so keep it no longer than the key."""
    if len(dek) != DEK_BYTES:
        raise ValueError("a data key is 32 bytes")
    return AESGCM(dek)


def decrypt(dek: bytes, blob: bytes, ctx: FieldContext, *, aead: AESGCM | None = None) -> bytes:
    """Open a value or raise DecryptionError. Never returns partial or default data.
    `aead`, when given, is `aead(dek)` made earlier for the same key."""

    def fail(reason: str) -> DecryptionError:
        return DecryptionError(
            reason, table=ctx.table, column=ctx.column, row_id=ctx.row_id, case_id=ctx.case_id
        )

    if blob is None:
        raise fail("missing")
    if type(blob) is not bytes:
        blob = bytes(blob)
    if len(blob) < MIN_BLOB:
        raise fail("header")
    version, algorithm, generation = HEADER.unpack_from(blob)
    if (version, algorithm) not in KNOWN:
        raise fail("header")
    if generation != ctx.generation:
        raise fail("generation")
    nonce = blob[HEADER.size : HEADER.size + NONCE_BYTES]
    try:
        plaintext = (aead or AESGCM(dek)).decrypt(
            nonce, blob[HEADER.size + NONCE_BYTES :], associated_data(ctx, version, algorithm)
        )
    except InvalidTag:
        raise fail("tag") from None
    count("field_decrypt")
    return plaintext


def new_dek() -> bytes:
    return os.urandom(DEK_BYTES)


def key_check(dek: bytes, case_id: uuid.UUID) -> bytes:
    return hmac.new(dek, b"referral.dek-check.v1|" + case_id.bytes, hashlib.sha256).digest()[
        :CHECK_BYTES
    ]


def wrap_dek(kek: bytes, dek: bytes) -> bytes:
    return aes_key_wrap(kek, dek)


def unwrap_dek(kek: bytes, wrapped: bytes, check: bytes, case_id: uuid.UUID) -> bytes:
    """Unwrap and confirm that the key belongs to `case_id`; DecryptionError otherwise."""
    try:
        dek = aes_key_unwrap(kek, bytes(wrapped))
    except (InvalidUnwrap, ValueError):
        raise DecryptionError("unwrap", table="case_keys", case_id=case_id) from None
    if not hmac.compare_digest(key_check(dek, case_id), bytes(check or b"")):
        raise DecryptionError("check", table="case_keys", case_id=case_id)
    count("dek_unwrap")
    return dek
