"""Retention: `flask cases retention` lists the closed cases kept past the period, and
shreds them only with an active supervisor of each case's centre confirming."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import Case, CaseKey, CaseStatus, ErasureReason
from referral.cases.service import attachments
from referral.db import utcnow
from referral.extensions import db
from tests import factories
from tests.cases.test_attachments_service import PDF


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    directory = tmp_path / "attachments"
    monkeypatch.setitem(app.config, "ATTACHMENTS_DIR", str(directory))
    return directory


@pytest.fixture
def worker():
    return factories.UserFactory(role=Role.CASEWORKER)


@pytest.fixture
def supervisor(worker):
    return factories.UserFactory(role=Role.SUPERVISOR, organisation=worker.organisation)


def _closed(owner, name, years_ago: float, document: bytes | None = None) -> Case:
    case = service.open_case(owner, service.CaseInput(full_name=name))
    if document is not None:
        kind = attachments.AttachmentKind.OTHER
        attachments.add_attachment(
            owner, case, attachments.AttachmentInput(kind, "scan.pdf", document)
        )
    case.status = CaseStatus.CLOSED
    case.closed_at = utcnow() - timedelta(days=365.25 * years_ago)
    db.session.flush()
    return case


def _run(app, *args):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["cases", "retention", *args])


def _reload(case) -> Case:
    return db.session.get(Case, case.id)


def test_the_listing_names_codes_and_dates_only(app, worker):
    old = _closed(worker, "Айгүл Токтогулова", 6)
    recent = _closed(worker, "Жылдыз Асанова", 1)
    still_open = service.open_case(worker, service.CaseInput(full_name="Нурзада Бекова"))
    result = _run(app)
    assert result.exit_code == 0, result.output
    assert old.case_code in result.output
    assert old.closed_at.date().isoformat() in result.output
    assert recent.case_code not in result.output
    assert still_open.case_code not in result.output
    assert "Токтогулова" not in result.output
    assert "1 closed case(s) past the retention period of 5 years." in result.output
    assert _reload(old).status == CaseStatus.CLOSED  # listing changes nothing


def test_the_period_is_a_setting(app, worker, monkeypatch):
    case = _closed(worker, "Айгүл Токтогулова", 2)
    monkeypatch.setitem(app.config, "CASE_RETENTION_YEARS", 1)
    assert case.case_code in _run(app).output


def test_shredding_with_a_supervisors_confirmation(app, worker, supervisor, store):
    old = _closed(worker, "Айгүл Токтогулова", 6, document=PDF)
    recent = _closed(worker, "Жылдыз Асанова", 1)
    (file,) = store.iterdir()
    result = _run(app, "--shred", "--confirm-by", supervisor.username)
    assert result.exit_code == 0, result.output
    assert f"{old.case_code}  shredded" in result.output
    shredded = _reload(old)
    assert shredded.status == CaseStatus.ERASED
    assert shredded.erasure_reason == ErasureReason.RETENTION_EXPIRED
    assert db.session.get(CaseKey, old.id) is None
    assert not file.exists()
    assert _reload(recent).status == CaseStatus.CLOSED
    (event,) = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "case_shredded")
    ).scalars()
    assert event.target_id == str(old.id)
    assert event.actor_user_id == supervisor.id
    assert event.detail["confirmed_by"] == str(supervisor.id)
    assert event.detail["reason"] == "retention_expired"
    (summary,) = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "retention_shred")
    ).scalars()
    assert summary.detail["cases"] == 1


@pytest.mark.parametrize("who", ["caseworker", "inactive", "unknown"])
def test_no_valid_supervisor_no_shredding(app, worker, supervisor, who):
    old = _closed(worker, "Айгүл Токтогулова", 6)
    if who == "inactive":
        supervisor.is_active_account = False
    name = {"caseworker": worker.username, "inactive": supervisor.username}.get(who, "nobody")
    result = _run(app, "--shred", "--confirm-by", name)
    assert result.exit_code != 0
    assert "nothing was shredded" in result.output
    assert _reload(old).status == CaseStatus.CLOSED


def test_shred_needs_a_confirmation(app, worker):
    old = _closed(worker, "Айгүл Токтогулова", 6)
    result = _run(app, "--shred")
    assert result.exit_code != 0
    assert "--confirm-by" in result.output
    assert _reload(old).status == CaseStatus.CLOSED


def test_another_centres_cases_need_their_own_supervisor(app, worker, supervisor):
    mine = _closed(worker, "Айгүл Токтогулова", 6)
    elsewhere = _closed(factories.UserFactory(role=Role.CASEWORKER), "Жылдыз Асанова", 7)
    refused = _run(app, "--shred", "--confirm-by", supervisor.username)
    assert refused.exit_code != 0
    assert "another centre" in refused.output
    assert _reload(mine).status == _reload(elsewhere).status == CaseStatus.CLOSED
    limited = _run(
        app,
        "--shred",
        "--confirm-by",
        supervisor.username,
        "--organisation",
        str(worker.organisation_id),
    )
    assert limited.exit_code == 0, limited.output
    assert _reload(mine).status == CaseStatus.ERASED
    assert _reload(elsewhere).status == CaseStatus.CLOSED
