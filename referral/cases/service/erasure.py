"""Erasure by crypto-shredding, and what it covers: the case's data key, its blind-index
values, every encrypted column of the case and every row of every case-child table
(incidents, consent, notes, attachments and whatever joins later), so that nothing but
a non-identifying shell (code, dates, status "erased") remains."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete

from referral.auth.models import User
from referral.cases import indexing, keys, policy
from referral.cases.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseStatus,
    ErasureReason,
    case_child_models,
)
from referral.cases.service.common import audit_case, check_readable
from referral.crypto import fields
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.extensions import db
from referral.stats import facts as stats_facts

# Called with the case before its rows go (attachments delete their files here).
_BEFORE_ERASE: list[Callable[[Case], None]] = []


def before_erase(fn: Callable[[Case], None]) -> Callable[[Case], None]:
    """Register a step that must run when a case is erased (for data outside its tables)."""
    _BEFORE_ERASE.append(fn)
    return fn


def shred(case: Case) -> dict[str, int]:
    """Remove everything identifying of the case; returns rows deleted per table."""
    for step in _BEFORE_ERASE:
        step(case)
    removed = {}
    for model in case_child_models():
        result = db.session.execute(delete(model).where(model.case_id == case.id))
        removed[model.__tablename__] = result.rowcount or 0
    for model in (CaseEvent, CaseAssignment):
        result = db.session.execute(delete(model).where(model.case_id == case.id))
        removed[model.__tablename__] = result.rowcount or 0
    db.session.expire(case, ["assignments"])
    keys.destroy_case_key(case)
    indexing.clear_indexes(case)
    for spec in fields.encrypted_fields(Case).values():
        setattr(case, spec.column, None)
    case.erased_at = utcnow()
    case.status = CaseStatus.ERASED
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return removed


def erase_case(user: User, case: Case, reason: ErasureReason) -> None:
    """A supervisor's crypto-shred of one case of their centre."""
    if not policy.can_erase(user, case):
        raise GrantError("no right to erase this case")
    check_readable(case)
    removed = shred(case)
    case.erasure_reason = reason
    db.session.flush()
    audit_case(
        "case_shredded",
        case,
        reason=reason.value,
        rows=sum(removed.values()),
    )
