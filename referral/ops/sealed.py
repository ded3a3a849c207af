"""Every sealed value the database holds, found from the models, and proof that each opens.

`flask backup verify` must show that a restored database is readable with the mounted
keys, not only its case rows: incidents, perpetrators, follow-ups, safety plans,
attachments' metadata, referrals' shared snapshots and the account secrets (TOTP) too.
The tables are not listed by hand. Every mapped column of the encrypted type
(`crypto.fields.Ciphertext`) is checked, so a table added later is covered without
touching this file; a column of that type that no encrypted attribute declares is a
problem of its own, since nothing could open it. Account secrets are found through their
registry (`crypto.account_secrets.register`).

Values are opened and thrown away; only table names, row ids and counts leave here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from referral.extensions import db


@dataclass
class TableCheck:
    """What was opened in one table; the first row that did not open, by id."""

    table: str
    rows: int = 0
    values: int = 0
    failed: int = 0
    first_failure: str | None = None

    def fail(self, row_id: uuid.UUID, column: str, reason: str) -> None:
        self.failed += 1
        if self.first_failure is None:
            self.first_failure = f"row {row_id} ({column}: {reason})"

    @property
    def problem(self) -> str | None:
        if not self.failed:
            return None
        return (
            f"{self.table}: {self.first_failure} does not decrypt with the mounted keys; "
            f"{self.failed} row(s) of {self.table} fail in all"
        )


@dataclass(frozen=True)
class SealedTable:
    model: type
    fields: tuple  # crypto.fields.EncryptedField of the model's encrypted-type columns

    @property
    def table(self) -> str:
        return self.model.__tablename__


def sealed_tables() -> tuple[list[SealedTable], list[str]]:
    """(every mapped model with columns of the encrypted type, problems): a problem is
    such a column that no encrypted attribute of its model declares."""
    from referral.crypto.fields import BYTES, Ciphertext, EncryptedModel, encrypted_fields

    found, problems = [], []
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.local_table.name):
        model = mapper.class_
        columns = [c.name for c in mapper.local_table.columns if isinstance(c.type, Ciphertext)]
        if not columns:
            continue
        declared = {}
        if issubclass(model, EncryptedModel):
            declared = {
                spec.column: spec
                for spec in encrypted_fields(model).values()
                if spec.kind != BYTES  # a file's content lives beside the database
            }
        for column in columns:
            if column not in declared:
                problems.append(
                    f"{model.__tablename__}.{column} is of the encrypted type but no "
                    "encrypted attribute declares it: nothing can open it"
                )
        specs = tuple(declared[c] for c in columns if c in declared)
        if specs:
            found.append(SealedTable(model, specs))
    return found, problems


def _rows(model, batch: int):
    """All rows of `model` in id order, a batch at a time, each with its case's key."""
    from referral.cases.models import Case, CaseChild

    last = None
    while True:
        query = select(model).order_by(model.id).limit(batch)
        if issubclass(model, CaseChild):
            query = query.options(joinedload(model.case).joinedload(Case.key))
        elif model is Case:
            query = query.options(joinedload(Case.key))
        if last is not None:
            query = query.where(model.id > last)
        rows = list(db.session.execute(query).unique().scalars())
        if not rows:
            return
        yield rows
        last = rows[-1].id


def check_case_children(sealed: SealedTable, batch: int = 500) -> TableCheck:
    """Open every encrypted value of every row of a table other than `cases`.

    A row of an erased case is a failure too: erasure deletes them, so one still there
    means an erasure left identifying data behind (its key is gone, so it reads as
    destroyed)."""
    from referral.cases import policy
    from referral.crypto import fields
    from referral.crypto.envelope import CryptoError

    check = TableCheck(sealed.table)
    for rows in _rows(sealed.model, batch):
        for row in rows:
            check.rows += 1
            case_id = row.encryption_case_id()
            grant = policy.verify_grant(case_id, sealed.model)
            for spec in sealed.fields:
                if getattr(row, spec.column) is None:
                    continue
                try:
                    fields.read(row, spec.name, grant)
                except CryptoError as exc:
                    check.fail(row.id, spec.column, getattr(exc, "reason", "destroyed"))
                    break
                check.values += 1
        fields.forget_deks()
        db.session.expunge_all()
    return check


def check_account_secrets() -> list[TableCheck]:
    """Open every registered account secret (the TOTP secrets) with the mounted keys."""
    from referral.crypto import account_secrets
    from referral.crypto.envelope import CryptoError
    from referral.crypto.keyring import KeyringError

    current_app.extensions["referral_keyring"].refresh()
    checks = []
    for col in account_secrets.sealed_columns():
        check = TableCheck(col.table)
        for obj in db.session.execute(select(col.model)).scalars():
            check.rows += 1
            row_id = getattr(obj, col.row_id)
            try:
                col.open(obj)
            except CryptoError as exc:
                check.fail(row_id, col.column, getattr(exc, "reason", "tag"))
                continue
            except KeyringError:
                check.fail(row_id, col.column, f"KEK {getattr(obj, col.key_id)} not mounted")
                continue
            check.values += 1
        db.session.expunge_all()
        checks.append(check)
    return checks


# --- do the mounted keys match this database? -------------------------------------------


@dataclass
class KeyProbe:
    """One sealed value of a table, opened (or not) with the mounted key ring: its row by
    id and, when it did not open, why (a short code: tag, kek, unknown_key...)."""

    table: str
    row_id: object = None
    reason: str | None = None

    @property
    def opened(self) -> bool:
        return self.row_id is not None and self.reason is None

    @property
    def problem(self) -> str | None:
        if self.reason is None:
            return None
        return (
            f"{self.table}: row {self.row_id} does not open with the mounted keys ({self.reason})"
        )


# Rows tried per table before giving up on finding one that is not erased: erasure leaves
# the case row behind without its key, and such a row proves nothing about the keys.
PROBE_ROWS = 50


def _probe_case_table(sealed: SealedTable) -> KeyProbe:
    from referral.cases import policy
    from referral.cases.models import Case, CaseChild
    from referral.crypto import fields
    from referral.crypto.envelope import CryptoError, KeyDestroyedError

    model = sealed.model
    query = select(model).order_by(model.id).limit(PROBE_ROWS)
    if model is Case:
        query = query.where(Case.erased_at.is_(None))
    elif issubclass(model, CaseChild):
        query = query.join(model.case).where(Case.erased_at.is_(None))
    probe = KeyProbe(sealed.table)
    try:
        for row in db.session.execute(query).scalars():
            spec = next((s for s in sealed.fields if getattr(row, s.column) is not None), None)
            if spec is None:
                continue
            grant = policy.verify_grant(row.encryption_case_id(), model)
            try:
                fields.read(row, spec.name, grant)
            except KeyDestroyedError:
                continue
            except CryptoError as exc:
                probe.row_id, probe.reason = row.id, getattr(exc, "reason", "tag")
                return probe
            probe.row_id = row.id
            return probe
        return probe
    finally:
        fields.forget_deks()
        db.session.expunge_all()


def _probe_account_secret(col) -> KeyProbe:
    from referral.crypto.envelope import CryptoError
    from referral.crypto.keyring import KeyringError

    probe = KeyProbe(col.table)
    obj = db.session.execute(
        select(col.model)
        .where(getattr(col.model, col.value).is_not(None))
        .order_by(getattr(col.model, col.row_id))
        .limit(1)
    ).scalar_one_or_none()
    if obj is None:
        return probe
    probe.row_id = getattr(obj, col.row_id)
    try:
        col.open(obj)
    except CryptoError as exc:
        probe.reason = getattr(exc, "reason", "tag")
    except KeyringError:
        probe.reason = f"KEK {getattr(obj, col.key_id)} not mounted"
    db.session.expunge_all()
    return probe


def _probe_audit_tip() -> KeyProbe:
    """The newest sealed audit entry's MAC, checked with the ring's audit key: entries
    written under other keys would make `flask audit verify` and every checkpoint fail."""
    import hmac

    from referral.audit.models import AuditEvent
    from referral.audit.service import compute_hash
    from referral.crypto.keyring import KeyringError

    table = AuditEvent.__table__
    probe = KeyProbe(table.name)
    event = db.session.execute(
        select(table).where(table.c.seq.is_not(None)).order_by(table.c.seq.desc()).limit(1)
    ).first()
    if event is None:
        return probe
    probe.row_id = event.seq
    try:
        key = current_app.extensions["referral_keyring"].get(event.key_id or "")
    except KeyringError:
        probe.reason = f"audit key {event.key_id} not mounted"
        return probe
    if not hmac.compare_digest(compute_hash(key, event), event.entry_hash or ""):
        probe.reason = "audit MAC"
    return probe


def probe_keys() -> list[KeyProbe]:
    """Open the first sealed value of every table that holds one (cases and their child
    rows, account secrets) and check the newest audit entry's MAC, with the mounted key
    ring. Nothing is written; values are opened and thrown away."""
    from referral.crypto import account_secrets

    current_app.extensions["referral_keyring"].refresh()
    tables, _problems = sealed_tables()
    probes = [_probe_case_table(t) for t in tables]
    probes += [_probe_account_secret(c) for c in account_secrets.sealed_columns()]
    probes.append(_probe_audit_tip())
    db.session.rollback()
    return probes
