"""Attachment screens as a caseworker uses them: attach, see, download, remove."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import Attachment, Case, ClosureCheck, ClosureReason
from referral.cases.service import closure
from referral.directory.models import Organisation
from referral.extensions import db
from tests import factories
from tests.cases.test_attachments_service import EXE, PDF, PNG


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    directory = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(directory))
    return directory


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


@pytest.fixture
def case(worker):
    return service.open_case(worker.user, service.CaseInput(full_name="Айгүл Токтогулова"))


def _upload(browser, case, data=PDF, name="Токтогулова справка.pdf", kind="forensic_certificate"):
    return browser.post(
        f"/cases/{case.id}/attachments/new",
        {"kind": kind, "file": (io.BytesIO(data), name, "application/pdf")},
    )


def _only(case):
    return db.session.execute(select(Attachment).where(Attachment.case_id == case.id)).scalar_one()


def test_attach_see_and_download_a_certificate(worker, case, store):
    assert worker.get(f"/cases/{case.id}/attachments/new").status_code == 200
    response = _upload(worker, case)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#attachments")
    page = worker.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Токтогулова справка.pdf" in page
    assert "Forensic-medical certificate" in page
    attachment = _only(case)
    download = worker.get(f"/cases/{case.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.get_data() == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="{case.case_code}-forensic_certificate.pdf"'
    )
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    reads = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "attachment_read")
    ).scalars()
    assert [e.target_id for e in reads] == [str(case.id)]


def test_the_type_comes_from_the_content_not_the_browser(worker, case, store):
    response = worker.post(
        f"/cases/{case.id}/attachments/new",
        {"kind": "other", "file": (io.BytesIO(PNG), "photo.pdf", "application/pdf")},
    )
    assert response.status_code == 302
    download = worker.get(f"/cases/{case.id}/attachments/{_only(case).id}")
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].endswith('-other.png"')


def test_a_renamed_program_is_refused_on_the_form(worker, case, store):
    response = _upload(worker, case, data=EXE, name="certificate.pdf")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Only PDF, JPEG and PNG" in body
    assert '<option selected value="forensic_certificate">' in body  # the choice is kept
    assert not store.exists() or list(store.iterdir()) == []


def test_no_file_and_no_kind_are_both_reported(worker, case, store):
    response = worker.post(f"/cases/{case.id}/attachments/new", {"kind": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose what the document is." in body
    assert "Choose a file to attach" in body


def test_a_file_over_the_limit_gets_a_message_not_an_error_page(
    app, worker, case, store, monkeypatch
):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 2048)
    response = _upload(worker, case, data=PDF + b"x" * 4096)
    assert response.status_code == 422
    assert "The file is larger than" in response.get_data(as_text=True)
    # Past the request limit the body is not even read: the same message, on the form.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 8192)
    response = _upload(worker, case, data=PDF + b"x" * 20000)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The file is larger than" in body
    assert 'enctype="multipart/form-data"' in body


def test_the_request_limit_answers_a_stranger_with_the_plain_page(app, login_as, case, monkeypatch):
    stranger = login_as("caseworker")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 8192)
    response = _upload(stranger, case, data=PDF + b"x" * 20000)
    assert response.status_code == 413
    assert "multipart" not in response.get_data(as_text=True)


def test_a_tampered_file_fails_closed(worker, case, store):
    _upload(worker, case)
    attachment = _only(case)
    path = store / attachment.storage_id
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    response = worker.get(f"/cases/{case.id}/attachments/{attachment.id}")
    assert response.status_code == 500
    assert b"%PDF" not in response.get_data()
    failures = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "crypt_decrypt_fail")
    ).scalars()
    assert len(list(failures)) == 1


def test_an_attachment_of_another_case_answers_404(worker, case, store):
    other = service.open_case(worker.user, service.CaseInput(full_name="Жылдыз Асанова"))
    _upload(worker, other)
    foreign = _only(other)
    assert worker.get(f"/cases/{case.id}/attachments/{foreign.id}").status_code == 404


def test_remove_an_attachment(worker, case, store):
    _upload(worker, case)
    attachment = _only(case)
    url = f"/cases/{case.id}/attachments/{attachment.id}/delete"
    assert worker.get(url).status_code == 200
    unticked = worker.post(url, {"lock_version": attachment.lock_version})
    assert unticked.status_code == 422
    assert worker.post(url, {"lock_version": 99, "understood": "y"}).status_code == 409
    done = worker.post(url, {"lock_version": attachment.lock_version, "understood": "y"})
    assert done.status_code == 302
    assert list(store.iterdir()) == []
    assert "Document removed" in worker.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_closed_case_shows_its_documents_but_takes_no_new_one(worker, case, store):
    _upload(worker, case)
    case = db.session.get(Case, case.id)  # the request ended the test's session
    organisation = db.session.get(Organisation, case.organisation_id)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=organisation)
    request = closure.ClosureRequestInput(ClosureReason.NEEDS_MET, tuple(ClosureCheck))
    closure.request_closure(db.session.get(User, worker.user.id), case, request, case.lock_version)
    db.session.flush()
    closure.approve_closure(supervisor, case, case.lock_version)
    db.session.flush()
    assert worker.get(f"/cases/{case.id}/attachments/new").status_code == 409
    assert worker.get(f"/cases/{case.id}/attachments/{_only(case).id}").status_code == 200
