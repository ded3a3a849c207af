"""Reading the trail: the auditor's filtered pages and "who looked at this case".

Entries hold identifiers only; the names shown next to them are those of staff (the
actor and their organisation, from the users and organisations tables), never of a
survivor. Unsealed entries are listed too: they are committed facts, and their place in
the chain follows within moments.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.models import User
from referral.directory.models import Organisation
from referral.extensions import db

BISHKEK = ZoneInfo("Asia/Bishkek")
PAGE_SIZE = 50
# What reads identifying fields of a case: the case's own pages, prints, documents and
# the referral pages that show it (all audited against the case).
CASE_READ_ACTIONS = (
    "sensitive_read",
    "case_printed",
    "attachment_read",
    "referral_slip_printed",
)


@dataclass(frozen=True)
class TrailFilters:
    actor_id: uuid.UUID | None = None
    action: str | None = None
    target_id: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive: the whole day

    @property
    def active(self) -> bool:
        return any((self.actor_id, self.action, self.target_id, self.since, self.until))


@dataclass(frozen=True)
class TrailRow:
    event: AuditEvent
    actor_name: str | None
    organisation: Organisation | None


@dataclass(frozen=True)
class TrailPage:
    rows: list[TrailRow]
    next_before: int | None  # the id to pass as `before` for older entries


def _local_midnight_utc(day: date) -> datetime:
    """Days are Bishkek days, as every date the application shows."""
    return datetime.combine(day, time(0, 0), tzinfo=BISHKEK).astimezone(UTC)


def _page(query, before: int | None, limit: int) -> TrailPage:
    query = (
        query.outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.actor_org_id)
        .add_columns(User.full_name, User.username, Organisation)
        .order_by(AuditEvent.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(AuditEvent.id < before)
    found = db.session.execute(query).all()
    rows = [
        TrailRow(event=event, actor_name=full_name or username, organisation=org)
        for event, full_name, username, org in found[:limit]
    ]
    more = len(found) > limit
    return TrailPage(rows=rows, next_before=rows[-1].event.id if more and rows else None)


def trail_page(filters: TrailFilters, *, before: int | None = None, limit: int = PAGE_SIZE):
    """Newest first, `limit` entries older than `before` matching every filter set."""
    query = select(AuditEvent)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_user_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.target_id:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= _local_midnight_utc(filters.since))
    if filters.until:
        end = _local_midnight_utc(filters.until + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    return _page(query, before, limit)


def actions_present() -> list[str]:
    """Every event type the trail holds, for the filter's choices."""
    return list(
        db.session.execute(
            select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        ).scalars()
    )


def case_reads(case_id: uuid.UUID, *, before: int | None = None, limit: int = PAGE_SIZE):
    """Who read identifying fields of this case, and which field groups, newest first.
    The caller has loaded the case through the case policy (404 out of scope)."""
    query = select(AuditEvent).where(
        AuditEvent.target_type == "case",
        AuditEvent.target_id == str(case_id),
        AuditEvent.action.in_(CASE_READ_ACTIONS),
    )
    return _page(query, before, limit)
