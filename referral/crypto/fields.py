"""Encrypted attributes on models, declared once and readable only through a grant.

    class Case(EncryptedModel, UUIDPrimaryKey, db.Model):
        full_name_ct: Mapped[bytes | None] = mapped_column(Ciphertext())
        full_name = encrypted("name")

`case.full_name` raises (there is no plaintext attribute to read or filter on by
accident); `fields.read(case, "full_name", grant)` decrypts, `fields.write(...)` seals a
new value with a fresh nonce. Any comparison on `Case.full_name` or `Case.full_name_ct`
raises while the statement is being built, so `where(Case.full_name_ct == x)` cannot
silently match nothing.

Not a TypeDecorator: a type cannot know the row id, which the associated data binds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
from referral.crypto.grants import FIELD_UNITS, Grant, GrantError, is_genuine
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


KINDS = {"text": 1, "date": 2, "int": 3}
# "bytes": a file's content, whose ciphertext lives in a file beside the database, not in
# a column: `seal_bytes` returns the blob to store and `open_bytes` opens one.
BYTES = "bytes"


@dataclass(frozen=True)
class EncryptedField:
    name: str
    column: str
    unit: str
    kind: str


class encrypted:  # lower case: reads as a declaration, like mapped_column
    """Declare an encrypted attribute stored in the `<name>_ct` column, in a field unit
    (grants.FIELD_UNITS)."""

    def __init__(self, unit: str, kind: str = "text"):
        if unit not in FIELD_UNITS:
            raise ValueError(f"unknown field unit {unit!r}")
        if kind not in KINDS and kind != BYTES:
            raise ValueError(f"unknown kind {kind!r}")
        self.unit = unit
        self.kind = kind
        self.name = ""

    def __set_name__(self, owner, name):
        self.name = name
        if "__encrypted_fields__" not in owner.__dict__:
            inherited = getattr(owner, "__encrypted_fields__", {})
            owner.__encrypted_fields__ = dict(inherited)
        column = f"{name}_file" if self.kind == BYTES else f"{name}_ct"
        owner.__encrypted_fields__[name] = EncryptedField(name, column, self.unit, self.kind)

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
        return f"<encrypted {self.name} ({self.unit})>"


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
    if not is_genuine(grant) or grant.case_id is None:
        raise GrantError("a grant for one case is required")
    _cache()[(grant.user_id, grant.case_id)] = (dek, generation)


def forget_deks() -> None:
    if has_app_context():
        g.pop("_referral_deks", None)
        g.pop("_referral_aeads", None)


def _aeads() -> dict:
    if not has_app_context():
        return {}
    aeads = g.get("_referral_aeads")
    if aeads is None:
        aeads = g._referral_aeads = {}
    return aeads


def _aead(dek: bytes):
    """The AES-GCM object of a data key, made once per request (app context) like the
    data-key cache it sits beside: never kept beyond it."""
    if not has_app_context():
        return envelope.aead(dek)
    aeads = _aeads()
    aead = aeads.get(dek)
    if aead is None:
        aead = aeads[dek] = envelope.aead(dek)
    return aead


def _check_grant(obj: EncryptedModel, spec: EncryptedField, grant: Grant) -> uuid.UUID:
    if not is_genuine(grant):  # forged, or a copy re-targeted at another user, case or group
        raise GrantError("a grant is required")
    case_id = obj.encryption_case_id()
    if not grant.covers(case_id, spec.unit):
        raise GrantError("the grant does not cover this field")
    user = _signed_in()
    if user and user.is_authenticated and user.id != grant.user_id:
        raise GrantError("the grant belongs to another user")
    return case_id


def _signed_in():
    """The request's signed-in user, exactly as `flask_login.current_user` gives it (the
    user flask_login loaded into `g._login_user`), without going through its proxy for
    every field of a list; None outside a request."""
    if not has_request_context():
        return None
    user = g.get("_login_user")
    if user is None:
        user = current_user._get_current_object()  # loads the user, as current_user does
    return user


def _dek(obj: EncryptedModel, grant: Grant, case_id: uuid.UUID) -> tuple[bytes, int]:
    """The data key of `case_id`, which `_check_grant` found the grant covers."""
    cache = _cache()
    cached = cache.get((grant.user_id, case_id))
    if cached is not None:
        return cached
    record = obj.encryption_key_record()
    if record is None or record.wrapped_dek is None:
        raise KeyDestroyedError(case_id)
    ring = current_app.extensions["referral_keyring"]
    try:
        kek = ring.get(record.kek_id)
    except KeyringError:
        raise DecryptionError("kek", table="case_keys", case_id=case_id) from None
    dek = envelope.unwrap_dek(kek, record.wrapped_dek, record.key_check, case_id)
    cache[(grant.user_id, case_id)] = (dek, record.generation)
    return dek, record.generation


def _spec(obj, name: str, *, file: bool = False) -> EncryptedField:
    try:
        spec = type(obj).__encrypted_fields__[name]
    except KeyError:
        raise EncryptedAttributeError(f"{name} is not an encrypted attribute") from None
    if (spec.kind == BYTES) != file:
        use = "seal_bytes/open_bytes" if spec.kind == BYTES else "read/write"
        raise EncryptedAttributeError(f"{name} is read and written with fields.{use}")
    return spec


def _context(obj, spec: EncryptedField, case_id: uuid.UUID, generation: int) -> FieldContext:
    return FieldContext(obj.__tablename__, spec.column, obj.id, case_id, generation)


def _encode(spec: EncryptedField, value: Any) -> bytes:
    if value is None:
        return b"\x00"
    if spec.kind == "date":
        if not isinstance(value, date):
            raise TypeError(f"{spec.name} takes a date")
        return bytes([KINDS["date"]]) + value.isoformat().encode()
    if spec.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{spec.name} takes a whole number")
        return bytes([KINDS["int"]]) + str(value).encode()
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
        if tag == bytes([KINDS["int"]]) and spec.kind == "int":
            return int(body.decode())
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
    dek, generation = _dek(obj, grant, case_id)
    ctx = _context(obj, spec, case_id, generation)
    blob = getattr(obj, spec.column)
    return _decode(spec, envelope.decrypt(dek, blob, ctx, aead=_aead(dek)), ctx)


def read_column(objs: Sequence[EncryptedModel], name: str, grant: Grant) -> list[Any]:
    """Decrypt one attribute of each of `objs` (rows of one model) with one grant, as a
    list page shows a column: the same refusals as `read` for every row (a row the grant
    does not cover raises GrantError before anything is decrypted), with what is the same
    for every row done once: the grant's seal and owner, the field's spec and the
    associated data's column part. Keys and AES-GCM objects are cached per request, as
    for `read`."""
    if not objs:
        return []
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise EncryptedAttributeError("read_column reads rows of one model")
    spec = _spec(objs[0], name)
    if not is_genuine(grant):
        raise GrantError("a grant is required")
    user = _signed_in()
    if user and user.is_authenticated and user.id != grant.user_id:
        raise GrantError("the grant belongs to another user")
    case_ids = [obj.encryption_case_id() for obj in objs]
    if not grant.covers(case_ids[0], spec.unit) or not grant.case_ids.issuperset(case_ids):
        raise GrantError("the grant does not cover this field")
    opener = envelope.ColumnOpener(model.__tablename__, spec.column)
    column, kind, user_id = spec.column, spec.kind, grant.user_id
    # The request's two caches, looked up once for the page rather than once per row.
    deks, aeads = _cache(), _aeads()
    values = []
    for obj, case_id in zip(objs, case_ids, strict=True):
        cached = deks.get((user_id, case_id))
        dek, generation = cached if cached is not None else _dek(obj, grant, case_id)
        aead = aeads.get(dek)
        if aead is None:
            aead = _aead(dek)
        raw = opener.open(aead, getattr(obj, column), obj.id, case_id, generation)
        if kind == "text" and raw[:1] == b"\x01":  # the common case of `_decode`, inline
            try:
                values.append(raw[1:].decode())
                continue
            except UnicodeDecodeError:
                pass  # `_decode` raises DecryptionError("encoding") for it
        values.append(_decode(spec, raw, _context(obj, spec, case_id, generation)))
    envelope.count("field_decrypt", len(values))
    return values


def write(obj: EncryptedModel, name: str, value: Any, grant: Grant) -> None:
    """Seal a new value (None is sealed too, so a nulled column reads as tampering).
    Needs a write grant: a read grant never changes a value."""
    spec = _spec(obj, name)
    case_id = _check_grant(obj, spec, grant)
    if not grant.can_write:
        raise GrantError("a read grant cannot write")
    dek, generation = _dek(obj, grant, case_id)
    ctx = _context(obj, spec, case_id, generation)
    setattr(obj, spec.column, envelope.encrypt(dek, _encode(spec, value), ctx))


def seal_bytes(obj: EncryptedModel, name: str, data: bytes, grant: Grant) -> bytes:
    """Seal a file's content (an attribute of kind "bytes") for storage outside the
    database; the associated data binds it to the row, the attribute, the case and the
    key generation like any field. Needs a write grant."""
    spec = _spec(obj, name, file=True)
    case_id = _check_grant(obj, spec, grant)
    if not grant.can_write:
        raise GrantError("a read grant cannot write")
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"{spec.name} takes bytes")
    dek, generation = _dek(obj, grant, case_id)
    return envelope.encrypt(dek, bytes(data), _context(obj, spec, case_id, generation))


def open_bytes(obj: EncryptedModel, name: str, blob: bytes | None, grant: Grant) -> bytes:
    """Open what `seal_bytes` sealed for this row; DecryptionError if the stored blob was
    altered, truncated, missing (None) or belongs to another row or case."""
    spec = _spec(obj, name, file=True)
    case_id = _check_grant(obj, spec, grant)
    dek, generation = _dek(obj, grant, case_id)
    return envelope.decrypt(dek, blob, _context(obj, spec, case_id, generation))
