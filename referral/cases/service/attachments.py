"""Attachments: scanned documents of a case (forensic-medical certificate, protection
order, signed consent form), encrypted with the case's data key before they reach the
disk.

- The type is decided by the file's first bytes (PDF, JPEG, PNG only), never by its
  name or the browser's content type; the size is limited (ATTACHMENT_MAX_BYTES).
- The sealed content is written to a temporary file in ATTACHMENTS_DIR and renamed to
  a random id, so a reader never sees half a file and the directory listing names
  nothing. The original file name is encrypted too (unit ATTACHMENT) and is never used
  when the file is served.
- Files follow the transaction: a file written by a unit of work that does not commit
  is removed, and a file whose row is deleted (or whose case is erased) is removed once
  the deletion commits.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from referral.auth.models import User
from referral.cases.models import Attachment, AttachmentKind, Case, MediaType
from referral.cases.service import erasure
from referral.cases.service.common import (
    CaseError,
    Problems,
    audit_case,
    check_lock,
    children,
    read_grant,
    record_event,
    write_grant,
)
from referral.cases.service.timeline import event_label
from referral.crypto import fields
from referral.crypto import grants as U
from referral.crypto.envelope import DecryptionError
from referral.extensions import db

UNITS = frozenset({U.ATTACHMENT})
NAME_MAX = 200
# Magic numbers of the accepted types. An .exe renamed .pdf starts with "MZ" and is refused.
SIGNATURES = (
    (b"%PDF-", MediaType.PDF),
    (b"\xff\xd8\xff", MediaType.JPEG),
    (b"\x89PNG\r\n\x1a\n", MediaType.PNG),
)
_STORAGE_ID = re.compile(r"^[0-9a-f]{32}$")

event_label("attachment_added", _l("Document attached"))
event_label("attachment_deleted", _l("Document removed"))


class AttachmentStorageError(RuntimeError):
    """ATTACHMENTS_DIR is unsafe (under static/): refuse to store anything."""


@dataclass(frozen=True)
class AttachmentInput:
    kind: AttachmentKind | None
    file_name: str | None
    data: bytes | None  # at most ATTACHMENT_MAX_BYTES + 1 bytes of the upload


@dataclass(frozen=True)
class AttachmentView:
    id: uuid.UUID
    kind: AttachmentKind
    media_type: MediaType
    size_bytes: int
    created_at: datetime
    uploaded_by: str
    original_name: str | None
    lock_version: int


@dataclass(frozen=True)
class AttachmentFile:
    """Decrypted content and the safe generic name it is served under."""

    data: bytes
    media_type: MediaType
    download_name: str


def max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def too_large_message():
    megabytes = max_bytes() / (1024 * 1024)
    return _l(
        "The file is larger than %(size)s MB. Scan it at a lower resolution, or split it "
        "into several files.",
        size=f"{megabytes:g}",
    )


def sniff(data: bytes) -> MediaType | None:
    for magic, media_type in SIGNATURES:
        if data.startswith(magic):
            return media_type
    return None


def clean_file_name(name: str | None) -> str | None:
    """The name without any folder part or control characters, at most NAME_MAX long."""
    if not name:
        return None
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split())[:NAME_MAX]
    return name or None


# --- the directory and the files ------------------------------------------------------


def storage_dir() -> Path:
    """ATTACHMENTS_DIR (relative to instance/), created private to the app's user."""
    configured = Path(current_app.config["ATTACHMENTS_DIR"])
    if not configured.is_absolute():
        configured = Path(current_app.instance_path) / configured
    path = configured.resolve()
    static = Path(current_app.static_folder or "static").resolve()
    if path == static or static in path.parents:
        raise AttachmentStorageError("ATTACHMENTS_DIR must not be under static/")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def file_path(attachment: Attachment) -> Path:
    if not _STORAGE_ID.match(attachment.storage_id or ""):
        # A storage id that is not ours (an edited row) must not become a path.
        raise DecryptionError(
            "missing", table="attachments", row_id=attachment.id, case_id=attachment.case_id
        )
    return storage_dir() / attachment.storage_id


def _write_file(blob: bytes) -> str:
    """Write sealed bytes under a new random id: temporary file, fsync, rename."""
    directory = storage_dir()
    storage_id = secrets.token_hex(16)
    temporary = directory / f".{storage_id}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, directory / storage_id)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _pending(db.session(), "attachment_new").append(directory / storage_id)
    return storage_id


def _remove_after_commit(attachment: Attachment) -> None:
    _pending(db.session(), "attachment_doomed").append(file_path(attachment))


def _pending(session: Session, name: str) -> list[Path]:
    return session.info.setdefault(name, [])


@event.listens_for(Session, "after_commit")
def _files_after_commit(session: Session) -> None:
    session.info.pop("attachment_new", None)
    for path in session.info.pop("attachment_doomed", []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _files_after_rollback(session: Session, transaction) -> None:
    """The outermost transaction ended without a commit (rollback or close): the files
    it wrote have no row, and the files it meant to delete still have theirs."""
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop("attachment_new", []):
        path.unlink(missing_ok=True)
    session.info.pop("attachment_doomed", None)


@erasure.before_erase
def _erase_files(case: Case) -> None:
    for attachment in children(Attachment, case):
        _remove_after_commit(attachment)


# --- the service ----------------------------------------------------------------------


def _clean(data: AttachmentInput) -> tuple[MediaType | None, str | None]:
    problems = Problems()
    if data.kind is None:
        problems.add("kind", _l("Choose what the document is."))
    media_type = None
    if not data.data:
        problems.add("file", _l("Choose a file to attach. An empty file cannot be attached."))
    elif len(data.data) > max_bytes():
        problems.add("file", too_large_message())
    else:
        media_type = sniff(data.data)
        if media_type is None:
            problems.add(
                "file",
                _l("Only PDF, JPEG and PNG files can be attached. Scan the document again."),
            )
    problems.raise_if_any(CaseError)
    return media_type, clean_file_name(data.file_name)


def add_attachment(user: User, case: Case, data: AttachmentInput) -> Attachment:
    """Encrypt and store a document of the case. CaseError for a missing kind, an empty,
    too large or unaccepted file; CaseClosedError on a closed case."""
    grant = write_grant(user, case, UNITS)
    media_type, name = _clean(data)
    attachment = Attachment(
        case_id=case.id,
        kind=data.kind,
        media_type=media_type,
        size_bytes=len(data.data),
        uploaded_by_id=user.id,
    )
    attachment.case = case
    fields.write(attachment, "original_name", name, grant)
    attachment.storage_id = _write_file(fields.seal_bytes(attachment, "content", data.data, grant))
    db.session.add(attachment)
    db.session.flush()
    record_event(case, "attachment_added", target=attachment, detail={"kind": data.kind.value})
    audit_case(
        "attachment_added",
        case,
        UNITS,
        attachment=attachment.id,
        kind=data.kind.value,
        media_type=media_type.extension,
        size=attachment.size_bytes,
    )
    return attachment


def list_attachments(
    user: User, case: Case, kind: AttachmentKind | None = None
) -> list[AttachmentView]:
    """The case's documents, newest first, with their original names decrypted."""
    rows = children(Attachment, case, Attachment.created_at.desc(), Attachment.id)
    if kind is not None:
        rows = [a for a in rows if a.kind == kind]
    if not rows:
        return []
    grant = read_grant(user, case, UNITS)
    users = _names({a.uploaded_by_id for a in rows})
    views = [
        AttachmentView(
            a.id,
            a.kind,
            a.media_type,
            a.size_bytes,
            a.created_at,
            users.get(a.uploaded_by_id, ""),
            fields.read(a, "original_name", grant),
            a.lock_version,
        )
        for a in rows
    ]
    audit_case("sensitive_read", case, UNITS, attachments=len(views))
    return views


def _names(ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    users = db.session.execute(select(User).where(User.id.in_(ids))).scalars()
    return {u.id: u.full_name or u.username for u in users}


def download_name(case: Case, attachment: Attachment) -> str:
    """`<case code>-<kind>.<ext>`: never the survivor's own file name."""
    return f"{case.case_code}-{attachment.kind.value}.{attachment.media_type.extension}"


def open_attachment(user: User, case: Case, attachment: Attachment) -> AttachmentFile:
    """Decrypt a document for download; audited as attachment_read. A file that is
    missing, altered or swapped raises DecryptionError (the app fails closed)."""
    grant = read_grant(user, case, UNITS)
    try:
        blob = file_path(attachment).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        blob = None  # open_bytes refuses it as "missing"
    data = fields.open_bytes(attachment, "content", blob, grant)
    audit_case("attachment_read", case, UNITS, attachment=attachment.id)
    return AttachmentFile(data, attachment.media_type, download_name(case, attachment))


def delete_attachment(user: User, case: Case, attachment: Attachment, lock_version) -> None:
    """Remove a document attached by mistake; its file goes once the deletion commits."""
    write_grant(user, case, UNITS)
    check_lock(attachment, lock_version)
    _remove_after_commit(attachment)
    kind, attachment_id = attachment.kind, attachment.id
    db.session.delete(attachment)
    db.session.flush()
    record_event(
        case,
        "attachment_deleted",
        target_type=Attachment.__tablename__,
        target_id=attachment_id,
        detail={"kind": kind.value},
    )
    audit_case("attachment_deleted", case, UNITS, attachment=attachment_id, kind=kind.value)
