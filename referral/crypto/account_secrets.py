"""Secrets of an account (a TOTP seed), sealed under the application's key hierarchy.

A case field has a data key per case; an account secret has no case. Its key is derived
with HKDF from a KEK for one table, column and row, so the KEK itself never touches the
value and a sealed value copied to another user or column fails authentication (the
associated data binds the same parts as a case field's, with the row id in place of the
case id). The KEK id is stored beside the value: after `flask keys rotate`, values on an
older KEK stay readable while its file is kept, and are sealed again under the active one
at their next use (`needs_reseal`).

Opening a value is not a case-field decryption, so it is not counted in
envelope.COUNTERS (the tests that prove some roles decrypt nothing count case fields).
"""

from __future__ import annotations

import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from referral.crypto import envelope
from referral.crypto.envelope import DecryptionError, FieldContext
from referral.crypto.keyring import Keyring, key_number

_INFO = b"referral.account-secret.v1|"


def _ring() -> Keyring:
    ring = current_app.extensions["referral_keyring"]
    ring.refresh_if_stale()
    return ring


def _context(table: str, column: str, row_id: uuid.UUID, key_id: str) -> FieldContext:
    return FieldContext(
        table=table, column=column, row_id=row_id, case_id=row_id, generation=key_number(key_id)
    )


def _derive(kek: bytes, ctx: FieldContext) -> bytes:
    info = _INFO + b"|".join((ctx.table.encode(), ctx.column.encode(), ctx.row_id.bytes))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(kek)


def seal(plaintext: bytes, *, table: str, column: str, row_id: uuid.UUID) -> tuple[str, bytes]:
    """(KEK id, sealed value) under the active KEK."""
    key_id, kek = _ring().active_key("kek")
    ctx = _context(table, column, row_id, key_id)
    return key_id, envelope.encrypt(_derive(kek, ctx), plaintext, ctx)


def open_sealed(blob: bytes, key_id: str, *, table: str, column: str, row_id: uuid.UUID) -> bytes:
    """The plaintext, or DecryptionError (ids only in it) if anything was tampered with."""
    ctx = _context(table, column, row_id, key_id)
    blob = bytes(blob or b"")
    if len(blob) < envelope.MIN_BLOB:
        raise DecryptionError("header", table=table, column=column, row_id=row_id)
    version, algorithm, generation = envelope.HEADER.unpack_from(blob)
    if (version, algorithm) not in envelope.KNOWN or generation != ctx.generation:
        raise DecryptionError("header", table=table, column=column, row_id=row_id)
    start = envelope.HEADER.size
    nonce = blob[start : start + envelope.NONCE_BYTES]
    key = _derive(_ring().get(key_id), ctx)
    try:
        return AESGCM(key).decrypt(
            nonce,
            blob[start + envelope.NONCE_BYTES :],
            envelope.associated_data(ctx, version, algorithm),
        )
    except InvalidTag:
        raise DecryptionError("tag", table=table, column=column, row_id=row_id) from None


def needs_reseal(key_id: str) -> bool:
    return key_id != _ring().active_id("kek")
