"""Canary test for the assessment: an incident narrative, a perpetrator's name, a safety
plan and needs written through the assessment screens (including edits, a refused form
and a stale save) never appear in the database file, a pg_dump, the audit trail or the
logs, while the case page shows them to the caseworker."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import Case, Incident, Perpetrator, RiskAssessment
from referral.cases.service.assessment import ANSWERS
from referral.cases.service.common import today
from referral.extensions import db
from tests.conftest import Browser
from tests.crypto import canary
from tests.crypto.committed import make_staff

pytestmark = pytest.mark.no_db

CANARIES = {
    "narrative": "CANARY-NARRATIVE-4e1b77 Тундукканарейка",
    "narrative_edit": "CANARY-NARRATIVE2-0c9d31 Qzjxwvkpfa",
    "perpetrator": "CANARY-PERP-9a6f02 Жумабекканарейка",
    "safety_concern": "CANARY-SAFETY-5d2c88 Ёлочканарейка",
    "safety_where_to_go": "CANARY-WHERE-77e0a4 Xkqzvwmjbn",
    "needs_legal": "CANARY-NEEDLEGAL-31f6bd Алиментыканарейка",
    "needs_child": "CANARY-NEEDCHILD-a8b453 Pqzxwvjkmd",
}


def needles() -> list[bytes]:
    return [part.encode() for value in CANARIES.values() for part in value.split()]


def count_hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in needles())


def _incident(**extra) -> dict:
    return {
        **dict.fromkeys(ANSWERS, "no"),
        "q_penetration": "yes",
        "incident_date": today().isoformat(),
        **extra,
    }


def exercise(app) -> tuple[str, int, bytes]:
    """Write every encrypted assessment field through the screens. Returns (everything
    logged, canary hits on the case page, the audit trail)."""
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    app.config["LOG_TRACEBACKS"] = True
    c = CANARIES
    try:
        with app.app_context():
            worker = make_staff(Role.CASEWORKER)
            username = worker.username
        browser = Browser(app)
        assert browser.login(username).status_code == 302
        assert browser.post("/cases/new", {"full_name": "Aigul Canary"}).status_code == 302
        with app.app_context():
            case_id = db.session.execute(select(Case.id)).scalar_one()
        base = f"/cases/{case_id}"
        new = browser.post(f"{base}/incidents/new", _incident(narrative=c["narrative"]))
        assert new.status_code == 302
        with app.app_context():
            incident_id = db.session.execute(select(Incident.id)).scalar_one()
        edit = f"{base}/incidents/{incident_id}/edit"
        assert browser.get(edit).status_code == 200
        changed = _incident(narrative=c["narrative_edit"], lock_version="1")
        assert browser.post(edit, changed).status_code == 302
        # A stale save shows the saved narrative and keeps the typed one; nothing stored.
        assert (
            browser.post(edit, _incident(narrative=c["narrative"], lock_version="1")).status_code
            == 409
        )
        perpetrator = {"relationship_to_survivor": "intimate_partner_former_partner"}
        add = f"{base}/incidents/{incident_id}/perpetrators/new"
        assert browser.post(add, {**perpetrator, "name": c["perpetrator"]}).status_code == 302
        with app.app_context():
            perpetrator_id = db.session.execute(select(Perpetrator.id)).scalar_one()
        assert browser.get(f"{base}/perpetrators/{perpetrator_id}/edit").status_code == 200
        plan = {k: c[k] for k in ("safety_concern", "safety_where_to_go")}
        risk = f"{base}/risk/new"
        # Refused first: high risk with half a safety plan.
        assert (
            browser.post(risk, {"level": "high", "safety_concern": c["safety_concern"]}).status_code
            == 422
        )
        assert browser.post(risk, {"level": "high", **plan}).status_code == 302
        with app.app_context():
            risk_id = db.session.execute(select(RiskAssessment.id)).scalar_one()
        assert browser.get(risk).status_code == 200  # the reassessment form decrypts the plan
        again = {"level": "medium", "based_on": str(risk_id), **plan}
        assert browser.post(risk, again).status_code == 302
        needs = {
            "legal_priority": "high",
            "legal_text": c["needs_legal"],
            "child_priority": "medium",
            "child_text": c["needs_child"],
        }
        assert browser.post(f"{base}/needs/new", needs).status_code == 302
        assert browser.get(f"{base}/needs/new").status_code == 200
        shown = count_hits(browser.get(base).get_data())
        with app.app_context():
            audit = repr(
                [(e.action, e.detail) for e in db.session.execute(select(AuditEvent)).scalars()]
            ).encode()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return log.getvalue(), shown, audit


def test_assessment_fields_never_reach_disk_dump_audit_or_logs(tmp_path):
    found = canary.hunt(
        tmp_path, "assessment", exercise, needles(), dump_must_hold=b"COPY public.needs_assessments"
    )
    print(found.line("assessment", len(needles())))
    shown = found.shown
    assert (
        shown >= len(needles()) - 2
    )  # every current value is readable by its caseworker (the first narrative was replaced)
    assert len(found.logged) > 0
    assert found.clean
