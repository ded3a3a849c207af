"""Canary test for consent: remarks written through the consent screens (recording,
refusing, withdrawing) never appear in the database file, a pg_dump, the audit trail
or the logs, while the case page shows them to the caseworker."""

from __future__ import annotations

import io
import logging
import subprocess

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import Case
from referral.extensions import db
from tests.conftest import Browser
from tests.crypto.committed import committed_app, is_postgres, make_staff
from tests.crypto.test_canary import _sqlite_bytes

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


def _pg_dump(url: str) -> bytes:
    parsed = make_url(url)
    return subprocess.run(
        [
            "/usr/bin/pg_dump",
            "--no-owner",
            "-h", parsed.host or "127.0.0.1",
            "-p", str(parsed.port or 5432),
            "-U", parsed.username or "postgres",
            parsed.database,
        ],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip


def test_consent_remarks_never_reach_disk_dump_audit_or_logs(tmp_path):
    with committed_app(tmp_path, "canary_consent_sqlite", postgres=False) as (app, url):
        logged, shown, audit = exercise(app)
        with app.app_context():
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.commit()
            db.engine.dispose()
        file_hits = count_hits(_sqlite_bytes(url))
    log_hits = count_hits(logged.encode())
    audit_hits = count_hits(audit)
    dump_hits: int | str = "skipped (TEST_DATABASE_URL is not PostgreSQL)"
    if is_postgres():
        with committed_app(tmp_path, "canary_consent", postgres=True) as (pg_app, pg_url):
            pg_logged, pg_shown, pg_audit = exercise(pg_app)
            dump = _pg_dump(pg_url)
            assert b"COPY public.case_consents" in dump
            dump_hits = count_hits(dump)
            log_hits += count_hits(pg_logged.encode())
            audit_hits += count_hits(pg_audit)
            assert pg_shown > 0
    print(
        f"[security] consent canary hits: {file_hits} in sqlite file, {dump_hits} in pg_dump, "
        f"{audit_hits} in the audit trail, {log_hits} in logs ({len(needles())} canaries; "
        f"the case page showed them {shown} times)"
    )
    assert shown >= len(needles())  # every remark was stored and readable by its caseworker
    assert len(logged) > 0
    assert file_hits == 0 and log_hits == 0 and audit_hits == 0
    assert dump_hits == 0 or not is_postgres()
