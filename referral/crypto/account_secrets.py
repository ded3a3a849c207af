"""Secrets of an account (a TOTP seed), sealed under the application's key hierarchy.

A case field has a data key per case; an account secret has no case. Its key is derived
with HKDF from a KEK for one table, column and row, so the KEK itself never touches the
value and a sealed value copied to another user or column fails authentication (the
associated data binds the same parts as a case field's, with the row id in place of the
case id). The KEK id is stored beside the value.

Every sealed column is registered here (`register`), so that `flask keys rotate` seals
each value again under the new KEK in batches (`reseal_all`) and `flask backup verify`
opens them all, without a list kept elsewhere. Between the promotion of a new KEK and the
end of the rotation, values on the older KEK stay readable while its file is kept; a
value used meanwhile is sealed again at that use (`needs_reseal`).

Opening a value is not a case-field decryption, so it is not counted in
envelope.COUNTERS (the tests that prove some roles decrypt nothing count case fields).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import func, select

from referral.crypto import envelope
from referral.crypto.envelope import DecryptionError, FieldContext
from referral.crypto.keyring import Keyring, KeyringError, key_number

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
    """True when `key_id` is older than the active KEK. Only older: a worker whose ring
    has not yet followed a promotion must not seal a value back under the old KEK."""
    return key_number(key_id) < key_number(_ring().active_id("kek"))


# --- the registry of sealed columns ---------------------------------------------------


@dataclass(frozen=True)
class SealedColumn:
    """A model attribute holding a sealed value, the attribute beside it holding its KEK
    id, and the attribute whose value (a UUID) the seal is bound to."""

    model: type
    value: str
    key_id: str
    row_id: str

    @property
    def table(self) -> str:
        return self.model.__tablename__

    @property
    def column(self) -> str:
        return self.model.__table__.c[self.value].name

    def seal_into(self, obj, plaintext: bytes) -> None:
        key_id, blob = seal(
            plaintext, table=self.table, column=self.column, row_id=getattr(obj, self.row_id)
        )
        setattr(obj, self.key_id, key_id)
        setattr(obj, self.value, blob)

    def open(self, obj) -> bytes:
        return open_sealed(
            getattr(obj, self.value),
            getattr(obj, self.key_id),
            table=self.table,
            column=self.column,
            row_id=getattr(obj, self.row_id),
        )


_REGISTRY: list[SealedColumn] = []


def register(model: type, *, value: str, key_id: str, row_id: str) -> SealedColumn:
    """Declare a sealed column (next to its model, at import time)."""
    column = SealedColumn(model, value, key_id, row_id)
    if column not in _REGISTRY:
        _REGISTRY.append(column)
    return column


def sealed_columns() -> list[SealedColumn]:
    return list(_REGISTRY)


def pending_reseal() -> int:
    """How many sealed values are not under the active KEK."""
    from referral.extensions import db

    active = _ring().active_id("kek")
    return sum(
        db.session.execute(
            select(func.count())
            .select_from(col.model)
            .where(getattr(col.model, col.key_id) != active)
        ).scalar_one()
        for col in _REGISTRY
    )


@dataclass
class ResealResult:
    resealed: int = 0
    failed: int = 0


def reseal_all(
    batch_size: int = 500,
    *,
    on_batch: Callable[[int], None] | None = None,
    on_failure: Callable[[DecryptionError], None] | None = None,
) -> ResealResult:
    """Seal every value not under the active KEK again under it, committing after each
    batch (the rotation's counterpart of re-wrapping case keys).

    Resumable: a second run continues with the values still on other KEKs. A value that
    does not open (tampered, or its KEK file is gone) is reported through `on_failure`
    and left as it is.
    """
    from referral.extensions import db

    ring = _ring()
    ring.refresh()
    active = ring.active_id("kek")
    result = ResealResult()
    for col in _REGISTRY:
        row_attr = getattr(col.model, col.row_id)
        last = None
        while True:
            query = (
                select(col.model)
                .where(getattr(col.model, col.key_id) != active)
                .order_by(row_attr)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
            if last is not None:
                query = query.where(row_attr > last)
            rows = list(db.session.execute(query).scalars())
            if not rows:
                break
            for obj in rows:
                last = getattr(obj, col.row_id)
                try:
                    plaintext = col.open(obj)
                except (DecryptionError, KeyringError) as exc:
                    result.failed += 1
                    if on_failure is not None:
                        on_failure(
                            exc
                            if isinstance(exc, DecryptionError)
                            else DecryptionError(
                                "kek", table=col.table, column=col.column, row_id=last
                            )
                        )
                    continue
                col.seal_into(obj, plaintext)
                result.resealed += 1
            db.session.commit()
            db.session.expunge_all()
            if on_batch is not None:
                on_batch(len(rows))
    return result
