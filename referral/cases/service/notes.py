"""Case notes: the crisis centre's own running notes (unit NOTES), never shared with a
provider (PRODUCT.md §3).

A note keeps its author: only the author edits it, and only while the case is open.
Notes are never deleted one by one; they go with the case when it is erased.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from referral.auth.models import User
from referral.cases.models import Case
from referral.cases.models.plan import CaseNote
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    read_grant,
    record_event,
    write_grant,
)
from referral.cases.service.plan import clean_text
from referral.cases.service.timeline import event_label
from referral.crypto import fields
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.extensions import db

UNITS = frozenset({U.NOTES})
TEXT_MAX = 10_000

event_label("case_note_added", _l("Case note written"))
event_label("case_note_edited", _l("Case note edited"))


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    text: str | None
    author_id: uuid.UUID
    author_name: str
    written_at: datetime
    edited_at: datetime | None
    lock_version: int
    can_edit: bool


def _clean(text: str | None) -> str:
    problems = Problems()
    value = clean_text(text)
    if value is None:
        problems.add("text", _l("Write the note."))
    elif len(value) > TEXT_MAX:
        problems.add("text", _l("Keep a note under 10000 characters."))
    problems.raise_if_any(CaseError)
    return value


def add_note(user: User, case: Case, text: str | None) -> CaseNote:
    grant = write_grant(user, case, UNITS)
    value = _clean(text)
    note = CaseNote(case_id=case.id, case=case, author_id=user.id)
    fields.write(note, "text", value, grant)
    db.session.add(note)
    db.session.flush()
    record_event(case, "case_note_added", target=note)
    audit_case("sensitive_create", case, UNITS, record=note.__tablename__, record_id=note.id)
    return note


def can_edit_note(user: User, case: Case, note: CaseNote) -> bool:
    return note.author_id == user.id and not case.is_closed


def update_note(
    user: User, case: Case, note: CaseNote, text: str | None, lock_version: int | None
) -> CaseNote:
    """The author rewrites their note. GrantError for anyone else (the page answers
    404), CaseClosedError once the case is closed, StaleError when the author saved it
    meanwhile from another window."""
    grant = write_grant(user, case, UNITS)
    if note.author_id != user.id:
        raise GrantError("only the author edits a note")
    if lock_version is None or int(lock_version) != note.lock_version:
        current = fields.read(note, "text", grant)
        changed = ["text"] if current != clean_text(text) else []
        raise StaleError(changed, {"text": current})
    value = _clean(text)
    fields.write(note, "text", value, grant)
    note.edited_at = utcnow()
    db.session.flush()
    record_event(case, "case_note_edited", target=note)
    audit_case("sensitive_update", case, UNITS, record=note.__tablename__, record_id=note.id)
    return note


def _view(user: User, case: Case, note: CaseNote, grant) -> NoteView:
    author = note.author
    return NoteView(
        id=note.id,
        text=fields.read(note, "text", grant),
        author_id=note.author_id,
        author_name=(author.full_name or author.username) if author else "",
        written_at=note.created_at,
        edited_at=note.edited_at,
        lock_version=note.lock_version,
        can_edit=can_edit_note(user, case, note),
    )


def read_note(user: User, case: Case, note: CaseNote) -> NoteView:
    view = _view(user, case, note, read_grant(user, case, UNITS))
    audit_case("sensitive_read", case, UNITS, record=note.__tablename__, record_id=note.id)
    return view


def notes(user: User, case: Case) -> list[NoteView]:
    """Newest first; audited only when something was decrypted."""
    records = list(
        db.session.execute(
            db.select(CaseNote)
            .where(CaseNote.case_id == case.id)
            .options(joinedload(CaseNote.author))
            .order_by(CaseNote.created_at.desc(), CaseNote.id)
        ).scalars()
    )
    if not records:
        return []
    grant = read_grant(user, case, UNITS)
    views = [_view(user, case, n, grant) for n in records]
    audit_case("sensitive_read", case, UNITS, record="case_notes", count=len(views))
    return views
