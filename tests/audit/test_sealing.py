"""Entries are written unsealed with the action and chained afterwards, one sealer at a
time: no shared row is locked by a request, and the chain stays gap-free."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from referral.audit import service as audit
from referral.audit.models import AuditEvent, AuditHead
from referral.extensions import db
from tests import factories
from tests.crypto.committed import committed_app, is_postgres


def _events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def test_an_entry_is_written_unsealed_and_the_sealer_chains_entries_in_insert_order():
    user = factories.UserFactory()
    for i in range(3):
        audit.record("test_event", detail={"i": i}, actor=user)
    assert [e.seq for e in _events()] == [None, None, None]
    assert audit.seal_now() == 3
    events = _events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.detail["i"] for e in events] == [0, 1, 2]
    assert events[1].prev_hash == events[0].entry_hash
    head = db.session.get(AuditHead, 1)
    assert (head.last_seq, head.last_hash) == (3, events[2].entry_hash)
    assert audit.verify_chain().ok


def test_recording_touches_no_shared_row():
    """What made reads queue: every append updated the head row until its commit."""
    head_before = db.session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    statements: list[str] = []

    def listen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()).upper())

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", listen)
    try:
        audit.record("test_event", detail={"i": 1})
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert statements, "record() wrote nothing"
    assert all(s.startswith("INSERT INTO AUDIT_EVENTS") for s in statements), statements
    assert (
        db.session.execute(
            select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)
        ).one()
        == head_before
    )


def test_the_database_allows_sealing_once_and_nothing_else():
    audit.record("test_event", detail={"i": 1})
    entry_id = _events()[-1].id
    # An unsealed entry's content is as immutable as a sealed one's.
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(
            text("UPDATE audit_events SET action = 'forged' WHERE id = :i"), {"i": entry_id}
        )
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": entry_id})
    audit.seal_now()
    seq = db.session.execute(select(AuditEvent.seq).where(AuditEvent.id == entry_id)).scalar_one()
    # Once sealed, its place cannot be changed either.
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(
            text("UPDATE audit_events SET seq = :s, prev_hash = entry_hash WHERE id = :i"),
            {"s": seq + 1000, "i": entry_id},
        )
    assert audit.verify_chain().ok


def test_a_request_seals_its_entries_after_its_commit(login_as):
    auditor = login_as("auditor")
    auditor.post("/audit/verify")
    events = _events()
    verified = [e for e in events if e.action == "audit_verify"]
    assert verified, "the verification was not audited"
    assert all(e.seq is not None for e in events), "entries left unsealed after the request"
    assert audit.verify_chain().ok


def test_a_deleted_head_row_is_reported_not_papered_over():
    _ = [audit.record("test_event", detail={"i": i}) for i in range(3)]
    audit.seal_now()
    conn = db.session.connection()
    conn.execute(text("DELETE FROM audit_head"))
    audit.record("test_event", detail={"i": 3})
    result = audit.verify_chain()
    assert not result.ok
    assert result.reason == "head_missing"
    assert result.checked == 3
    assert _events()[-1].seq is None, "the sealer invented a new tip"


def test_an_entry_sealed_with_an_unknown_key_is_named_not_a_crash():
    for i in range(3):
        audit.record("test_event", detail={"i": i})
    audit.seal_now()
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
    conn.execute(text("UPDATE audit_events SET key_id = 'audit-99' WHERE seq = 2"))
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 2, "unknown_key")


# --- concurrency: separate connections, each committing ---------------------------------

WRITERS = 6
PER_WRITER = 10


def _writer(app, start: threading.Barrier, errors: list):
    try:
        start.wait(timeout=10)
        for i in range(PER_WRITER):
            with app.test_request_context("/"):
                audit.record("test_event", detail={"i": i})
                db.session.commit()
                # what the request's teardown does: seal, never waiting for another
                audit.seal_after_request()
    except Exception as error:  # reported by the test, with its type
        errors.append(repr(error))


def _unsealed() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
    )


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("backend", "mode"),
    [("sqlite", "request"), ("postgresql", "request"), ("postgresql", "background")],
)
def test_concurrent_writers_leave_a_gap_free_chain(backend, mode, tmp_path):
    if backend == "postgresql" and not is_postgres():
        pytest.skip("PostgreSQL: run the suite with TEST_DATABASE_URL=postgresql+psycopg://...")
    with committed_app(tmp_path, "audit_race", postgres=backend == "postgresql") as (app, _):
        app.config["AUDIT_SEAL_IN_BACKGROUND"] = mode == "background"
        start = threading.Barrier(WRITERS)
        errors: list = []
        threads = [
            threading.Thread(target=_writer, args=(app, start, errors)) for _ in range(WRITERS)
        ]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        elapsed = time.perf_counter() - began
        assert not errors, errors
        with app.app_context():
            deadline = time.monotonic() + 10  # the sealer thread's moment
            while (unsealed := _unsealed()) and time.monotonic() < deadline:
                db.session.rollback()
                time.sleep(0.05)
            result = audit.verify_chain()
            db.session.rollback()
        audit.stop_background_sealer(app)
        assert unsealed == 0, "an entry was left for `flask audit seal`"
        assert result.ok, result
        assert result.checked == WRITERS * PER_WRITER
        print(
            f"\n[security] audit chain, {WRITERS} concurrent writers on {backend}, "
            f"sealed {'by the sealer thread' if mode == 'background' else 'after each commit'}: "
            f"{result.checked} entries, gap-free, verified ({elapsed:.2f} s)"
        )
