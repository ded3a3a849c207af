"""HSDS import: check every record first, report every bad one, then change all or nothing.

The checks are in `checks` (machinery in `validation`), the writing in `application`;
import from this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from referral.audit import service as audit
from referral.directory.exchange.application import apply_valid
from referral.directory.exchange.checks import check
from referral.directory.exchange.profile import Tables
from referral.directory.exchange.validation import EMAIL_RE, Note, Problem
from referral.directory.models import Location
from referral.directory.service.locations import load_locations, location_ids_by_code
from referral.extensions import db

__all__ = ["EMAIL_RE", "ImportResult", "Note", "Problem", "check", "import_tables"]


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # what was assumed or not stored
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def import_tables(tables: Tables, *, source: str) -> ImportResult:
    """Check everything; apply only when nothing is wrong. The caller commits (or rolls
    back). `source` is "json" or "csv" (recorded in the audit event).

    An instance with no locations yet (migrations only) gets Kyrgyzstan's shipped ones
    first: every place code in an export refers to them."""
    seeded = []
    if not db.session.scalar(select(func.count()).select_from(Location)):
        added = load_locations()
        db.session.flush()
        seeded = [
            Note(
                "locations",
                0,
                "",
                str(_l("Kyrgyzstan's %(n)d locations were added first.", n=added)),
            )
        ]
    problems, notes, valid = check(tables)
    result = ImportResult(problems=problems, notes=seeded + notes)
    if problems:
        return result
    apply_valid(valid, location_ids_by_code())
    result.counts = {name: len(rows) for name, rows in valid.items()}
    audit.record(
        "hsds_import",
        detail={"format": source, **{k: v for k, v in sorted(result.counts.items())}},
    )
    return result
