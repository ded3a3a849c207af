"""Canary test for the referral's encrypted fields: the summary written for the
provider, the provider's feedback and its own notes. Distinctive values written through
the services and the provider's screens (and edited, refused and stale once each) never
appear in the database file, a pg_dump, the audit trail or the logs, while the
provider's page shows each to the provider."""

from __future__ import annotations

import io
import logging
import uuid

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.directory.models import OrganisationType
from referral.extensions import db
from referral.referrals.models import Referral
from tests import factories
from tests.conftest import Browser
from tests.crypto import canary
from tests.crypto.committed import make_staff
from tests.helpers import refer

pytestmark = pytest.mark.no_db

CANARIES = {
    "summary": "CANARY-SUMMARY-7f3a21 Сводкаканарейка",
    "service_given": "CANARY-GIVEN-c81d4e Помощьканарейка",
    "outcome": "CANARY-OUTCOME-2b9f07 Итогканарейка",
    "outcome_edit": "CANARY-OUTCOMEED-e4a6c3 Исходканарейка",
    "notes": "CANARY-PNOTES-5d0b88 Пометканарейка",
    "notes_edit": "CANARY-PNOTESED-91c2fa Блокнотканарейка",
}


def needles() -> list[bytes]:
    return [part.encode() for value in CANARIES.values() for part in value.split()]


def count_hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in needles())


def _send(worker_id) -> tuple[str, str]:
    """A case referred to a new police station (the summary through the service).
    Returns (the referral's id, the police focal point's username)."""
    worker = db.session.get(User, worker_id)
    case = cases.open_case(worker, cases.CaseInput(full_name="Aigul Referred"))
    db.session.flush()
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    officer = factories.UserFactory(role=Role.PROVIDER, organisation=police)
    referral = refer(
        worker, case, police.id, items=("name", "summary"), summary=CANARIES["summary"]
    )
    db.session.commit()
    return str(referral.id), officer.username


def _version(referral_id) -> str:
    db.session.expire_all()
    return str(db.session.get(Referral, uuid.UUID(referral_id)).lock_version)


def exercise(app) -> tuple[str, int, bytes]:
    """Returns (everything logged, canary hits on the provider's page, the audit trail)."""
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    app.config["LOG_TRACEBACKS"] = True
    try:
        with app.app_context():
            worker_id = make_staff(Role.CASEWORKER).id
            referral_id, officer = _send(worker_id)
        browser = Browser(app)
        assert browser.login(officer).status_code == 302
        base = f"/referrals/{referral_id}/provider"
        with app.app_context():
            version = _version(referral_id)
        accept = {"lock_version": version}
        assert browser.post(f"{base}/accept", accept).status_code == 302
        with app.app_context():
            version = _version(referral_id)
        feedback = {"service_given": CANARIES["service_given"], "outcome": CANARIES["outcome"]}
        assert (
            browser.post(f"{base}/feedback", {**feedback, "lock_version": version}).status_code
            == 302
        )
        with app.app_context():
            version = _version(referral_id)
        edited = {**feedback, "outcome": CANARIES["outcome_edit"], "lock_version": version}
        assert browser.post(f"{base}/feedback", edited).status_code == 302
        with app.app_context():
            version = _version(referral_id)
        notes = {"notes": CANARIES["notes"], "lock_version": version}
        assert browser.post(f"{base}/notes", notes).status_code == 302
        with app.app_context():
            version = _version(referral_id)
        notes = {"notes": CANARIES["notes_edit"], "lock_version": version}
        assert browser.post(f"{base}/notes", notes).status_code == 302
        # A stale save and a refused one show the typed text again; nothing of it is kept.
        stale = {"notes": CANARIES["notes"], "lock_version": "1"}
        assert browser.post(f"{base}/notes", stale).status_code == 409
        refused = {"outcome": CANARIES["outcome"], "next_time": "10:00", "lock_version": version}
        assert browser.post(f"{base}/feedback", refused).status_code in (409, 422)
        page = browser.get(f"/referrals/{referral_id}").get_data()
        shown = sum(page.count(n) for n in needles())
        with app.app_context():
            audit = repr(
                [(e.action, e.detail) for e in db.session.execute(select(AuditEvent)).scalars()]
            ).encode()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return log.getvalue(), shown, audit


def _shown_now() -> int:
    """The page shows the summary, the latest feedback (given + edited outcome) and the
    latest notes: two words each."""
    return 2 * len(("summary", "service_given", "outcome_edit", "notes_edit"))


def test_referral_canaries_never_reach_disk_dump_audit_or_logs(tmp_path):
    found = canary.hunt(
        tmp_path, "referrals", exercise, needles(), dump_must_hold=b"COPY public.referrals"
    )
    print(found.line("referral", len(needles())))
    shown = found.shown
    assert shown >= _shown_now()  # every field was stored and readable by the provider
    assert len(found.logged) > 0
    assert found.clean
