"""Backups that are known to restore: a database dump plus a manifest, never the keys.

A backup directory holds the dump (pg_dump's custom format on PostgreSQL, a consistent
copy made with SQLite's backup API on SQLite) and `manifest.json`: the schema revision,
the sealed audit chain's tip (sequence and hash), counts, the key ids the data needs and
the dump's SHA-256. The keys are never written there, and the commands refuse a backup
directory inside the key directory or around it: a stolen backup must stay ciphertext
(docs/deploy.md, "Backup and restore").

Restoring goes onto an empty database only (or `--force`, which empties it first), and
`verify` then proves the result: the audit chain and its checkpoints verify, the tip the
manifest names is still there with its hash, every encrypted value of every table (case
rows, their child rows, account secrets: referral.ops.sealed) opens with the mounted keys
and every erased case stays unreadable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump and pg_restore, fixed argument lists
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL

from referral.audit.models import AuditEvent, AuditHead
from referral.db import utcnow
from referral.extensions import db

MANIFEST = "manifest.json"
FORMAT = 1
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(RuntimeError):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass
class Manifest:
    format: int
    created_at: str
    engine: str
    dump: str
    dump_sha256: str
    schema_revision: str | None
    audit_seq: int
    audit_hash: str
    cases: int
    erased: int
    kek_ids: list[str] = field(default_factory=list)
    audit_key_ids: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as error:
            raise BackupError(f"{path} is missing or unreadable ({type(error).__name__})") from None
        if manifest.format != FORMAT:
            raise BackupError(f"backup format {manifest.format} is not {FORMAT}")
        return manifest


# --- where things are ------------------------------------------------------------------


def _engine_name() -> str:
    name = db.engine.url.get_backend_name()
    if name not in DUMP_NAMES:
        raise BackupError(f"backups of {name} databases are not supported")
    return name


def _keys_dir() -> Path:
    ring = current_app.extensions["referral_keyring"]
    return Path(ring.directory).resolve() if ring.directory else Path("/nonexistent")


def _check_apart_from_keys(directory: Path) -> None:
    """A backup next to its keys is a backup anyone who takes it can read."""
    target, keys = directory.resolve(), _keys_dir()
    if target == keys or keys in target.parents or target in keys.parents:
        raise BackupError(
            "the backup directory must be outside the key directory and not contain it: "
            "keep keys and backups on different media"
        )


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's variables: the password never appears in a process listing."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not on PATH (Debian: apt-get install postgresql-client)")
    return path


def _run(argv: list[str]) -> None:
    # Database identifiers travel in the environment; the arguments are ours.
    done = subprocess.run(  # noqa: S603  # nosec B603  # our arguments, no shell
        argv, env=_pg_env(db.engine.url), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tool = Path(argv[0]).name
        raise BackupError(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- what the database holds ------------------------------------------------------------


def schema_revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _audit_tip() -> tuple[int, str]:
    from referral.audit.models import GENESIS_HASH

    head = db.session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)


def _key_ids() -> tuple[list[str], list[str]]:
    from referral.cases.models import CaseKey

    keks = db.session.execute(select(CaseKey.kek_id).distinct()).scalars()
    audit = db.session.execute(
        select(AuditEvent.key_id).where(AuditEvent.key_id.is_not(None)).distinct()
    ).scalars()
    return sorted(keks), sorted(audit)


def _counts() -> tuple[int, int]:
    from referral.cases.models import Case

    cases = db.session.execute(select(func.count()).select_from(Case)).scalar_one()
    erased = db.session.execute(
        select(func.count()).select_from(Case).where(Case.erased_at.is_not(None))
    ).scalar_one()
    return cases, erased


def is_empty() -> bool:
    return not inspect(db.engine).get_table_names()


# --- create -------------------------------------------------------------------------------


def create_backup(directory: Path) -> Manifest:
    """Dump the database into `directory` (new or empty) with its manifest. Records a
    `backup_created` audit event first, sealed, so the backup carries its own trace."""
    from referral.audit import service as audit

    engine = _engine_name()
    _check_apart_from_keys(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new directory for each backup")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)

    audit.record("backup_created", detail={"via": "cli", "engine": engine})
    db.session.commit()
    audit.seal_pending(wait=True, max_batches=10**6)
    seq, entry_hash = _audit_tip()
    kek_ids, audit_key_ids = _key_ids()
    cases, erased = _counts()
    revision = schema_revision()
    db.session.commit()

    dump = directory / DUMP_NAMES[engine]
    if engine == "postgresql":
        # Custom format: compressed, restorable table by table with pg_restore; one
        # snapshot, so it is consistent while the application keeps writing.
        _run(
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "-f",
                str(dump),
            ]
        )
    else:
        source = sqlite3.connect(_sqlite_path())
        target = sqlite3.connect(dump)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    dump.chmod(0o600)
    manifest = Manifest(
        format=FORMAT,
        created_at=utcnow().astimezone(UTC).isoformat(timespec="seconds"),
        engine=engine,
        dump=dump.name,
        dump_sha256=_sha256(dump),
        schema_revision=revision,
        audit_seq=seq,
        audit_hash=entry_hash,
        cases=cases,
        erased=erased,
        kek_ids=kek_ids,
        audit_key_ids=audit_key_ids,
    )
    path = directory / MANIFEST
    path.write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return manifest


# --- restore ------------------------------------------------------------------------------


def _empty_database(engine: str) -> None:
    """PostgreSQL: drop the schema. SQLite needs nothing: its backup API replaces the
    whole file, pages and all."""
    db.session.remove()
    if engine == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()


def restore_backup(directory: Path, *, force: bool = False) -> Manifest:
    """Load a backup into the configured database, which must be empty (`force`: empty
    it first). Checks the dump against the manifest before touching anything, then
    records a `backup_restored` event in the restored chain."""
    from referral.audit import service as audit

    manifest = Manifest.read(directory)
    engine = _engine_name()
    if manifest.engine != engine:
        raise BackupError(f"this is a {manifest.engine} backup; the database is {engine}")
    dump = directory / manifest.dump
    if not dump.is_file() or _sha256(dump) != manifest.dump_sha256:
        raise BackupError(f"{dump} is missing or does not match the manifest's SHA-256")
    if not is_empty():
        if not force:
            raise BackupError(
                "the database is not empty: restore onto a new, empty database "
                "(or pass --force to drop everything in it first)"
            )
        _empty_database(engine)
    db.session.remove()
    db.engine.dispose()
    if engine == "postgresql":
        _run(
            [
                _pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "-d",
                db.engine.url.database or "",
                str(dump),
            ]
        )
    else:
        source = sqlite3.connect(dump)
        target = sqlite3.connect(_sqlite_path())
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    db.engine.dispose()
    audit.record("backup_restored", detail={"via": "cli", "audit_seq": manifest.audit_seq})
    db.session.commit()
    audit.seal_pending(wait=True, max_batches=10**6)
    return manifest


# --- verify -------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    schema_revision: str | None = None
    code_revision: str | None = None
    audit_checked: int = 0
    audit_checkpoints: int = 0
    cases_decrypted: int = 0
    fields_decrypted: int = 0
    erased_unreadable: int = 0
    tables: list = field(default_factory=list)  # sealed.TableCheck, one per table
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _code_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config).get_current_head()


def _check_audit(report: VerifyReport, manifest: Manifest | None) -> None:
    from referral.audit import service as audit
    from referral.cli import describe_break

    result = audit.verify_chain()
    db.session.commit()
    report.audit_checked, report.audit_checkpoints = result.checked, result.checkpoints
    if not result.ok:
        report.problems.append(describe_break(result))
    if manifest is not None and manifest.audit_seq:
        tip = db.session.execute(
            select(AuditEvent.entry_hash).where(AuditEvent.seq == manifest.audit_seq)
        ).scalar_one_or_none()
        if tip != manifest.audit_hash:
            report.problems.append(
                f"audit entry {manifest.audit_seq} named by the manifest is missing or differs"
            )


def _check_cases(report: VerifyReport, batch: int = 500) -> None:
    from referral.cases import policy
    from referral.cases.models import Case, CaseKey
    from referral.crypto import fields
    from referral.crypto.envelope import CryptoError
    from referral.ops.sealed import TableCheck

    specs = [s for s in fields.encrypted_fields(Case).values() if s.kind != fields.BYTES]
    check = TableCheck(Case.__tablename__)
    ring = current_app.extensions["referral_keyring"]
    ring.refresh()
    missing = sorted(
        set(db.session.execute(select(CaseKey.kek_id).distinct()).scalars()) - set(ring.keys)
    )
    if missing:
        report.problems.append(f"the key ring lacks KEK(s) {', '.join(missing)}: mount them")
    last = None
    failed = 0
    while True:
        query = select(Case).order_by(Case.id).limit(batch)
        if last is not None:
            query = query.where(Case.id > last)
        rows = list(db.session.execute(query).scalars())
        if not rows:
            break
        for case in rows:
            last = case.id
            check.rows += 1
            grant = policy.verify_grant(case.id)
            if case.is_erased:
                leftovers = [s.column for s in specs if getattr(case, s.column) is not None]
                try:
                    fields.read(case, "full_name", grant)
                except CryptoError:  # KeyDestroyedError, as it must be
                    opened = False
                else:
                    opened = True
                if case.key is not None or leftovers or opened:
                    report.problems.append(f"erased case {case.case_code} is still readable")
                else:
                    report.erased_unreadable += 1
                continue
            column = ""
            try:
                for spec in specs:
                    if getattr(case, spec.column) is not None:
                        column = spec.column
                        fields.read(case, spec.name, grant)
                        report.fields_decrypted += 1
                        check.values += 1
            except CryptoError as exc:
                failed += 1
                check.fail(case.id, column, getattr(exc, "reason", "destroyed"))
            else:
                report.cases_decrypted += 1
        fields.forget_deks()
        db.session.expunge_all()
    report.tables.append(check)
    if failed:
        report.problems.append(f"{failed} case(s) do not decrypt with the mounted keys")
        report.problems.append(check.problem)


def _check_sealed(report: VerifyReport) -> None:
    """Every other table with encrypted columns, found from the models, and the account
    secrets."""
    from referral.cases.models import Case
    from referral.ops import sealed

    tables, problems = sealed.sealed_tables()
    report.problems.extend(problems)
    checks = [sealed.check_case_children(t) for t in tables if t.model is not Case]
    checks += sealed.check_account_secrets()
    report.tables.extend(checks)
    report.problems.extend(c.problem for c in checks if c.problem)


def verify_restored(directory: Path | None = None) -> VerifyReport:
    """Everything a restore must give back, checked. With a backup directory, also that
    the database holds at least what its manifest describes."""
    manifest = Manifest.read(directory) if directory is not None else None
    report = VerifyReport(schema_revision=schema_revision(), code_revision=_code_revision())
    if manifest is not None and manifest.schema_revision != report.schema_revision:
        report.problems.append(
            f"schema revision {report.schema_revision} is not the backup's "
            f"{manifest.schema_revision}"
        )
    _check_audit(report, manifest)
    _check_cases(report)
    _check_sealed(report)
    if manifest is not None:
        cases, erased = _counts()
        if cases < manifest.cases or erased < manifest.erased:
            report.problems.append(
                f"{cases} cases ({erased} erased); the backup had {manifest.cases} "
                f"({manifest.erased} erased)"
            )
    from referral.audit import service as audit

    db.session.rollback()
    audit.record(
        "backup_verify",
        outcome="success" if report.ok else "failure",
        detail={
            "via": "cli",
            "cases": report.cases_decrypted,
            "erased": report.erased_unreadable,
            "tables": len(report.tables),
            "values": sum(c.values for c in report.tables),
        },
    )
    db.session.commit()
    audit.seal_pending()
    return report
