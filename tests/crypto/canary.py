"""The canary hunt every step's canary test runs: write canary values through the
screens or services of a committed app, then look for them in the SQLite file (with its
WAL), a pg_dump of the same work on PostgreSQL (when the suite runs there), the audit
trail and the captured logs. A step's test supplies `exercise(app)` and its needles."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from referral.extensions import db
from tests.crypto.committed import committed_app, is_postgres

SKIPPED = "skipped (TEST_DATABASE_URL is not PostgreSQL)"


def count_hits(blob: bytes, needles: list[bytes]) -> int:
    return sum(blob.count(needle) for needle in needles)


def sqlite_bytes(url: str) -> bytes:
    path = Path(make_url(url).database)
    data = path.read_bytes()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def pg_dump(url: str) -> bytes:
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


@dataclass
class Hunt:
    file_hits: int
    dump_hits: int | str  # SKIPPED on SQLite-only runs
    audit_hits: int
    log_hits: int
    shown: int  # how often the screens that should show the values showed them
    logged: str  # what the logs captured (to prove they captured something)

    @property
    def clean(self) -> bool:
        dump_clean = self.dump_hits == 0 or not is_postgres()
        return self.file_hits == 0 and self.audit_hits == 0 and self.log_hits == 0 and dump_clean

    def line(self, what: str, needles: int) -> str:
        return (
            f"[security] {what} canary hits: {self.file_hits} in sqlite file, "
            f"{self.dump_hits} in pg_dump, {self.audit_hits} in the audit trail, "
            f"{self.log_hits} in logs ({needles} canaries; the screens that should show "
            f"them showed them {self.shown} times)"
        )


def hunt(
    tmp_path,
    name: str,
    exercise: Callable[[object], tuple[str, int, bytes]],
    needles: list[bytes],
    *,
    dump_must_hold: bytes | None = None,
) -> Hunt:
    """Run `exercise(app) -> (logs, shown, audit bytes)` on a committed SQLite app and,
    on PostgreSQL runs, again on a committed PostgreSQL app; count the canaries found.
    `dump_must_hold` (e.g. b"COPY public.referrals") proves the dump holds the table."""
    with committed_app(tmp_path, f"canary_{name}_sqlite", postgres=False) as (app, url):
        logged, shown, audit = exercise(app)
        with app.app_context():
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.commit()
            db.engine.dispose()
        file_hits = count_hits(sqlite_bytes(url), needles)
    log_hits = count_hits(logged.encode(), needles)
    audit_hits = count_hits(audit, needles)
    dump_hits: int | str = SKIPPED
    if is_postgres():
        with committed_app(tmp_path, f"canary_{name}", postgres=True) as (pg_app, pg_url):
            pg_logged, pg_shown, pg_audit = exercise(pg_app)
            dump = pg_dump(pg_url)
            if dump_must_hold is not None:
                assert dump_must_hold in dump
            dump_hits = count_hits(dump, needles)
            log_hits += count_hits(pg_logged.encode(), needles)
            audit_hits += count_hits(pg_audit, needles)
            shown = min(shown, pg_shown)
    return Hunt(file_hits, dump_hits, audit_hits, log_hits, shown, logged)
