"""Blind indexes of cases (survivor phone and name) and their key versions.

Every live version (ACTIVE, and BACKFILL during a rotation) is written on every write and
queried on every search, so a search finds every case throughout an index rotation:
old rows through the old version, new rows through both, backfilled rows through both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from referral.cases.models import Case, CaseSearchIndex
from referral.crypto import blind_index
from referral.crypto.keyring import KeyringError
from referral.crypto.models import BlindIndexVersion, IndexState
from referral.db import utcnow
from referral.extensions import db


def phone_keys(raw: str | None) -> list[str]:
    phone = blind_index.normalise_phone(raw)
    return [phone] if phone else []


# index name -> (table, column, keys): every canonical form of the value is indexed (a
# name typed in Latin may have several readings) and a search looks up all of the term's.
INDEXES: dict[str, tuple[str, str, Callable[[str | None], list[str]]]] = {
    "phone": ("cases", "phone_ct", phone_keys),
    "name": ("cases", "full_name_ct", blind_index.name_keys),
}
LIVE = (IndexState.ACTIVE, IndexState.BACKFILL)
DEFAULT_BITS = 14
DEFAULT_EXPECTED_ROWS = 100_000


def _ring():
    return current_app.extensions["referral_keyring"]


def configured_bits() -> int:
    return int(current_app.config.get("BLIND_INDEX_BITS", DEFAULT_BITS))


def expected_rows() -> int:
    return int(current_app.config.get("BLIND_INDEX_EXPECTED_ROWS", DEFAULT_EXPECTED_ROWS))


def live_versions() -> list[BlindIndexVersion]:
    """The versions to write and search. On a fresh database the ring's active bidx key
    becomes the first ACTIVE version."""
    versions = list(
        db.session.execute(
            select(BlindIndexVersion)
            .where(BlindIndexVersion.state.in_(LIVE))
            .order_by(BlindIndexVersion.created_at)
        ).scalars()
    )
    if versions:
        return versions
    first = BlindIndexVersion(
        key_id=_ring().active_id("bidx"),
        bits=configured_bits(),
        state=IndexState.ACTIVE,
        promoted_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(first)
    except IntegrityError:  # another writer bootstrapped it first
        return live_versions()
    return [first]


def value_for(version: BlindIndexVersion | VersionRef, name: str, normalised: str) -> int:
    table, column, _normalise = INDEXES[name]
    try:
        root = _ring().get(version.key_id)
    except KeyringError:
        raise KeyringError(f"blind-index key {version.key_id} is not in the ring") from None
    key = blind_index.index_key(root, table, column, name)
    return blind_index.index_value(key, normalised, version.bits)


def index_rows(
    case: Case, plain: dict[str, str | None], versions: list[BlindIndexVersion | VersionRef]
) -> list[CaseSearchIndex]:
    rows = []
    for name, (_t, _c, keys) in INDEXES.items():
        for version in versions:
            # Readings may share a truncated value: one row each.
            values = {value_for(version, name, key) for key in keys(plain.get(name))}
            rows += [
                CaseSearchIndex(case_id=case.id, name=name, key_id=version.key_id, value=value)
                for value in sorted(values)
            ]
    return rows


def write_indexes(case: Case, plain: dict[str, str | None]) -> None:
    """Replace the case's index values with ones computed from `plain` (phone, name)."""
    versions = live_versions()
    clear_indexes(case)
    db.session.add_all(index_rows(case, plain, versions))


def clear_indexes(case: Case) -> int:
    return db.session.execute(
        delete(CaseSearchIndex).where(CaseSearchIndex.case_id == case.id)
    ).rowcount


def lookup_condition(name: str, keys: list[str]):
    """WHERE clause matching any of the term's values in every live version (dual read)."""
    return or_(
        *[
            and_(
                CaseSearchIndex.name == name,
                CaseSearchIndex.key_id == v.key_id,
                CaseSearchIndex.value.in_(sorted({value_for(v, name, k) for k in keys})),
            )
            for v in live_versions()
        ]
    )


def candidate_ids(name: str, keys: list[str]):
    return select(CaseSearchIndex.case_id).where(lookup_condition(name, keys))


# --- index key rotation ---------------------------------------------------------------


@dataclass
class IndexStatus:
    key_id: str
    bits: int
    state: str
    values: int


def index_status() -> list[IndexStatus]:
    live_versions()
    counts = dict(
        db.session.execute(
            select(CaseSearchIndex.key_id, func.count()).group_by(CaseSearchIndex.key_id)
        ).all()
    )
    versions = db.session.execute(
        select(BlindIndexVersion).order_by(BlindIndexVersion.created_at)
    ).scalars()
    return [IndexStatus(v.key_id, v.bits, str(v.state), counts.get(v.key_id, 0)) for v in versions]


def start_index_rotation(bits: int | None = None) -> BlindIndexVersion:
    """Add a new bidx key and a BACKFILL version (or return the unfinished one)."""
    from referral.cases.keys import next_key_id
    from referral.crypto.keyring import write_key_file

    live_versions()
    pending = db.session.execute(
        select(BlindIndexVersion).where(BlindIndexVersion.state == IndexState.BACKFILL)
    ).scalar_one_or_none()
    if pending is not None:
        return pending
    ring = _ring()
    ring.refresh()
    new_id = next_key_id(ring, "bidx")
    write_key_file(ring.directory, new_id)
    ring.refresh()
    version = BlindIndexVersion(
        key_id=new_id, bits=bits or configured_bits(), state=IndexState.BACKFILL
    )
    db.session.add(version)
    db.session.flush()
    return version


@dataclass(frozen=True)
class VersionRef:
    """A version's key id and bits, usable after the session that loaded it is gone."""

    key_id: str
    bits: int


def cases_missing(key_id: str):
    """Live cases with no value at all in version `key_id` (backfill's to-do list)."""
    has_value = select(CaseSearchIndex.case_id).where(CaseSearchIndex.key_id == key_id)
    return select(Case.id).where(Case.erased_at.is_(None), Case.id.not_in(has_value))


def finish_index_rotation(version: BlindIndexVersion) -> list[str]:
    """Promote `version` to ACTIVE; retire the others and delete their values."""
    from referral.crypto.keyring import write_active

    retired = []
    for old in db.session.execute(
        select(BlindIndexVersion).where(
            BlindIndexVersion.state == IndexState.ACTIVE,
            BlindIndexVersion.key_id != version.key_id,
        )
    ).scalars():
        old.state = IndexState.RETIRED
        old.retired_at = utcnow()
        db.session.execute(delete(CaseSearchIndex).where(CaseSearchIndex.key_id == old.key_id))
        retired.append(old.key_id)
    version.state = IndexState.ACTIVE
    version.promoted_at = utcnow()
    ring = _ring()
    write_active(ring.directory, {**ring.active, "bidx": version.key_id})
    ring.refresh()
    db.session.flush()
    return retired


@dataclass
class BackfillResult:
    written: int = 0
    failed: int = 0


def backfill(
    version: BlindIndexVersion,
    batch_size: int = 500,
    *,
    on_batch: Callable[[int], None] | None = None,
    on_failure: Callable[[Exception], None] | None = None,
) -> BackfillResult:
    """Compute `version`'s values for every live case that lacks them, committing after
    each batch (resumable: a second run continues where the first stopped)."""
    from sqlalchemy.orm import joinedload

    from referral.cases import policy
    from referral.crypto import fields
    from referral.crypto.envelope import CryptoError

    ref = VersionRef(version.key_id, version.bits)
    result = BackfillResult()
    last = None
    while True:
        query = cases_missing(ref.key_id).order_by(Case.id).limit(batch_size)
        if last is not None:
            query = query.where(Case.id > last)
        ids = list(db.session.execute(query).scalars())
        if not ids:
            break
        cases = db.session.execute(
            select(Case).where(Case.id.in_(ids)).options(joinedload(Case.key)).order_by(Case.id)
        ).scalars()
        for case in cases:
            last = case.id
            try:
                grant = policy.reindex_grant(case)
                plain = {
                    "phone": fields.read(case, "phone", grant),
                    "name": fields.read(case, "full_name", grant),
                }
            except CryptoError as exc:
                result.failed += 1
                if on_failure is not None:
                    on_failure(exc)
                continue
            rows = index_rows(case, plain, [ref])
            db.session.add_all(rows)
            result.written += 1
        db.session.commit()
        fields.forget_deks()
        db.session.expunge_all()
        if on_batch is not None:
            on_batch(len(ids))
    return result
