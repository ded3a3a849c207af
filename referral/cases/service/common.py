"""What every step of the case file shares: the rule error, the erased and closed
checks, the timeline writer and typed loaders of a case's child records."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import date

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.audit import service as audit
from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case, CaseChild, CaseEvent
from referral.crypto.grants import READ, WRITE, Grant, GrantError
from referral.db import utcnow
from referral.extensions import db
from referral.rules import Problems, RuleError

__all__ = ["CaseErasedError", "CaseError", "Problems", "RuleError", "StaleError"]


class CaseError(RuleError):
    """A case rule refused the action (message safe to show, field it belongs to)."""


class CaseErasedError(CaseError):
    def __init__(self, case_code: str):
        super().__init__(_l("This case was erased. Its content can no longer be read."))
        self.case_code = case_code


class CaseClosedError(CaseError):
    def __init__(self):
        super().__init__(_l("This case is closed. A supervisor can reopen it."))


class StaleError(Exception):
    """Someone saved the record since the form was loaded. `changed` names the fields
    whose saved value now differs from what the form started from; `current` holds the
    saved values (plaintext dataclass fields, for the page only)."""

    def __init__(self, changed: list[str], current: dict):
        super().__init__("the record changed meanwhile")
        self.changed = changed
        self.current = current


def check_readable(case: Case) -> None:
    if case.is_erased:
        raise CaseErasedError(case.case_code)


def write_grant(user: User, case: Case, units) -> Grant:
    """The grant to change `units` of the case; CaseClosedError on a closed case,
    CaseErasedError on an erased one, GrantError out of scope."""
    check_readable(case)
    access = policy.access_for(user, case)
    if not access.visible:
        raise GrantError("no access to this case")
    if not access.can_edit:
        raise CaseClosedError()
    return policy.grant_for(user, case, frozenset(units), WRITE)


def read_grant(user: User, case: Case, units) -> Grant:
    check_readable(case)
    return policy.grant_for(user, case, frozenset(units), READ)


def check_lock(record, lock_version: int | None) -> None:
    """Refuse a save made from a form older than the record (optimistic locking)."""
    if lock_version is None or int(lock_version) != record.lock_version:
        raise StaleError([], {})


def record_event(
    case: Case,
    kind: str,
    *,
    target: CaseChild | None = None,
    target_type: str | None = None,
    target_id: uuid.UUID | None = None,
    detail: dict | None = None,
    touch: bool = True,
) -> CaseEvent:
    """Add a line to the case timeline (codes and ids only) and touch the case, so lists
    sorted by last change show it first (`touch=False` for a case created in this unit
    of work: it was just stamped, and a second UPDATE would bump its version)."""
    from flask_login import current_user

    actor = getattr(current_user, "id", None) if current_user else None
    if target is not None:
        target_type = target.__tablename__
        target_id = target.id
    event = CaseEvent(
        case_id=case.id,
        at=utcnow(),
        actor_id=actor,
        kind=kind,
        target_type=target_type,
        target_id=target_id,
        detail=detail or None,
    )
    db.session.add(event)
    if touch:
        case.updated_at = utcnow()
    return event


def audit_case(action: str, case: Case, units=None, **detail) -> None:
    """An audit event for a case: ids and field units, never values. Inside
    `one_read_event(case)`, reads of that case are gathered into one event."""
    collector = _read_collector(case) if action == "sensitive_read" else None
    if collector is not None:
        collector.update(units or ())
        return
    if units:
        detail["units"] = sorted(units)
    audit.record(action, target_type="case", target_id=case.id, detail=detail or None)


def _read_collector(case: Case) -> set | None:
    if not has_app_context():
        return None
    current = g.get("_case_reads")
    return current[1] if current is not None and current[0] == case.id else None


@contextmanager
def one_read_event(case: Case):
    """A page that reads many parts of one case (the case page, its print) records one
    `sensitive_read` event naming every field unit it decrypted, written when the page
    has been built: the audit chain's head is locked from the first append to the
    commit, so one late append keeps concurrent pages from queueing behind each other."""
    units: set[str] = set()
    outer = g.get("_case_reads")
    g._case_reads = (case.id, units)
    try:
        yield
    finally:
        g._case_reads = outer
    if units:
        audit.record(
            "sensitive_read", target_type="case", target_id=case.id, detail={"units": sorted(units)}
        )


def children(model, case: Case, *order_by):
    """The case's rows of a child model, in order."""
    query = select(model).where(model.case_id == case.id)
    if order_by:
        query = query.order_by(*order_by)
    return list(db.session.execute(query).scalars())


def get_child(model, case: Case, record_id) -> CaseChild | None:
    """A child record of this (already authorised) case, or None: a record id of another
    case answers like a missing one."""
    rid = policy.parse_id(record_id)
    if rid is None:
        return None
    return db.session.execute(
        select(model).where(model.id == rid, model.case_id == case.id)
    ).scalar_one_or_none()


def today() -> date:
    from referral.cases.timeutil import local_now

    return local_now().date()
