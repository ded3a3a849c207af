"""Canary test for the action plan, follow-ups, protection orders and case notes: a
distinctive value in every encrypted field, written and edited through the screens
(and so through the services), never appears in the database file, a pg_dump, the
audit trail or the logs, while the case page shows each to the caseworker."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import Case
from referral.cases.models.plan import ActionPlanItem, CaseNote, FollowUp, ProtectionOrder
from referral.cases.service.common import today
from referral.extensions import db
from tests.conftest import Browser
from tests.crypto import canary
from tests.crypto.committed import make_staff

pytestmark = pytest.mark.no_db

# One per encrypted field, and one per edit of it: the first word is ASCII, the second
# Cyrillic, so that neither encoding slips through.
CANARIES = {
    "goal": "CANARY-GOAL-5e1a77 Юртаканарейка",
    "goal_edit": "CANARY-GOALED-93bb02 Щеглоканарейка",
    "services_details": "CANARY-SERVICES-0c4d19 Кумузканарейка",
    "followup_notes": "CANARY-FUNOTES-a7f3e2 Айранканарейка",
    "followup_notes_edit": "CANARY-FUNOTESED-14c8d5 Чапанканарейка",
    "conditions_text": "CANARY-CONDITIONS-6b2f90 Ордерканарейка",
    "conditions_text_edit": "CANARY-CONDED-d0e571 Тундукканарейка",
    "violation": "CANARY-VIOLATION-3c9a4b Нарушканарейка",
    "note": "CANARY-NOTE-f81e26 Заметканарейка",
    "note_edit": "CANARY-NOTEED-72d0c3 Правканарейка",
}


def needles() -> list[bytes]:
    return [part.encode() for value in CANARIES.values() for part in value.split()]


def count_hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in needles())


def _one(model):
    return db.session.execute(select(model.id)).scalar_one()


def exercise(app) -> tuple[str, int, bytes]:
    """Write and edit every encrypted field of the plan step through the screens.
    Returns (everything logged, canary hits on the case page, the audit trail)."""
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    app.config["LOG_TRACEBACKS"] = True
    day = today().isoformat()
    later = (today() + timedelta(days=7)).isoformat()
    try:
        with app.app_context():
            worker = make_staff(Role.CASEWORKER)
            username, worker_id = worker.username, str(worker.id)
        browser = Browser(app)
        assert browser.login(username).status_code == 302
        assert browser.post("/cases/new", {"full_name": "Aigul Canary"}).status_code == 302
        with app.app_context():
            case_id = db.session.execute(select(Case.id)).scalar_one()
        base = f"/cases/{case_id}"

        item = {"area": "legal", "owner_id": worker_id, "due_date": later}
        item |= {"progress": "not_started", "goal": CANARIES["goal"]}
        assert browser.post(f"{base}/plan/new", item).status_code == 302
        with app.app_context():
            item_id = _one(ActionPlanItem)
        edited = {**item, "goal": CANARIES["goal_edit"], "lock_version": "1"}
        assert browser.post(f"{base}/plan/{item_id}/edit", edited).status_code == 302

        follow = {"held_on": day, "kind": "visit", "services_received": "partly"}
        follow |= {"services_details": CANARIES["services_details"]}
        follow |= {"notes": CANARIES["followup_notes"], "next_date": later}
        assert browser.post(f"{base}/followups/new", follow).status_code == 302
        with app.app_context():
            follow_id = _one(FollowUp)
        edited = {**follow, "notes": CANARIES["followup_notes_edit"], "lock_version": "1"}
        assert browser.post(f"{base}/followups/{follow_id}/edit", edited).status_code == 302

        order = {"kind": "temporary", "issuing_body": "police", "issued_on": day}
        order |= {"conditions": ["other"], "status": "active"}
        order |= {"conditions_text": CANARIES["conditions_text"]}
        assert browser.post(f"{base}/orders/new", order).status_code == 302
        with app.app_context():
            order_id = _one(ProtectionOrder)
        edited = {**order, "conditions_text": CANARIES["conditions_text_edit"], "lock_version": "1"}
        assert browser.post(f"{base}/orders/{order_id}/edit", edited).status_code == 302
        violation = {"occurred_on": day, "description": CANARIES["violation"]}
        assert (
            browser.post(f"{base}/orders/{order_id}/violations/new", violation).status_code == 302
        )

        assert browser.post(f"{base}/notes/new", {"text": CANARIES["note"]}).status_code == 302
        with app.app_context():
            note_id = _one(CaseNote)
        edited = {"text": CANARIES["note_edit"], "lock_version": "1"}
        assert browser.post(f"{base}/notes/{note_id}/edit", edited).status_code == 302
        # A refused and a stale form show the typed text again; nothing of it is stored.
        assert browser.post(f"{base}/notes/new", {"text": ""}).status_code == 422
        stale = {"text": CANARIES["note"], "lock_version": "1"}
        assert browser.post(f"{base}/notes/{note_id}/edit", stale).status_code == 409

        page = browser.get(base).get_data()
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
    """Canary words the case page must show: the latest value of every field (edited
    ones replace the first), plus the services details and the violation."""
    latest = ("goal_edit", "services_details", "followup_notes_edit", "conditions_text_edit")
    latest += ("violation", "note_edit")
    return sum(len(CANARIES[k].split()) for k in latest)


def test_plan_canaries_never_reach_disk_dump_audit_or_logs(tmp_path):
    found = canary.hunt(
        tmp_path,
        "plan",
        exercise,
        needles(),
        dump_must_hold=b"COPY public.protection_order_violations",
    )
    print(found.line("plan", len(needles())))
    shown = found.shown
    assert shown >= _shown_now()  # every field was stored and readable by its caseworker
    assert len(found.logged) > 0
    assert found.clean
