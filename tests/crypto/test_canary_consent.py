"""Canary test for consent: remarks written through the consent screens (recording,
refusing, withdrawing) never appear in the database file, a pg_dump, the audit trail
or the logs, while the case page shows them to the caseworker."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import Case
from referral.extensions import db
from tests.conftest import Browser
from tests.crypto import canary
from tests.crypto.committed import make_staff

pytestmark = pytest.mark.no_db

REMARKS = (
    "CANARY-CONSENT-71c3a9 Жылдызканарейка",
    "CANARY-REFUSAL-2b8e40 Qwxzvbnmkj",
    "CANARY-WITHDRAW-d94f17 Ёлкаканарейка",
)


def needles() -> list[bytes]:
    return [part.encode() for remark in REMARKS for part in remark.split()]


def count_hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in needles())


def _consent(lock: int, kind: str, decision: str, remark: str, **extra) -> dict:
    return {
        "lock_version": str(lock),
        "kind": kind,
        "decision": decision,
        "given_by": "survivor",
        "method": "written",
        "remark": remark,
        **extra,
    }


def exercise(app) -> tuple[str, int, bytes]:
    """Record, refuse and withdraw consents with canary remarks through the screens.
    Returns (everything logged, canary hits on the case page, the audit trail)."""
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
            worker = make_staff(Role.CASEWORKER)
            username = worker.username
        browser = Browser(app)
        assert browser.login(username).status_code == 302
        assert browser.post("/cases/new", {"full_name": "Aigul Canary"}).status_code == 302
        with app.app_context():
            case_id = db.session.execute(select(Case.id)).scalar_one()
        new = f"/cases/{case_id}/consent/new"
        given = _consent(0, "release", "given", REMARKS[0], service_types="health_hospital")
        assert browser.post(new, given).status_code == 302
        assert browser.post(new, _consent(1, "reporting", "refused", REMARKS[1])).status_code == 302
        withdraw = {"confirmed": "y", "remark": REMARKS[2]}
        assert (
            browser.post(f"/cases/{case_id}/consent/release/withdraw", withdraw).status_code == 302
        )
        # A refused form shows the typed remark again, but nothing of it is stored.
        refused = _consent(3, "release", "given", REMARKS[0])
        assert browser.post(new, refused).status_code == 422
        shown = count_hits(browser.get(f"/cases/{case_id}").get_data())
        with app.app_context():
            audit = repr(
                [(e.action, e.detail) for e in db.session.execute(select(AuditEvent)).scalars()]
            ).encode()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return log.getvalue(), shown, audit


def test_consent_remarks_never_reach_disk_dump_audit_or_logs(tmp_path):
    found = canary.hunt(
        tmp_path, "consent", exercise, needles(), dump_must_hold=b"COPY public.case_consents"
    )
    print(found.line("consent", len(needles())))
    shown = found.shown
    assert shown >= len(needles())  # every remark was stored and readable by its caseworker
    assert len(found.logged) > 0
    assert found.clean
