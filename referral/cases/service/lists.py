"""Case lists and searches: the keyset-paginated list with its filters, exact search
by phone or name through the blind index, and the capped open-case count. Only the
name unit of each row is decrypted; nothing here counts every row of a table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload, load_only, selectinload

from referral.audit import service as audit
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import indexing, policy
from referral.cases.models import (
    Case,
    CaseAssignment,
    CaseStatus,
    RiskLevel,
)
from referral.crypto import blind_index, fields
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.extensions import db

PAGE_SIZE = 50
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    case_code: str
    status: CaseStatus
    full_name: str | None  # None for erased cases
    updated_at: datetime
    is_erased: bool
    risk_level: RiskLevel | None = None
    immediate_danger: bool = False
    owner_name: str = ""
    has_overdue_referral: bool = False  # referrals: a referral past its deadline


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "phone", "name" or "none" (nothing searchable in the term)
    cases: list[CaseSummary]
    candidates: int


@dataclass(frozen=True)
class CaseFilters:
    status: CaseStatus | None = None
    risk: RiskLevel | None = None
    caseworker_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseSummary]
    next_cursor: str | None
    first: bool


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(updated_at: datetime, case_id: uuid.UUID) -> str:
    """The last row's (updated_at in whole microseconds, id), in hex: exact, short, and
    nothing in it but a time and a random id."""
    micros = (updated_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros:x}.{case_id.hex}"


def decode_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (updated_at, id) a cursor stands for, or None for anything malformed (the
    list then starts at the top)."""
    if not cursor or len(cursor) > 60 or not cursor.isascii():
        return None
    stamp, _dot, hex_id = cursor.partition(".")
    try:
        micros = int(stamp, 16)
        if not 0 <= micros < 2**56:
            return None
        return _EPOCH + timedelta(microseconds=micros), uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError):
        return None


def _filtered(user: User, filters: CaseFilters):
    query = policy.visible_cases(user)
    if filters.status is not None:
        query = query.where(Case.status == filters.status)
    if filters.risk is not None:
        query = query.where(Case.risk_level == filters.risk)
    if filters.caseworker_id is not None:
        assigned = select(CaseAssignment.case_id).where(
            CaseAssignment.user_id == filters.caseworker_id
        )
        query = query.where((Case.owner_id == filters.caseworker_id) | Case.id.in_(assigned))
    return query


def list_cases(
    user: User, filters: CaseFilters = CaseFilters(), cursor: str | None = None
) -> CasePage:
    """One page of the user's visible cases, most recently changed first, by keyset:
    the cursor is the last row's (updated_at, id), so a deep page costs what page 1
    costs. Names decrypted (the NAME unit only); no count of all rows."""
    query = _filtered(user, filters)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(tuple_(Case.updated_at, Case.id) < after)
    options = [
        # Only what a row shows and its access check reads: a case has a dozen
        # encrypted columns, and loading them all is most of a list's database time.
        load_only(
            Case.case_code,
            Case.organisation_id,
            Case.owner_id,
            Case.status,
            Case.updated_at,
            Case.erased_at,
            Case.risk_level,
            Case.immediate_danger,
            Case.full_name_ct,
            Case.lock_version,
        ),
        joinedload(Case.key),
        joinedload(Case.owner).load_only(User.full_name, User.username),
    ]
    if user.role == Role.CASEWORKER:
        options.append(selectinload(Case.assignments))  # the grant checks assignment
    cases = list(
        db.session.execute(
            query.options(*options)
            .order_by(Case.updated_at.desc(), Case.id.desc())
            .limit(PAGE_SIZE + 1)
        )
        .unique()
        .scalars()
    )
    more = len(cases) > PAGE_SIZE
    cases = cases[:PAGE_SIZE]
    next_cursor = encode_cursor(cases[-1].updated_at, cases[-1].id) if more else None
    return CasePage(summaries(user, cases), next_cursor, after is None)


def summaries(user: User, cases: list[Case]) -> list[CaseSummary]:
    # Referrals: which of these cases have an overdue referral, in one query per page.
    from referral.referrals.service import reminders

    overdue = reminders.cases_with_overdue_referrals([case.id for case in cases])
    # One access decision per case, one grant for the page (GrantError below for a case
    # the policy left out, as `grant_for` would raise).
    readable = [case for case in cases if not case.is_erased]
    grant = policy.page_grant(user, readable, {U.NAME})
    if readable and grant is None:
        raise GrantError("no access to these fields of this case")
    names = dict(
        zip([c.id for c in readable], fields.read_column(readable, "full_name", grant), strict=True)
    )
    rows = []
    for case in cases:
        rows.append(
            CaseSummary(
                case.id,
                case.case_code,
                case.status,
                names.get(case.id),
                case.updated_at,
                case.is_erased,
                case.risk_level,
                case.immediate_danger,
                case.owner.full_name or case.owner.username,
                case.id in overdue,
            )
        )
    return rows


def search_cases(user: User, term: str, audit_kind: str = "case_search") -> SearchResult:
    """Exact match on the survivor's phone (if the term is one) or name, through the
    blind index; candidates are decrypted and false positives dropped. The audit event
    holds the kind and the counts, never the term."""
    if blind_index.normalise_phone(term) is not None:
        kind, field_name, keys_of, unit = "phone", "phone", indexing.phone_keys, U.CONTACT
    else:
        kind, field_name, keys_of, unit = "name", "full_name", blind_index.name_keys, U.NAME
    wanted = keys_of(term)
    if not wanted:
        return SearchResult("none", [], 0)
    options = [joinedload(Case.key), joinedload(Case.owner)]
    if user.role == Role.CASEWORKER:
        options.append(selectinload(Case.assignments))
    candidates = list(
        db.session.execute(
            policy.visible_cases(user)
            .where(Case.id.in_(indexing.candidate_ids(kind, wanted)), Case.erased_at.is_(None))
            .options(*options)
            .order_by(Case.updated_at.desc(), Case.id)
            .limit(MAX_CANDIDATES)
        )
        .unique()
        .scalars()
    )
    matches = []
    for case in candidates:
        grant = policy.grant_for(user, case, {unit})
        # A match shares a reading with the term; index collisions share none.
        if set(keys_of(fields.read(case, field_name, grant))) & set(wanted):
            matches.append(case)
    audit.record(
        audit_kind,
        target_type="case",
        detail={"kind": kind, "candidates": len(candidates), "matches": len(matches)},
    )
    return SearchResult(kind, summaries(user, matches), len(candidates))


# --- assignment -------------------------------------------------------------------------


COUNT_CAP = 1000


def count_open_cases(user: User) -> int | str:
    """Open cases in the user's scope, counted up to COUNT_CAP ("1000+" beyond): a home
    page must not scan every case of a large centre on every visit."""
    capped = (
        policy.visible_cases(user)
        .with_only_columns(Case.id)
        .where(Case.status == CaseStatus.OPEN)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    from sqlalchemy import func

    total = db.session.execute(select(func.count()).select_from(capped)).scalar_one()
    return f"{COUNT_CAP}+" if total > COUNT_CAP else total
