"""HSDS import: check every record first, report every bad one, then change all or nothing.

The checks are in `validation`, the writing in `application`; import from this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from referral.audit import service as audit
from referral.directory.exchange.application import apply_valid
from referral.directory.exchange.profile import Tables
from referral.directory.exchange.validation import EMAIL_RE, PHONE_RE, Problem, check
from referral.directory.service.locations import location_ids_by_code

__all__ = ["EMAIL_RE", "PHONE_RE", "ImportResult", "Problem", "check", "import_tables"]


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def import_tables(tables: Tables, *, source: str) -> ImportResult:
    """Check everything; apply only when nothing is wrong. The caller commits (or rolls
    back). `source` is "json" or "csv" (recorded in the audit event)."""
    problems, valid = check(tables)
    result = ImportResult(problems=problems)
    if problems:
        return result
    apply_valid(valid, location_ids_by_code())
    result.counts = {name: len(rows) for name, rows in valid.items()}
    audit.record(
        "hsds_import",
        detail={"format": source, **{k: v for k, v in sorted(result.counts.items())}},
    )
    return result
