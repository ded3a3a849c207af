"""Case business rules: open, read, list, search, update and erase a case.

Every function takes the acting user, loads plaintext only through a grant from
`policy`, returns plain dataclasses (views and templates never see ciphertext or keys),
flushes and never commits. Audit events hold ids and counts, never values or terms.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from referral.audit import service as audit
from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.cases import indexing, keys, policy
from referral.cases.models import Case, CaseStatus, ErasureReason
from referral.crypto import blind_index, fields
from referral.crypto.envelope import DecryptionError, KeyDestroyedError
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.extensions import db

PAGE_SIZE = 50
EARLIEST_BIRTH_YEAR = 1900
MAX_CANDIDATES = 500
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


class CaseError(Exception):
    """A rule refused the action; `message` is safe to show (translated, no values) and
    `field` names the form field it belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class CaseErasedError(CaseError):
    def __init__(self, case_code: str):
        super().__init__(_l("This case was erased. Its content can no longer be read."))
        self.case_code = case_code


@dataclass(frozen=True)
class CaseInput:
    full_name: str
    birth_date: date | None = None
    phone: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    case_code: str
    status: CaseStatus
    full_name: str | None  # None only for erased cases
    updated_at: datetime
    is_erased: bool


@dataclass(frozen=True)
class CaseDetail:
    id: uuid.UUID
    case_code: str
    status: CaseStatus
    owner_name: str
    created_at: datetime
    updated_at: datetime
    lock_version: int
    full_name: str
    birth_date: date | None
    phone: str | None
    note: str | None


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "phone", "name" or "none" (nothing searchable in the term)
    cases: list[CaseSummary]
    candidates: int


def new_case_code(year: int | None = None) -> str:
    """A non-identifying code such as KG-2026-7F3Q9, unique."""
    year = year or utcnow().year
    while True:
        code = f"KG-{year}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))
        exists = db.session.execute(select(Case.id).where(Case.case_code == code)).first()
        if exists is None:
            return code


def _clean(data: CaseInput) -> dict:
    phone = data.phone.strip() if data.phone and data.phone.strip() else None
    if phone is not None:
        phone = blind_index.normalise_phone(phone)
        if phone is None:
            raise CaseError(_l("This is not a phone number we can use."), "phone")
    name = blind_index.clean_display_name(data.full_name or "")
    if blind_index.normalise_name(name) is None:
        raise CaseError(_l("Enter the survivor's name."), "full_name")
    if data.birth_date is not None:
        if data.birth_date > utcnow().date():
            raise CaseError(_l("The date of birth cannot be in the future."), "birth_date")
        if data.birth_date.year < EARLIEST_BIRTH_YEAR:
            raise CaseError(_l("Check the date of birth: the year is too early."), "birth_date")
    note = data.note.strip() if data.note and data.note.strip() else None
    return {"full_name": name, "birth_date": data.birth_date, "phone": phone, "note": note}


def _write_fields(case: Case, values: dict, grant) -> None:
    for name, value in values.items():
        fields.write(case, name, value, grant)
    indexing.write_indexes(case, {"phone": values["phone"], "name": values["full_name"]})


def open_case(user: User, data: CaseInput) -> Case:
    """Create a case owned by `user` in their organisation, with its own data key."""
    if not user.can(Permission.CASE_CREATE):
        raise GrantError("this role does not open cases")
    values = _clean(data)
    case = Case(
        case_code=new_case_code(),
        organisation_id=user.organisation_id,
        owner_id=user.id,
        status=CaseStatus.OPEN,
    )
    grant = policy.grant_for(user, case)  # GrantError for roles that may not hold cases
    keys.create_case_key(case, grant)
    _write_fields(case, values, grant)
    db.session.add(case)
    db.session.flush()
    audit.record("sensitive_create", target_type="case", target_id=case.id)
    return case


def _check_not_erased(case: Case) -> None:
    if case.is_erased:
        raise CaseErasedError(case.case_code)


def read_case(user: User, case: Case) -> CaseDetail:
    """Decrypt the whole record for an authorised reader; audited as sensitive_read."""
    _check_not_erased(case)
    grant = policy.grant_for(user, case)
    detail = CaseDetail(
        id=case.id,
        case_code=case.case_code,
        status=case.status,
        owner_name=case.owner.full_name or case.owner.username,
        created_at=case.created_at,
        updated_at=case.updated_at,
        lock_version=case.lock_version,
        full_name=fields.read(case, "full_name", grant),
        birth_date=fields.read(case, "birth_date", grant),
        phone=fields.read(case, "phone", grant),
        note=fields.read(case, "note", grant),
    )
    audit.record("sensitive_read", target_type="case", target_id=case.id)
    return detail


def update_case(user: User, case: Case, data: CaseInput, lock_version: int) -> Case:
    """Replace the record's fields; a stale `lock_version` raises StaleDataError (409)."""
    from sqlalchemy.orm.exc import StaleDataError

    _check_not_erased(case)
    if lock_version != case.lock_version:
        raise StaleDataError("the case changed meanwhile")
    values = _clean(data)
    grant = policy.grant_for(user, case)
    _write_fields(case, values, grant)
    case.updated_at = utcnow()
    db.session.flush()
    audit.record("sensitive_update", target_type="case", target_id=case.id)
    return case


def _summaries(user: User, cases: list[Case]) -> list[CaseSummary]:
    rows = []
    for case in cases:
        name = None
        if not case.is_erased:
            name = fields.read(case, "full_name", policy.grant_for(user, case))
        rows.append(
            CaseSummary(case.id, case.case_code, case.status, name, case.updated_at, case.is_erased)
        )
    return rows


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def clamp_page(page: int | None, total: int) -> int:
    """The page to show for any requested number: 1 for none, zero or negative, the last
    one past the end (so the offset always fits the database's integer)."""
    return min(max(1, page or 1), page_count(total))


def list_cases(user: User, page: int = 1) -> tuple[list[CaseSummary], int]:
    """One page of the user's visible cases, most recently changed first, names
    decrypted (one key unwrap per case). `page` is clamped with `clamp_page`.
    Returns (rows, total)."""
    base = policy.visible_cases(user)
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    page = clamp_page(page, total)
    cases = list(
        db.session.execute(
            base.options(joinedload(Case.key))
            .order_by(Case.updated_at.desc(), Case.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).scalars()
    )
    return _summaries(user, cases), total


def count_open_cases(user: User) -> int:
    base = policy.visible_cases(user).where(Case.status == CaseStatus.OPEN)
    return db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()


def search_cases(user: User, term: str) -> SearchResult:
    """Exact match on the survivor's phone (if the term is one) or name, through the
    blind index; candidates are decrypted and false positives dropped. The audit event
    holds the kind and the counts, never the term."""
    phone = blind_index.normalise_phone(term)
    if phone is not None:
        kind, field_name, normalised, normalise = (
            "phone",
            "phone",
            phone,
            blind_index.normalise_phone,
        )
    else:
        kind, field_name = "name", "full_name"
        normalise = blind_index.normalise_name
        normalised = normalise(term)
    if normalised is None:
        return SearchResult("none", [], 0)
    candidates = list(
        db.session.execute(
            policy.visible_cases(user)
            .where(Case.id.in_(indexing.candidate_ids(kind, normalised)), Case.erased_at.is_(None))
            .options(joinedload(Case.key))
            .order_by(Case.updated_at.desc(), Case.id)
            .limit(MAX_CANDIDATES)
        ).scalars()
    )
    matches = []
    for case in candidates:
        grant = policy.grant_for(user, case)
        if normalise(fields.read(case, field_name, grant)) == normalised:
            matches.append(case)
    audit.record(
        "case_search",
        target_type="case",
        detail={"kind": kind, "candidates": len(candidates), "matches": len(matches)},
    )
    return SearchResult(kind, _summaries(user, matches), len(candidates))


def erase_case(user: User, case: Case, reason: ErasureReason) -> None:
    """Crypto-shred: destroy the case's data key, delete its blind-index values and its
    ciphertext, keep the non-identifying shell (code, dates, status "erased")."""
    if not policy.can_erase(user, case):
        raise GrantError("no right to erase this case")
    _check_not_erased(case)
    keys.destroy_case_key(case)
    indexing.clear_indexes(case)
    for spec in fields.encrypted_fields(Case).values():
        setattr(case, spec.column, None)
    case.erased_at = utcnow()
    case.erasure_reason = reason
    case.status = CaseStatus.ERASED
    db.session.flush()
    audit.record(
        "case_shredded", target_type="case", target_id=case.id, detail={"reason": reason.value}
    )


def report_decrypt_failure(exc: DecryptionError | KeyDestroyedError) -> None:
    """Audit a failed decryption (ids and a reason code only). The caller commits."""
    detail = {"reason": getattr(exc, "reason", "destroyed")}
    if getattr(exc, "table", ""):
        detail["table"] = exc.table
    if getattr(exc, "column", ""):
        detail["column"] = exc.column
    audit.record(
        "crypt_decrypt_fail",
        target_type="case",
        target_id=exc.case_id,
        outcome="failure",
        detail=detail,
    )
