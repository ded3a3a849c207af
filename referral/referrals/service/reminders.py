"""Overdue referrals: what the home page and the case list show the referring centre, and
the reminders that a timer sends (`flask referrals remind`, docs/notifications.md).

Overdue means what `lifecycle.is_overdue` says: sent, not yet answered by the provider,
past its deadline. Every query here filters on status and deadline first, so it walks
the (status, due_at) index and costs what the overdue referrals cost, never the table.
Codes and ids only: nothing is decrypted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from referral.audit import service as audit
from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.cases.models import Case
from referral.db import utcnow
from referral.extensions import db
from referral.notifications import service as notifications
from referral.referrals import policy
from referral.referrals.models import Referral, ReferralStatus

REMINDER_BATCH = 200


def _overdue(now: datetime):
    return (
        Referral.status == ReferralStatus.SENT,
        Referral.due_at < now,
        Referral.responded_at.is_(None),
    )


@dataclass(frozen=True)
class OverdueReferral:
    referral_id: uuid.UUID
    case_id: uuid.UUID
    case_code: str
    due_at: datetime


def overdue_referrals(
    user: User, now: datetime | None = None, limit: int = 50
) -> list[OverdueReferral]:
    """The overdue referrals of the cases the user sees (caseworker: own and assigned;
    supervisor: the centre's), the longest overdue first. One query. Case roles only:
    a provider never sees case codes."""
    if not user.can(Permission.CASE_READ):
        return []
    now = now or utcnow()
    rows = db.session.execute(
        select(Referral.id, Referral.case_id, Case.case_code, Referral.due_at)
        .join(Case, Case.id == Referral.case_id)
        .where(*_overdue(now), policy.visible_clause(user))
        .order_by(Referral.due_at, Referral.id)
        .limit(limit)
    ).all()
    return [OverdueReferral(*row) for row in rows]


def cases_with_overdue_referrals(
    case_ids: Iterable[uuid.UUID], now: datetime | None = None
) -> set[uuid.UUID]:
    """Which of these (already visible) cases have an overdue referral: one query for a
    page of the case list."""
    case_ids = list(case_ids)
    if not case_ids:
        return set()
    now = now or utcnow()
    return set(
        db.session.execute(
            select(Referral.case_id)
            .where(Referral.case_id.in_(case_ids), *_overdue(now))
            .distinct()
        ).scalars()
    )


@dataclass(frozen=True)
class ReminderRun:
    referrals: int
    notifications: int


def send_reminders(now: datetime | None = None, batch: int = REMINDER_BATCH) -> ReminderRun:
    """One overdue notification per overdue referral per recipient, once: the referral
    records when its reminder went out, so a second run (or a run every few minutes)
    tells no one twice. Referrals another transaction holds are skipped (PostgreSQL:
    SKIP LOCKED) and picked up by the next run. Flushes; the caller commits."""
    now = now or utcnow()
    referrals = told = 0
    while True:
        due = db.session.execute(
            select(Referral.id, Referral.case_id, Referral.from_org_id, Referral.from_user_id)
            .where(*_overdue(now), Referral.overdue_notified_at.is_(None))
            .order_by(Referral.due_at, Referral.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        if not due:
            break
        told += len(notifications.notify_overdue(due))
        # A bulk UPDATE: the reminder is no edit of the referral, so its version (which
        # a provider's open form carries) and its last change stay as they were.
        db.session.execute(
            update(Referral)
            .where(Referral.id.in_([row.id for row in due]))
            .values(overdue_notified_at=now, updated_at=Referral.updated_at)
            .execution_options(synchronize_session=False)
        )
        referrals += len(due)
        if len(due) < batch:
            break
    if referrals:
        audit.record(
            "referral_reminders_sent",
            detail={"referrals": referrals, "notifications": told},
        )
    db.session.flush()
    return ReminderRun(referrals, told)
