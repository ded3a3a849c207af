"""Encrypted attributes on models, declared once and readable only through a grant.

    class Case(EncryptedModel, UUIDPrimaryKey, db.Model):
        full_name_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
        full_name = encrypted("identity")

`case.full_name` raises (there is no plaintext attribute to read or filter on by
accident); `fields.read(case, "full_name", grant)` decrypts, `fields.write(...)` seals a
new value with a fresh nonce. Any comparison on `Case.full_name` or `Case.full_name_ct`
raises while the statement is being built, so `where(Case.full_name_ct == x)` cannot
silently match nothing.

Not a TypeDecorator: a type cannot know the row id, which the associated data binds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import LargeBinary, TypeDecorator
from sqlalchemy.sql import operators

from referral.crypto import envelope
from referral.crypto.envelope import (
    CryptoError,
    DecryptionError,
    FieldContext,
    KeyDestroyedError,
)
from referral.crypto.grants import FIELD_GROUPS, Grant, GrantError, is_genuine
from referral.crypto.keyring import KeyringError


class EncryptedAttributeError(CryptoError, TypeError):
    """An encrypted attribute was read, set or compared directly."""


_ALLOWED_OPS = {operators.is_, operators.is_not}


class Ciphertext(TypeDecorator):
    """LargeBinary whose SQL comparisons raise (except IS NULL / IS NOT NULL)."""

    impl = LargeBinary
    cache_ok = True

    class comparator_factory(LargeBinary.Comparator):
        def operate(self, op, *other, **kwargs):
            if op in _ALLOWED_OPS:
                return super().operate(op, *other, **kwargs)
            raise EncryptedAttributeError(
                "encrypted columns cannot be compared, filtered or sorted on; use a blind index"
            )

        def reverse_operate(self, op, other, **kwargs):
            raise EncryptedAttributeError("encrypted columns cannot be compared")


KINDS = {"text": 1, "date": 2}


@dataclass(frozen=True)
class EncryptedField:
    name: str
    column: str
    group: str
    kind: str


class encrypted:  # lower case: reads as a declaration, like mapped_column
    """Declare an encrypted attribute stored in the `<name>_ct` column."""

    def __init__(self, group: str, kind: str = "text"):
        if group not in FIELD_GROUPS:
            raise ValueError(f"unknown field group {group!r}")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        self.group = group
        self.kind = kind
        self.name = ""

    def __set_name__(self, owner, name):
        self.name = name
        if "__encrypted_fields__" not in owner.__dict__:
            inherited = getattr(owner, "__encrypted_fields__", {})
            owner.__encrypted_fields__ = dict(inherited)
        owner.__encrypted_fields__[name] = EncryptedField(name, f"{name}_ct", self.group, self.kind)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        raise EncryptedAttributeError(
            f"{owner.__name__}.{self.name} is encrypted: read it with fields.read and a grant"
        )

    def __set__(self, obj, value):
        raise EncryptedAttributeError(
            f"{type(obj).__name__}.{self.name} is encrypted: set it with fields.write"
        )

    def _refuse(self, *args, **kwargs):
        raise EncryptedAttributeError(
            f"{self.name} is encrypted and cannot be used in a query; use a blind index"
        )

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    in_ = like = ilike = contains = startswith = endswith = desc = asc = _refuse
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<encrypted {self.name} ({self.group})>"


class EncryptedModel:
    """A model with encrypted attributes. Subclasses say which case's key protects a row
    and where its wrapped key record is."""

    __encrypted_fields__: dict[str, EncryptedField] = {}

    def encryption_case_id(self) -> uuid.UUID:
        raise NotImplementedError

    def encryption_key_record(self):
        """An object with kek_id, wrapped_dek, key_check, generation; None once shredded."""
        raise NotImplementedError


def encrypted_fields(model) -> dict[str, EncryptedField]:
    return dict(model.__encrypted_fields__)


# --- the per-request data-key cache ---------------------------------------------------


def _cache() -> dict:
    """Unwrapped DEKs for this request (app context), keyed by (user, case): never shared
    across requests, and never across users even within one context."""
    if not has_app_context():
        return {}
    cache = g.get("_referral_deks")
    if cache is None:
        cache = g._referral_deks = {}
    return cache


def remember_dek(grant: Grant, dek: bytes, generation: int) -> None:
    if not is_genuine(grant):
        raise GrantError("a grant is required")
    _cache()[(grant.user_id, grant.case_id)] = (dek, generation)


def forget_deks() -> None:
    if has_app_context():
        g.pop("_referral_deks", None)


def _check_grant(obj: EncryptedModel, spec: EncryptedField, grant: Grant) -> uuid.UUID:
    if not is_genuine(grant):  # forged, or a copy re-targeted at another user, case or group
        raise GrantError("a grant is required")
    case_id = obj.encryption_case_id()
    if not grant.covers(case_id, spec.group):
        raise GrantError("the grant does not cover this field")
    if (
        has_request_context()
        and current_user
        and current_user.is_authenticated
        and current_user.id != grant.user_id
    ):
        raise GrantError("the grant belongs to another user")
    return case_id


def _dek(obj: EncryptedModel, grant: Grant) -> tuple[bytes, int]:
    cache = _cache()
    cached = cache.get((grant.user_id, grant.case_id))
    if cached is not None:
        return cached
    record = obj.encryption_key_record()
    if record is None or record.wrapped_dek is None:
        raise KeyDestroyedError(grant.case_id)
    ring = current_app.extensions["referral_keyring"]
    try:
        kek = ring.get(record.kek_id)
    except KeyringError:
        raise DecryptionError("kek", table="case_keys", case_id=grant.case_id) from None
    dek = envelope.unwrap_dek(kek, record.wrapped_dek, record.key_check, grant.case_id)
    cache[(grant.user_id, grant.case_id)] = (dek, record.generation)
    return dek, record.generation


def _spec(obj, name: str) -> EncryptedField:
    try:
        return type(obj).__encrypted_fields__[name]
    except KeyError:
        raise EncryptedAttributeError(f"{name} is not an encrypted attribute") from None


def _context(obj, spec: EncryptedField, case_id: uuid.UUID, generation: int) -> FieldContext:
    return FieldContext(obj.__tablename__, spec.column, obj.id, case_id, generation)


def _encode(spec: EncryptedField, value: Any) -> bytes:
    if value is None:
        return b"\x00"
    if spec.kind == "date":
        if not isinstance(value, date):
            raise TypeError(f"{spec.name} takes a date")
        return bytes([KINDS["date"]]) + value.isoformat().encode()
    if not isinstance(value, str):
        raise TypeError(f"{spec.name} takes text")
    return bytes([KINDS["text"]]) + value.encode()


def _decode(spec: EncryptedField, raw: bytes, ctx: FieldContext) -> Any:
    if raw == b"\x00":
        return None
    tag, body = raw[:1], raw[1:]
    try:
        if tag == bytes([KINDS["date"]]) and spec.kind == "date":
            return date.fromisoformat(body.decode())
        if tag == bytes([KINDS["text"]]) and spec.kind == "text":
            return body.decode()
    except ValueError:
        pass
    raise DecryptionError(
        "encoding", table=ctx.table, column=ctx.column, row_id=ctx.row_id, case_id=ctx.case_id
    )


def read(obj: EncryptedModel, name: str, grant: Grant) -> Any:
    """Decrypt one attribute. Raises GrantError, KeyDestroyedError or DecryptionError;
    never returns a default in place of a value that failed."""
    spec = _spec(obj, name)
    case_id = _check_grant(obj, spec, grant)
    dek, generation = _dek(obj, grant)
    ctx = _context(obj, spec, case_id, generation)
    blob = getattr(obj, spec.column)
    return _decode(spec, envelope.decrypt(dek, blob, ctx), ctx)


def write(obj: EncryptedModel, name: str, value: Any, grant: Grant) -> None:
    """Seal a new value (None is sealed too, so a nulled column reads as tampering)."""
    spec = _spec(obj, name)
    case_id = _check_grant(obj, spec, grant)
    dek, generation = _dek(obj, grant)
    ctx = _context(obj, spec, case_id, generation)
    setattr(obj, spec.column, envelope.encrypt(dek, _encode(spec, value), ctx))
