"""Checkpoints outside the database catch what the chain alone cannot: its newest
entries cut off (and the head row moved to the new tip), the whole trail deleted, or the
chain rewritten by someone who holds the key."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from referral.audit import checkpoints
from referral.audit import service as audit
from referral.audit.models import GENESIS_HASH, AuditEvent
from referral.crypto import signing
from referral.extensions import db


@pytest.fixture
def checkpoint_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    return tmp_path / "checkpoints"


def _chain(n: int) -> None:
    for i in range(n):
        audit.record("test_event", detail={"i": i})
    audit.seal_now()


def _untriggered():
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
    return conn


def _move_head_to_tip(conn) -> None:
    tip = conn.execute(
        text("SELECT seq, entry_hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC")
    ).first()
    seq, digest = tip if tip else (0, GENESIS_HASH)
    conn.execute(
        text("UPDATE audit_head SET last_seq = :s, last_hash = :h"), {"s": seq, "h": digest}
    )
    db.session.expire_all()


def test_a_checkpoint_is_a_signed_line_appended_outside_the_database(checkpoint_dir):
    _chain(3)
    first = checkpoints.write_checkpoint()
    _chain(2)
    second = checkpoints.write_checkpoint()
    lines = (checkpoint_dir / checkpoints.FILE_NAME).read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [first.seq, second.seq] == [3, 5]
    assert all(json.loads(line)["key_id"].startswith("ed25519:") for line in lines)
    result = audit.verify_chain()
    assert result.ok
    assert result.checkpoints == 2


def test_cutting_off_the_newest_entries_and_moving_the_head_is_named(checkpoint_dir):
    _chain(6)
    checkpoints.write_checkpoint()
    conn = _untriggered()
    conn.execute(text("DELETE FROM audit_events WHERE seq >= 5"))
    _move_head_to_tip(conn)
    assert audit.verify_chain(checkpoints=[]).ok, "without the checkpoint this passes"
    result = audit.verify_chain()
    assert not result.ok
    assert (result.reason, result.first_bad_seq, result.checked) == ("truncated", 5, 4)
    assert result.detail == {"checkpoint_seq": 6}


def test_deleting_everything_and_resetting_the_head_is_named(checkpoint_dir):
    _chain(4)
    checkpoints.write_checkpoint()
    conn = _untriggered()
    conn.execute(text("DELETE FROM audit_events"))
    _move_head_to_tip(conn)
    result = audit.verify_chain()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, "truncated", 1)


def test_a_chain_rewritten_with_the_key_differs_from_its_checkpoint(app, checkpoint_dir):
    """Restoring an old backup and carrying on, or re-sealing an edited history: every
    link is valid again, but the checkpointed entry's hash is not the one written out."""
    _chain(5)
    checkpoints.write_checkpoint()
    conn = _untriggered()
    conn.execute(text("UPDATE audit_events SET outcome = 'failure' WHERE seq = 2"))
    key = app.extensions["referral_keyring"].active_key("audit")[1]
    table = AuditEvent.__table__
    rows = conn.execute(select(table).order_by(table.c.seq)).all()
    prev = GENESIS_HASH
    for row in rows:
        entry = SimpleNamespace(**{**row._mapping, "prev_hash": prev})
        digest = audit.compute_hash(key, entry)
        conn.execute(
            text("UPDATE audit_events SET prev_hash = :p, entry_hash = :h WHERE id = :i"),
            {"p": prev, "h": digest, "i": row.id},
        )
        prev = digest
    _move_head_to_tip(conn)
    assert audit.verify_chain(checkpoints=[]).ok, "the rewrite is consistent in itself"
    result = audit.verify_chain()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, "rewritten", 5)


def test_a_forged_checkpoint_line_is_refused(checkpoint_dir):
    _chain(3)
    checkpoints.write_checkpoint()
    path = checkpoint_dir / checkpoints.FILE_NAME
    line = json.loads(path.read_text())
    line["seq"] = 2  # moved back to hide what came after, without the key
    path.write_text(path.read_text() + json.dumps(line) + "\n")
    result = audit.verify_chain()
    assert (result.ok, result.reason, result.detail) == (
        False,
        "checkpoint_invalid",
        {"line": 2, "why": "bad_signature"},
    )


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_the_commands_checkpoint_and_then_report_truncation_with_exit_1(app, checkpoint_dir):
    _chain(4)
    db.session.commit()
    written = _run(app, "checkpoint")
    assert written.exit_code == 0, written.output
    assert "Checkpoint written: entry 4" in written.output
    assert _run(app, "verify").exit_code == 0
    conn = _untriggered()
    conn.execute(text("DELETE FROM audit_events WHERE seq >= 3"))
    _move_head_to_tip(conn)
    db.session.commit()
    result = _run(app, "verify")
    assert result.exit_code == 1
    assert "BROKEN at entry 3: truncated after entry 2: checkpoint 4" in result.output
    assert "Traceback" not in result.output


def test_verify_names_a_missing_head_row_and_exits_1(app):
    _chain(2)
    db.session.connection().execute(text("DELETE FROM audit_head"))
    db.session.commit()
    result = _run(app, "verify")
    assert result.exit_code == 1
    assert "head row is missing" in result.output


def test_checkpoint_without_a_directory_is_a_clear_refusal(app):
    _chain(1)
    result = _run(app, "checkpoint")
    assert result.exit_code == 1
    assert "AUDIT_CHECKPOINT_DIR is not set" in result.output


# --- Ed25519 signatures -----------------------------------------------------------------


def test_checkpoints_are_signed_with_ed25519_and_verify_with_the_public_key_only(
    app, checkpoint_dir, tmp_path, monkeypatch
):
    _chain(2)
    db.session.commit()
    assert _run(app, "checkpoint").exit_code == 0
    (line,) = (checkpoint_dir / checkpoints.FILE_NAME).read_text().splitlines()
    data = json.loads(line)
    assert "mac" not in data
    assert data["key_id"].startswith("ed25519:")
    assert len(base64.b64decode(data["sig"])) == 64
    # A verifier's machine: the public key and nothing that can sign.
    public = tmp_path / "verifier" / signing.PUBLIC_FILE
    public.parent.mkdir()
    public.write_bytes(checkpoints.public_key_path().read_bytes())
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PUBLIC_KEY", str(public))
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_SIGNING_KEY", str(tmp_path / "none.pem"))
    result = _run(app, "verify")
    assert result.exit_code == 0, result.output
    assert "1 checkpoint(s) matched" in result.output
    refused = _run(app, "checkpoint")
    assert refused.exit_code == 1
    assert "no checkpoint signing key" in refused.output


def _signed_by(key, seq: int, entry_hash: str) -> str:
    mark = checkpoints.Checkpoint(
        seq=seq,
        entry_hash=entry_hash,
        at="2026-12-03T10:00:00+00:00",
        key_id=signing.fingerprint(key.public_key()),
    )
    line = json.loads(mark.payload())
    line["sig"] = checkpoints._signature(key, mark)
    return json.dumps(line)


def test_a_checkpoint_signed_with_another_key_is_refused_with_exit_1(app, checkpoint_dir):
    _chain(3)
    db.session.commit()
    assert _run(app, "checkpoint").exit_code == 0
    path = checkpoint_dir / checkpoints.FILE_NAME
    tip = json.loads(path.read_text())
    forger = Ed25519PrivateKey.generate()
    # Moved back to entry 2 to hide what came after, signed with a key of the forger's.
    path.write_text(path.read_text() + _signed_by(forger, 2, "0" * 64) + "\n")
    result = _run(app, "verify")
    assert result.exit_code == 1
    assert "checkpoint file line 2 is signed with another key than ours" in result.output
    assert "Traceback" not in result.output
    # The same forged line claiming our key id: its signature does not match.
    ours = signing.fingerprint(signing.load_public(checkpoints.public_key_path()))
    forged = json.loads(_signed_by(forger, 2, tip["hash"]))
    forged["key_id"] = ours
    path.write_text(json.dumps(tip) + "\n" + json.dumps(forged) + "\n")
    result = _run(app, "verify")
    assert result.exit_code == 1
    assert "line 2 does not match its signature" in result.output


def test_checkpoints_signed_with_hmac_before_still_verify(app, checkpoint_dir):
    """Lines written before Ed25519 (an HMAC under the ring's audit key) stay valid
    next to the new ones; one altered is refused."""
    _chain(2)
    tip = db.session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc())
    ).first()
    key_id, key = checkpoints._keyring().active_key("audit")
    old = checkpoints.Checkpoint(tip.seq, tip.entry_hash, "2026-11-01T10:00:00+00:00", key_id)
    line = {**json.loads(old.payload()), "mac": checkpoints._mac(key, old)}
    checkpoint_dir.mkdir(parents=True)
    path = checkpoint_dir / checkpoints.FILE_NAME
    path.write_text(json.dumps(line) + "\n")
    _chain(1)
    checkpoints.write_checkpoint()
    result = audit.verify_chain()
    assert (result.ok, result.checkpoints) == (True, 2)
    altered = {**line, "seq": 1}
    path.write_text(json.dumps(altered) + "\n")
    result = audit.verify_chain()
    assert (result.reason, result.detail) == (
        "checkpoint_invalid",
        {"line": 1, "why": "bad_signature"},
    )
