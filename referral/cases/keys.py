"""Case data keys: creation, KEK rotation (re-wrap) and destruction (crypto-shredding).

Field ciphertext never changes here: a KEK rotation unwraps and re-wraps each case's
32-byte data key, one batch per transaction, so readers see either the old or the new
wrapped key and both open (the old KEK stays in the ring until no row uses it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select

from referral.cases.models import Case, CaseKey
from referral.crypto import envelope, fields
from referral.crypto.envelope import DecryptionError
from referral.crypto.grants import Grant
from referral.crypto.keyring import Keyring, KeyringError, key_number, write_active, write_key_file
from referral.db import utcnow
from referral.extensions import db


def keyring() -> Keyring:
    return current_app.extensions["referral_keyring"]


def create_case_key(case: Case, grant: Grant) -> None:
    """Give a new case its random data key, wrapped by the active KEK, and keep the
    unwrapped key in this request's cache for the first writes."""
    ring = keyring()
    ring.refresh_if_stale()
    kek_id, kek = ring.active_key("kek")
    dek = envelope.new_dek()
    case.key = CaseKey(
        case_id=case.id,
        kek_id=kek_id,
        wrapped_dek=envelope.wrap_dek(kek, dek),
        key_check=envelope.key_check(dek, case.id),
        generation=1,
    )
    fields.remember_dek(grant, dek, 1)


def destroy_case_key(case: Case) -> None:
    """Crypto-shred: delete the wrapped data key. Nothing can open the fields afterwards
    (a database backup still holds the wrapped key until it expires: docs/encryption.md)."""
    db.session.execute(delete(CaseKey).where(CaseKey.case_id == case.id))
    db.session.expire(case, ["key"])
    fields.forget_deks()


# --- status ---------------------------------------------------------------------------


@dataclass
class KeyStatus:
    active_kek: str
    kek_ids: list[str]
    wrapped_by: dict[str, int]  # kek id -> case keys it wraps
    cases: int
    erased: int

    @property
    def pending(self) -> int:
        return sum(n for kek, n in self.wrapped_by.items() if kek != self.active_kek)


def key_status() -> KeyStatus:
    ring = keyring()
    ring.refresh()
    counts = dict(
        db.session.execute(select(CaseKey.kek_id, func.count()).group_by(CaseKey.kek_id)).all()
    )
    cases = db.session.execute(select(func.count()).select_from(Case)).scalar_one()
    erased = db.session.execute(
        select(func.count()).select_from(Case).where(Case.erased_at.is_not(None))
    ).scalar_one()
    ids = sorted(set(ring.ids("kek")) | set(counts), key=key_number)
    return KeyStatus(
        active_kek=ring.active_id("kek"),
        kek_ids=ids,
        wrapped_by={kek: counts.get(kek, 0) for kek in ids},
        cases=cases,
        erased=erased,
    )


# --- rotation -------------------------------------------------------------------------


def next_key_id(ring: Keyring, purpose: str) -> str:
    numbers = [key_number(k) for k in ring.ids(purpose)]
    return f"{purpose}-{max(numbers, default=0) + 1}"


def add_and_promote_kek() -> tuple[str, str]:
    """Add a new KEK file, then make it active (active.json replaced atomically).

    Readers elsewhere that meet the new id re-read the directory (Keyring.get), so they
    never fail; writers follow active.json within Keyring.STALE_SECONDS.
    """
    ring = keyring()
    ring.refresh()
    if ring.directory is None:
        raise KeyringError("rotation needs a key directory")
    old = ring.active_id("kek")
    new = next_key_id(ring, "kek")
    write_key_file(ring.directory, new)
    ring.refresh()
    write_active(ring.directory, {**ring.active, "kek": new})
    ring.refresh()
    if ring.active_id("kek") != new:
        raise KeyringError("the new KEK could not be made active")
    return old, new


def pending_rewrap() -> int:
    active = keyring().active_id("kek")
    return db.session.execute(
        select(func.count()).select_from(CaseKey).where(CaseKey.kek_id != active)
    ).scalar_one()


@dataclass
class RewrapResult:
    rewrapped: int = 0
    failed: int = 0


def rewrap_all(
    batch_size: int = 500,
    *,
    on_batch: Callable[[int], None] | None = None,
    on_failure: Callable[[DecryptionError], None] | None = None,
) -> RewrapResult:
    """Re-wrap every case key not under the active KEK, committing after each batch.

    Resumable: a second run continues with the rows still on other KEKs. A key that
    fails to unwrap (tampered) is reported through `on_failure` and left as it is.
    """
    ring = keyring()
    active_id, active_kek = ring.active_key("kek")
    result = RewrapResult()
    last = None
    while True:
        query = select(CaseKey).where(CaseKey.kek_id != active_id).order_by(CaseKey.case_id)
        if last is not None:
            query = query.where(CaseKey.case_id > last)
        rows = list(
            db.session.execute(query.limit(batch_size).with_for_update(skip_locked=True)).scalars()
        )
        if not rows:
            break
        now = utcnow()
        for row in rows:
            last = row.case_id
            try:
                old_kek = ring.get(row.kek_id)
                dek = envelope.unwrap_dek(old_kek, row.wrapped_dek, row.key_check, row.case_id)
            except (DecryptionError, KeyringError) as exc:
                result.failed += 1
                if on_failure is not None:
                    err = (
                        exc
                        if isinstance(exc, DecryptionError)
                        else DecryptionError("kek", table="case_keys", case_id=row.case_id)
                    )
                    on_failure(err)
                continue
            row.wrapped_dek = envelope.wrap_dek(active_kek, dek)
            row.kek_id = active_id
            row.rewrapped_at = now
            result.rewrapped += 1
        db.session.commit()
        db.session.expunge_all()
        if on_batch is not None:
            on_batch(len(rows))
    return result
