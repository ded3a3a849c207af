"""The auditor's CSV of the filtered trail: the console's columns, in the reader's
language, identifiers only (staff names next to them, never case content).

Every text cell goes through the statistics exports' formula guard: a staff name or an
endpoint starting with "=" must open in a spreadsheet as text, not as a formula."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from referral.audit.browse import TrailRow
from referral.audit.vocabulary import action_label, detail_label, role_label, units_label
from referral.stats.exports import neutralise


def _line(row: TrailRow) -> list:
    event = row.event
    return [
        event.seq if event.seq is not None else "",
        event.occurred_at.strftime("%Y-%m-%d %H:%M:%S") + " UTC",
        action_label(event.action),
        event.action,
        event.outcome,
        row.actor_name or "",
        role_label(event.actor_role) if event.actor_user_id else "",
        row.organisation.name if row.organisation is not None else "",
        event.target_type or "",
        event.target_id or "",
        units_label(event.detail),
        detail_label(event.detail),
    ]


def to_csv(rows: list[TrailRow], *, truncated: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "#",
            _("When"),
            _("Event"),
            _("Event code"),
            _("Outcome"),
            _("Who"),
            _("Role"),
            _("Organisation"),
            _("Object type"),
            _("Object"),
            _("What was read"),
            _("Details"),
        ]
    )
    for row in rows:
        writer.writerow([neutralise(v) for v in _line(row)])
    if truncated:
        writer.writerow([_("Only the newest %(n)s events are in this file.", n=len(rows))])
    # A byte-order mark: Excel opens UTF-8 (Kyrgyz, Russian) correctly only with it.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
