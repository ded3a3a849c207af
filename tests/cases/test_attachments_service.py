"""Attachments: type by content, size limit, encryption on disk, fail closed, files
that follow the transaction and the erasure of the case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import (
    Attachment,
    AttachmentKind,
    Case,
    CaseStatus,
    ErasureReason,
    MediaType,
)
from referral.cases.service import attachments
from referral.cases.service.attachments import AttachmentInput
from referral.crypto import fields
from referral.crypto.envelope import DecryptionError
from referral.crypto.grants import GrantError
from referral.extensions import db
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\nCANARY-ATTACHMENT-BYTES-5b2c\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    directory = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(directory))
    return directory


@pytest.fixture
def worker():
    return factories.UserFactory(role=Role.CASEWORKER)


@pytest.fixture
def case(worker):
    return service.open_case(worker, service.CaseInput(full_name="Айгүл Токтогулова"))


def _attach(user, case, data=PDF, name="справка Токтогулова.pdf", kind=AttachmentKind.OTHER):
    return attachments.add_attachment(user, case, AttachmentInput(kind, name, data))


def _files(directory):
    return [p for p in directory.iterdir() if not p.name.startswith(".")]


def test_a_pdf_is_stored_encrypted_under_a_random_name_and_opens_again(worker, case, store):
    attachment = _attach(worker, case)
    db.session.commit()
    (path,) = _files(store)
    raw = path.read_bytes()
    assert path.name == attachment.storage_id
    assert "Токтогулова" not in path.name
    assert b"CANARY-ATTACHMENT" not in raw
    assert b"%PDF" not in raw
    assert not list(store.glob(".*.tmp"))  # written to a temporary file, then renamed
    opened = attachments.open_attachment(worker, case, attachment)
    assert opened.data == PDF
    assert opened.media_type == MediaType.PDF
    assert opened.download_name == f"{case.case_code}-other.pdf"
    (view,) = attachments.list_attachments(worker, case)
    assert view.original_name == "справка Токтогулова.pdf"


@pytest.mark.parametrize(("data", "media"), [(PNG, MediaType.PNG), (JPEG, MediaType.JPEG)])
def test_images_are_typed_by_their_first_bytes(worker, case, store, data, media):
    attachment = _attach(worker, case, data=data, name="scan.pdf")
    assert attachment.media_type == media
    assert attachments.open_attachment(worker, case, attachment).download_name.endswith(
        f".{media.extension}"
    )


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_written(worker, case, store):
    with pytest.raises(service.CaseError) as refused:
        _attach(worker, case, data=EXE, name="certificate.pdf")
    assert refused.value.field == "file"
    assert "PDF, JPEG and PNG" in str(refused.value.message)
    assert not store.exists() or _files(store) == []


def test_the_size_limit_and_every_problem_at_once(app, worker, case, store, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024)
    _attach(worker, case, data=PDF + b"x" * (1024 - len(PDF)))  # exactly the limit
    with pytest.raises(service.CaseError) as refused:
        attachments.add_attachment(
            worker, case, AttachmentInput(None, "big.pdf", PDF + b"x" * 1024)
        )
    problems = dict(refused.value.errors)
    assert set(problems) == {"kind", "file"}
    assert "larger than 0.000976562 MB" in str(problems["file"])


def test_the_file_name_keeps_no_folder_or_control_characters():
    assert attachments.clean_file_name("C:\\Users\\a\\scan\x00 1.pdf") == "scan 1.pdf"
    assert attachments.clean_file_name("../../etc/passwd") == "passwd"
    assert attachments.clean_file_name("") is None


def test_a_tampered_or_swapped_file_fails_closed(worker, case, store):
    first = _attach(worker, case)
    second = _attach(worker, case, data=PNG)
    db.session.commit()
    path = store / first.storage_id
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(DecryptionError):
        attachments.open_attachment(worker, case, first)
    # A file that is valid for another row does not open as this one.
    path.write_bytes((store / second.storage_id).read_bytes())
    with pytest.raises(DecryptionError):
        attachments.open_attachment(worker, case, first)
    path.unlink()
    with pytest.raises(DecryptionError):
        attachments.open_attachment(worker, case, first)


def test_a_file_of_another_case_does_not_open_here(worker, case, store):
    other = service.open_case(worker, service.CaseInput(full_name="Жылдыз Асанова"))
    mine, theirs = _attach(worker, case), _attach(worker, other)
    db.session.commit()
    (store / mine.storage_id).write_bytes((store / theirs.storage_id).read_bytes())
    with pytest.raises(DecryptionError):
        attachments.open_attachment(worker, case, mine)


def test_only_the_policy_opens_a_file(worker, case, store):
    attachment = _attach(worker, case)
    stranger = factories.UserFactory(role=Role.CASEWORKER)
    with pytest.raises(GrantError):
        attachments.open_attachment(stranger, case, attachment)
    with pytest.raises(fields.EncryptedAttributeError):
        fields.read(attachment, "content", None)


def test_a_rolled_back_upload_leaves_no_file(worker, case, store):
    _attach(worker, case)
    assert len(_files(store)) == 1
    db.session.rollback()
    assert _files(store) == []


def test_a_removed_attachment_loses_its_file_when_the_removal_commits(worker, case, store):
    attachment = _attach(worker, case)
    db.session.commit()
    attachments.delete_attachment(worker, case, attachment, attachment.lock_version)
    assert len(_files(store)) == 1  # not before the commit
    db.session.commit()
    assert _files(store) == []
    assert attachments.list_attachments(worker, case) == []


def test_a_stale_removal_is_refused(worker, case, store):
    attachment = _attach(worker, case)
    with pytest.raises(service.StaleError):
        attachments.delete_attachment(worker, case, attachment, attachment.lock_version + 1)


def test_erasing_the_case_removes_its_files_and_keeps_the_others(worker, case, store):
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)
    other = service.open_case(worker, service.CaseInput(full_name="Жылдыз Асанова"))
    gone = [_attach(worker, case), _attach(worker, case, data=PNG)]
    kept = _attach(worker, other)
    db.session.commit()
    paths = [store / a.storage_id for a in gone]
    service.erase_case(supervisor, case, ErasureReason.SURVIVOR_REQUEST)
    db.session.commit()
    assert not any(p.exists() for p in paths)
    assert (
        db.session.execute(select(Attachment).where(Attachment.case_id == case.id)).scalars().all()
        == []
    )
    assert attachments.open_attachment(worker, other, kept).data == PDF
    assert db.session.get(Case, case.id).is_erased


def test_a_closed_case_takes_no_attachment(worker, case, store):
    case.status = CaseStatus.CLOSED
    with pytest.raises(service.CaseClosedError):
        _attach(worker, case)


def test_storage_under_static_is_refused(app, worker, case, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(app.static_folder) + "/uploads")
    with pytest.raises(attachments.AttachmentStorageError):
        _attach(worker, case)


def test_audit_names_the_attachment_never_its_name(worker, case, store):
    attachment = _attach(worker, case)
    attachments.open_attachment(worker, case, attachment)
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.action.in_(("attachment_added", "attachment_read")))
    ).scalars()
    details = [e.detail for e in events]
    assert [d["attachment"] for d in details] == [str(attachment.id)] * 2
    assert "Токтогулова" not in repr(details)
    assert "справка" not in repr(details)
