"""Canary test for what the caseworker's referral screens write: the summary typed on
the send page, a supervisor's written reason to override consent, and the feedback of a
provider without an account recorded on its behalf (plus a refused send and a stale
answer that carried a canary). None of it appears in the database file, a pg_dump, the
audit trail or the logs, while the referral page and the slip show it to the
caseworker."""

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
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals.models import Referral
from tests import factories
from tests.conftest import Browser
from tests.crypto import canary
from tests.crypto.committed import make_staff

pytestmark = pytest.mark.no_db

CANARIES = {
    "summary": "CANARY-CWSUMMARY-3d9e42 Жолдомоканарейка",
    "override": "CANARY-OVERRIDE-b71c05 Себепканарейка",
    "feedback": "CANARY-ONBEHALF-58f2aa Жоопканарейка",
    "refused": "CANARY-REFUSED-0e6b1d Четканарейка",
}
POLICE = ServiceType.POLICE_INTERNAL_AFFAIRS


def needles() -> list[bytes]:
    return [part.encode() for value in CANARIES.values() for part in value.split()]


def count_hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in needles())


def _world() -> tuple[str, str, str]:
    """A supervisor, a case of theirs without consent to release, and a rural police
    station without an account that serves the whole country. Returns (username,
    case id, police organisation id)."""
    boss = make_staff(Role.SUPERVISOR)
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    factories.ServiceFactory(organisation=police, service_type=POLICE, is_nationwide=True)
    case = cases.open_case(db.session.get(User, boss.id), cases.CaseInput(full_name="Aigul Cw"))
    db.session.commit()
    return boss.username, str(case.id), str(police.id)


def _version(referral_id) -> str:
    db.session.expire_all()
    return str(db.session.get(Referral, uuid.UUID(referral_id)).lock_version)


def exercise(app) -> tuple[str, int, bytes]:
    """Returns (everything logged, canary hits on the caseworker's pages, the audit)."""
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
            username, case_id, police_id = _world()
        browser = Browser(app)
        assert browser.login(username).status_code == 302
        send = {
            "service_type": POLICE.value,
            "to_org_id": police_id,
            "urgency": "urgent",
            "shared_items": ["name"],
            "summary": CANARIES["refused"],
        }
        url = f"/referrals/cases/{case_id}/new"
        # Without consent and without a reason: refused, the typed summary shown again.
        assert browser.post(url, send).status_code == 422
        sent = {**send, "summary": CANARIES["summary"], "override_reason": CANARIES["override"]}
        response = browser.post(url, sent)
        assert response.status_code == 302
        referral_id = response.headers["Location"].rsplit("/", 1)[1]
        with app.app_context():
            version = _version(referral_id)
        answer = {"status": "accepted", "feedback": CANARIES["feedback"]}
        record = f"/referrals/{referral_id}/record"
        assert browser.post(record, {**answer, "lock_version": "99"}).status_code == 409
        assert browser.post(record, {**answer, "lock_version": version}).status_code == 302
        page = browser.get(f"/referrals/{referral_id}").get_data()
        slip = browser.get(f"/referrals/{referral_id}/slip").get_data()
        shown = sum(page.count(n) for n in needles()) + sum(slip.count(n) for n in needles())
        with app.app_context():
            audit = repr(
                [(e.action, e.detail) for e in db.session.execute(select(AuditEvent)).scalars()]
            ).encode()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return log.getvalue(), shown, audit


# The referral page shows the summary, the override reason and the feedback; the slip
# the summary: two words each.
SHOWN = 2 * 4


def test_caseworker_referral_canaries_never_reach_disk_dump_audit_or_logs(tmp_path):
    found = canary.hunt(
        tmp_path, "referrals_cw", exercise, needles(), dump_must_hold=b"COPY public.referrals"
    )
    print(found.line("caseworker referral", len(needles())))
    shown = found.shown
    assert shown == SHOWN  # every field was stored and readable by the caseworker
    assert len(found.logged) > 0
    assert found.clean
