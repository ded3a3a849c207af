"""The audit chain: written with the action, refuses personal data, detects tampering."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from referral.audit import service as audit
from referral.audit.models import AuditEvent
from referral.extensions import db
from tests import factories


def _chain(n: int) -> list[AuditEvent]:
    user = factories.UserFactory()
    for i in range(n):
        audit.record(
            "test_event", target_type="user", target_id=user.id, detail={"i": i}, actor=user
        )
    audit.seal_now(batch=10**6)  # what the end of the request would do after its commit
    return db.session.query(AuditEvent).order_by(AuditEvent.seq).all()


def _raw(sql: str, **params):
    """Bypass the ORM and the append-only triggers, as an attacker with DB access would."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
    conn.execute(text(sql), params)
    db.session.expire_all()


def test_events_are_numbered_without_gaps_and_verify():
    events = _chain(5)
    assert [e.seq for e in events] == list(range(1, 6))
    result = audit.verify_chain()
    assert result.ok
    assert result.checked == 5


def test_detail_refuses_free_text_such_as_a_name():
    with pytest.raises(audit.AuditDetailError):
        audit.record("test_event", detail={"name": "Айгүл Токтогулова"})
    with pytest.raises(audit.AuditDetailError):
        audit.record("test_event", detail={"note": "she lives at 12 Chui avenue"})


@pytest.mark.parametrize("position", [1, 3, 5])
def test_editing_any_entry_is_detected(position):
    _chain(5)
    _raw("UPDATE audit_events SET outcome = 'failure' WHERE seq = :s", s=position)
    result = audit.verify_chain()
    assert not result.ok
    assert result.first_bad_seq == position


@pytest.mark.parametrize("position", [1, 3])
def test_deleting_an_entry_is_detected(position):
    _chain(5)
    _raw("DELETE FROM audit_events WHERE seq = :s", s=position)
    assert not audit.verify_chain().ok


def test_truncating_the_newest_entries_is_detected_against_the_head():
    _chain(5)
    _raw("DELETE FROM audit_events WHERE seq >= 4")
    result = audit.verify_chain()
    assert not result.ok


def test_reordering_entries_is_detected():
    _chain(4)
    _raw("UPDATE audit_events SET seq = 100 WHERE seq = 2")
    _raw("UPDATE audit_events SET seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_events SET seq = 3 WHERE seq = 100")
    assert not audit.verify_chain().ok


def test_tampering_at_every_position_of_a_chain_is_detected():
    events = _chain(20)
    detected = 0
    for event in events:
        nested = db.session.begin_nested()
        _raw("UPDATE audit_events SET action = 'forged' WHERE seq = :s", s=event.seq)
        detected += not audit.verify_chain().ok
        nested.rollback()
        db.session.expire_all()
    assert detected == len(events)
    print(f"\n[security] audit tampering detected: {detected}/{len(events)}")


def test_application_cannot_update_or_delete_audit_rows():
    _chain(2)
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text("UPDATE audit_events SET outcome = 'x' WHERE seq = 1"))
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    assert audit.verify_chain().ok


def test_failed_action_leaves_no_audit_event():
    before = db.session.query(AuditEvent).count()
    nested = db.session.begin_nested()
    audit.record("test_event", detail={"i": 1})
    nested.rollback()
    assert db.session.query(AuditEvent).count() == before
    assert audit.verify_chain().ok


def _insert_forged(position: int) -> None:
    """A made-up entry slipped in at `position`, the later ones moved up one place."""
    _raw("UPDATE audit_events SET seq = -seq WHERE seq >= :p", p=position)
    _raw("UPDATE audit_events SET seq = 1 - seq WHERE seq < 0")
    _raw(
        "INSERT INTO audit_events (seq, occurred_at, action, outcome, detail, key_id, "
        "prev_hash, entry_hash) SELECT :p, occurred_at, 'forged', outcome, detail, key_id, "
        "entry_hash, entry_hash FROM audit_events WHERE seq = :q",
        p=position,
        q=position - 1 if position > 1 else position + 1,
    )


def _swap(position: int) -> None:
    position = min(position, 999)  # the last entry swaps with the one before it
    _raw("UPDATE audit_events SET seq = -1 WHERE seq = :p", p=position)
    _raw("UPDATE audit_events SET seq = :p WHERE seq = :n", p=position, n=position + 1)
    _raw("UPDATE audit_events SET seq = :n WHERE seq = -1", n=position + 1)


TAMPERING = {
    "edit": lambda p: _raw("UPDATE audit_events SET outcome = 'x' WHERE seq = :p", p=p),
    "delete": lambda p: _raw("DELETE FROM audit_events WHERE seq = :p", p=p),
    "insert": _insert_forged,
    "reorder": _swap,
}


def test_every_kind_of_tampering_on_a_1000_entry_chain_is_detected():
    import random

    _chain(1000)
    rng = random.Random(11)
    positions = sorted({1, 2, 500, 999, 1000, *rng.sample(range(1, 1001), 11)})
    trials, missed = 0, []
    for kind, tamper in TAMPERING.items():
        for position in positions:
            nested = db.session.begin_nested()
            tamper(position)
            trials += 1
            if audit.verify_chain().ok:
                missed.append((kind, position))
            nested.rollback()
            db.session.expire_all()
    assert audit.verify_chain().ok
    assert missed == []
    detected = trials - len(missed)
    print(
        f"\n[security] audit tampering on a 1,000-entry chain: {detected}/{trials} detected "
        f"({', '.join(TAMPERING)} at {len(positions)} positions each, first and last included)"
    )
