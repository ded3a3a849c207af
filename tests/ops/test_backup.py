"""A backup restored onto an empty database on another instance, then verified, as an
operator runs it: `flask backup create`, `restore`, `verify`. On the current engine:
SQLite's backup API on the SQLite leg, pg_dump/pg_restore on the PostgreSQL leg
(skipped without the binaries, except under CI=true).

Committed databases of their own: the rolled-back test transaction is invisible to
pg_dump and to a second instance.
"""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from referral import create_app
from referral.extensions import db
from tests.conftest import _prepare_postgres

pytestmark = pytest.mark.no_db


def _database(tmp_path, name: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        message = "pg_dump/pg_restore not on PATH (apt-get install postgresql-client)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"BACKUP ROUND TRIP FAILED under CI=true: {message}")
        pytest.skip(f"BACKUP ROUND TRIP SKIPPED on PostgreSQL: {message}")
    parsed = make_url(url)
    own = parsed.set(database=f"{parsed.database}_{name}").render_as_string(hide_password=False)
    _prepare_postgres(own)
    return own


def _instance(url, keys_dir, checkpoints):
    return create_app(
        {
            "REFERRAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "KEYS_DIR": str(keys_dir),
            "AUDIT_CHECKPOINT_DIR": str(checkpoints),
        }
    )


def _close(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def instances(tmp_path, keys_dir):
    """The production instance with demo data, one case erased and a checkpoint written;
    and a clean instance on an empty database with the same keys and checkpoints."""
    from flask_migrate import upgrade

    from referral.cases.models import Case
    from referral.cases.service.erasure import shred
    from referral.demo.service import seed_demo

    checkpoints = tmp_path / "checkpoints"
    source = _instance(_database(tmp_path, "backup_source"), keys_dir, checkpoints)
    with source.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        case = db.session.execute(select(Case).order_by(Case.case_code).limit(1)).scalar_one()
        shred(case)
        db.session.commit()
        erased_code = case.case_code
    assert source.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    target = _instance(_database(tmp_path, "backup_target"), keys_dir, checkpoints)
    yield source, target, erased_code
    _close(source)
    _close(target)


def test_a_backup_restores_onto_an_empty_database_and_verifies(instances, tmp_path, keys_dir):
    source, target, _erased = instances
    backups = tmp_path / "backups" / "2026-12-03"
    made = source.test_cli_runner().invoke(args=["backup", "create", str(backups)])
    assert made.exit_code == 0, made.output
    assert "they are NOT in it" in made.output
    # The dump and its manifest, nothing else: never a key.
    engine = make_url(target.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    dump = "database.pgdump" if engine == "postgresql" else "database.sqlite3"
    assert sorted(p.name for p in backups.iterdir()) == [dump, "manifest.json"]
    keys = [p.read_text().strip() for p in keys_dir.glob("*.key")]
    assert not any(key in (backups / "manifest.json").read_text() for key in keys)

    runner = target.test_cli_runner()
    restored = runner.invoke(args=["backup", "restore", str(backups)])
    assert restored.exit_code == 0, restored.output
    verified = runner.invoke(args=["backup", "verify", str(backups)])
    assert verified.exit_code == 0, verified.output
    assert "39 case(s) decrypted" in verified.output  # the 40 demo cases but the erased one
    assert "1 erased case(s) unreadable" in verified.output
    assert "1 checkpoint(s)" in verified.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    # A second restore onto what is now a full database is refused, nothing touched.
    again = runner.invoke(args=["backup", "restore", str(backups)])
    assert again.exit_code == 1
    assert "not empty" in again.output
    assert runner.invoke(args=["backup", "verify", str(backups)]).exit_code == 0
    print(f"[security] backup round trip on {engine}: every case decrypts, erased stays erased")


def test_verify_fails_on_a_case_that_does_not_decrypt(instances, tmp_path):
    from referral.cases.models import Case

    source, target, _erased = instances
    backups = tmp_path / "b"
    assert source.test_cli_runner().invoke(args=["backup", "create", str(backups)]).exit_code == 0
    runner = target.test_cli_runner()
    assert runner.invoke(args=["backup", "restore", str(backups)]).exit_code == 0
    with target.app_context():
        victim = db.session.execute(
            select(Case).where(Case.erased_at.is_(None)).order_by(Case.case_code).limit(1)
        ).scalar_one()
        blob = bytearray(victim.full_name_ct)
        blob[-1] ^= 1  # one bit of the stored name, as a damaged or tampered restore would
        victim.full_name_ct = bytes(blob)
        db.session.commit()
    broken = runner.invoke(args=["backup", "verify", str(backups)])
    assert broken.exit_code == 1
    assert "1 case(s) do not decrypt with the mounted keys" in broken.output


def test_a_damaged_dump_or_a_backup_beside_the_keys_is_refused(instances, tmp_path, keys_dir):
    source, target, _ = instances
    inside = source.test_cli_runner().invoke(args=["backup", "create", str(keys_dir / "bk")])
    assert inside.exit_code == 1
    assert "outside the key directory" in inside.output
    backups = tmp_path / "b"
    assert source.test_cli_runner().invoke(args=["backup", "create", str(backups)]).exit_code == 0
    dump = next(p for p in backups.iterdir() if p.name.startswith("database"))
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # one byte, as a bad disk or a cut copy would
    dump.write_bytes(bytes(damaged))
    refused = target.test_cli_runner().invoke(args=["backup", "restore", str(backups)])
    assert refused.exit_code == 1
    assert "does not match the manifest" in refused.output
    with target.app_context():
        from referral.ops.backup import is_empty

        assert is_empty()


def _verify_output(runner, backups):
    result = runner.invoke(args=["backup", "verify", str(backups)])
    counts = {}
    for line in result.output.splitlines():
        table, sep, rest = line.strip().partition(": ")
        if sep and "row(s)" in rest:
            counts[table] = rest
    return result, counts


def test_verify_opens_every_table_that_holds_sealed_data(instances, tmp_path):
    from referral.cases.models import case_child_models
    from referral.ops import sealed

    source, target, _erased = instances
    backups = tmp_path / "b"
    assert source.test_cli_runner().invoke(args=["backup", "create", str(backups)]).exit_code == 0
    runner = target.test_cli_runner()
    assert runner.invoke(args=["backup", "restore", str(backups)]).exit_code == 0
    with target.app_context():
        tables, problems = sealed.sealed_tables()
        found = {t.table for t in tables}
        children = {m.__tablename__ for m in case_child_models()}
    assert children <= found
    assert problems == []
    # Found from the models, not from a list: every case-child table and the secrets.
    assert {"cases", "incidents", "perpetrators", "risk_assessments", "follow_ups"} <= found
    assert {"referrals", "attachments", "case_consents"} <= found
    verified, counts = _verify_output(runner, backups)
    assert verified.exit_code == 0, verified.output
    assert set(counts) == found | {"user_second_factors"}
    for table, line in counts.items():
        assert "FAILED" not in line, (table, line)
    # The demo holds rows, and secrets, to open: the counts are not all zero.
    assert not counts["user_second_factors"].startswith("0 row(s)")
    assert not counts["incidents"].startswith("0 row(s)")
    assert not counts["referrals"].startswith("0 row(s)")


def _corrupt_one(model, column):
    row = db.session.execute(
        select(model).where(getattr(model, column).is_not(None)).limit(1)
    ).scalar_one()
    blob = bytearray(getattr(row, column))
    blob[-1] ^= 1
    setattr(row, column, bytes(blob))
    row_id = getattr(row, "id", None) or row.user_id
    db.session.commit()
    return row_id


DAMAGED = (
    ("referral.cases.models:Incident", None),
    ("referral.referrals.models:Referral", None),
    ("referral.auth.models:SecondFactor", "secret_ct"),
)


def test_a_damaged_child_row_or_secret_makes_verify_fail_naming_it(instances, tmp_path):
    """A case's child row, a referral and a TOTP secret, each damaged in the restored
    database: verify fails and names each table and row; every other table opens."""
    import importlib

    from referral.crypto.fields import Ciphertext

    source, target, _erased = instances
    backups = tmp_path / "b"
    assert source.test_cli_runner().invoke(args=["backup", "create", str(backups)]).exit_code == 0
    runner = target.test_cli_runner()
    assert runner.invoke(args=["backup", "restore", str(backups)]).exit_code == 0
    damaged = {}
    with target.app_context():
        for model_path, column in DAMAGED:
            module, name = model_path.split(":")
            model = getattr(importlib.import_module(module), name)
            if column is None:
                column = next(
                    c.name for c in model.__table__.columns if isinstance(c.type, Ciphertext)
                )
            damaged[model.__tablename__] = (_corrupt_one(model, column), column)
    broken, counts = _verify_output(runner, backups)
    assert broken.exit_code == 1
    for table, (row_id, column) in damaged.items():
        assert f"PROBLEM: {table}: row {row_id} ({column}: tag) does not decrypt" in broken.output
        assert "1 FAILED" in counts[table]
    assert sorted(t for t, line in counts.items() if "FAILED" in line) == sorted(damaged)
