"""Retention: closed cases are kept CASE_RETENTION_YEARS after closure, then shredded
through `erasure.shred` (reason RETENTION_EXPIRED) with a supervisor of each case's
centre confirming. Operator side: `flask cases retention` (referral/cases/cli.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from referral.audit import service as audit
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases.models import Case, CaseStatus, ErasureReason
from referral.cases.service import attachments  # noqa: F401  (its files go with the case)
from referral.cases.service.erasure import shred
from referral.db import utcnow
from referral.extensions import db


class RetentionError(Exception):
    """The confirmation cannot be accepted; nothing was shredded. Safe to print."""


@dataclass(frozen=True)
class ExpiredCase:
    case_id: uuid.UUID
    case_code: str
    organisation_id: uuid.UUID
    closed_at: datetime


def cutoff(now: datetime | None = None, years: int | None = None) -> datetime:
    """Closed before this moment means past the retention period."""
    now = now or utcnow()
    years = int(current_app.config["CASE_RETENTION_YEARS"] if years is None else years)
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def expired_cases(
    now: datetime | None = None, organisation_id: uuid.UUID | None = None
) -> list[ExpiredCase]:
    """Closed (not erased) cases past the retention period, oldest closure first."""
    query = select(Case.id, Case.case_code, Case.organisation_id, Case.closed_at).where(
        Case.status == CaseStatus.CLOSED,
        Case.erased_at.is_(None),
        Case.closed_at.is_not(None),
        Case.closed_at < cutoff(now),
    )
    if organisation_id is not None:
        query = query.where(Case.organisation_id == organisation_id)
    rows = db.session.execute(query.order_by(Case.closed_at, Case.id)).all()
    return [ExpiredCase(*row) for row in rows]


def confirming_supervisor(username: str, cases: list[ExpiredCase]) -> User:
    """The account that confirms the shredding: an active supervisor of every listed
    case's centre. RetentionError otherwise."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or user.role != Role.SUPERVISOR or not user.is_active_account:
        raise RetentionError("the confirming account must be an active supervisor")
    foreign = [c for c in cases if c.organisation_id != user.organisation_id]
    if foreign:
        raise RetentionError(
            f"{len(foreign)} of these cases belong to another centre: their own supervisor "
            "must confirm them (limit the run with --organisation)"
        )
    return user


def shred_expired(
    supervisor_username: str,
    now: datetime | None = None,
    organisation_id: uuid.UUID | None = None,
) -> list[ExpiredCase]:
    """Shred every expired case, confirmed by the named supervisor. Each shredding is
    audited with the confirming supervisor as its actor; nothing is committed here."""
    cases = expired_cases(now, organisation_id)
    supervisor = confirming_supervisor(supervisor_username, cases)
    if not cases:
        return []
    loaded = db.session.execute(
        select(Case).where(Case.id.in_([c.case_id for c in cases])).options(joinedload(Case.key))
    ).scalars()
    for case in loaded:
        removed = shred(case)
        case.erasure_reason = ErasureReason.RETENTION_EXPIRED
        db.session.flush()
        audit.record(
            "case_shredded",
            target_type="case",
            target_id=case.id,
            actor=supervisor,
            detail={
                "reason": ErasureReason.RETENTION_EXPIRED.value,
                "rows": sum(removed.values()),
                "confirmed_by": supervisor.id,
                "via": "cli",
            },
        )
    audit.record(
        "retention_shred",
        target_type="organisation",
        target_id=supervisor.organisation_id,
        actor=supervisor,
        detail={
            "cases": len(cases),
            "confirmed_by": supervisor.id,
            "years": int(current_app.config["CASE_RETENTION_YEARS"]),
        },
    )
    return cases
