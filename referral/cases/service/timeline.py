"""The case timeline: every event of the case in order, with translated labels. Steps
add their event kinds with `event_label(kind, label)`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from referral.cases.models import Case, CaseEvent

LABELS: dict[str, object] = {
    "case_opened": _l("Case opened"),
    "intake_updated": _l("Intake record changed"),
    "case_assigned": _l("Caseworkers assigned"),
}


def event_label(kind: str, label) -> None:
    LABELS[kind] = label


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    label: str
    actor_name: str
    target_type: str | None
    target_id: uuid.UUID | None
    detail: dict | None


def timeline(case: Case, limit: int = 200) -> list[TimelineEntry]:
    events = db_events(case, limit)
    return [
        TimelineEntry(
            e.at,
            e.kind,
            str(LABELS.get(e.kind, e.kind)),
            (e.actor.full_name or e.actor.username) if e.actor else "",
            e.target_type,
            e.target_id,
            e.detail,
        )
        for e in events
    ]


def db_events(case: Case, limit: int) -> list[CaseEvent]:
    from referral.extensions import db

    return list(
        db.session.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .options(joinedload(CaseEvent.actor))
            .order_by(CaseEvent.at.desc(), CaseEvent.id)
            .limit(limit)
        ).scalars()
    )
