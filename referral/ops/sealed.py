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
