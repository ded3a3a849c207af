"""Shared set-up of the case benchmarks: an app on the benchmark PostgreSQL database and
N encrypted cases written in bulk (the same envelope, AAD and blind indexes as
`service.open_case`, without one audit event per case, so that 100,000 cases load in
about a minute).

BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench)
and BENCH_KEYS_DIR (default instance/bench-keys) select where; BENCH_CASES the size.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from referral import create_app
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import indexing
from referral.cases.models import Case, CaseKey, CaseSearchIndex, CaseStatus
from referral.crypto import envelope, fields
from referral.crypto.keygen import ensure_dev_keys
from referral.db import utcnow
from referral.directory.models import Organisation, OrganisationType
from referral.extensions import db

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench"
ROOT = Path(__file__).resolve().parent.parent
FIRST = ["Aigul", "Jyldyz", "Cholpon", "Nurgul", "Aizhan", "Gulnara", "Asel", "Meerim"]
FIRST += ["Kanykei", "Begimai", "Saltanat", "Aliya", "Elmira", "Zarina", "Dinara", "Ainura"]
LAST = ["Toktogul", "Asan", "Bek", "Mamat", "Ibraim", "Kadyr", "Sydyk", "Osmon", "Tash"]
LAST += ["Kul", "Mambet", "Sooronbai", "Abdrai", "Sharshe", "Mukash", "Kenzhebai", "Nurlan"]


def case_count() -> int:
    return int(os.environ.get("BENCH_CASES", "100000"))


def person(n: int) -> tuple[str, str]:
    """A deterministic name and phone for case number n (names repeat, as in life)."""
    first = FIRST[n % len(FIRST)]
    last = LAST[(n // len(FIRST)) % len(LAST)] + ("ova" if n % 3 else "eva")
    suffix = (n // (len(FIRST) * len(LAST))) % 400
    letters = "".join(chr(97 + (suffix // 20**i) % 20) for i in range(2))
    return f"{first} {last}{letters}", f"+996{700000000 + n * 7 % 299999999:09d}"


def make_app():
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    keys = Path(os.environ.get("BENCH_KEYS_DIR", ROOT / "instance" / "bench-keys"))
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    ensure_dev_keys(keys)
    app = create_app(
        {"REFERRAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "KEYS_DIR": str(keys)}
    )
    with app.app_context():
        upgrade()
    return app


def ensure_cases(n: int) -> User:
    """Make sure the benchmark organisation holds n cases; return its supervisor.
    Call inside an app context."""
    org = db.session.execute(
        select(Organisation).where(Organisation.name_en == "Bench crisis centre")
    ).scalar_one_or_none()
    if org is None:
        org = Organisation(
            org_type=OrganisationType.CRISIS_CENTRE,
            name_en="Bench crisis centre",
            name_ru="Бенч",
            name_ky="Бенч",
        )
        db.session.add(org)
        db.session.flush()
        for role in (Role.SUPERVISOR, Role.CASEWORKER):
            db.session.add(
                User(
                    username=f"bench-{role.value}",
                    full_name="Bench",
                    password_hash="-",
                    role=role,
                    organisation_id=org.id,
                )
            )
        db.session.commit()
    supervisor = db.session.execute(
        select(User).where(User.username == "bench-supervisor")
    ).scalar_one()
    worker = db.session.execute(
        select(User).where(User.username == "bench-caseworker")
    ).scalar_one()
    have = db.session.execute(
        select(func.count()).select_from(Case).where(Case.organisation_id == org.id)
    ).scalar_one()
    if have < n:
        print(f"Writing {n - have} encrypted cases in bulk...", flush=True)
        start = time.perf_counter()
        bulk_insert(org.id, worker.id, have, n)
        print(f"  done in {time.perf_counter() - start:.1f} s", flush=True)
    return supervisor


def bulk_insert(org_id: uuid.UUID, owner_id: uuid.UUID, start: int, stop: int, chunk=5000):
    ring = indexing._ring()
    kek_id, kek = ring.active_key("kek")
    versions = [indexing.VersionRef(v.key_id, v.bits) for v in indexing.live_versions()]
    db.session.commit()
    specs = fields.encrypted_fields(Case)
    for lo in range(start, stop, chunk):
        cases, keys, index = [], [], []
        now = utcnow()
        for n in range(lo, min(stop, lo + chunk)):
            case_id = uuid.uuid4()
            name, phone = person(n)
            values = {"full_name": name, "birth_date": None, "phone": phone, "note": f"Note {n}"}
            dek = envelope.new_dek()
            row = {
                "id": case_id,
                "case_code": f"KG-B{n:09d}",
                "organisation_id": org_id,
                "owner_id": owner_id,
                "status": CaseStatus.OPEN.value,
                "lock_version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for attr, spec in specs.items():  # fields without a value are sealed as None
                ctx = envelope.FieldContext("cases", spec.column, case_id, case_id, 1)
                raw = fields._encode(spec, values.get(attr))
                row[spec.column] = envelope.encrypt(dek, raw, ctx)
            cases.append(row)
            keys.append(
                {
                    "case_id": case_id,
                    "kek_id": kek_id,
                    "wrapped_dek": envelope.wrap_dek(kek, dek),
                    "key_check": envelope.key_check(dek, case_id),
                    "generation": 1,
                    "created_at": now,
                }
            )
            shell = Case(id=case_id)
            for r in indexing.index_rows(shell, {"phone": phone, "name": name}, versions):
                index.append(
                    {"case_id": r.case_id, "name": r.name, "key_id": r.key_id, "value": r.value}
                )
        db.session.execute(insert(Case.__table__), cases)
        db.session.execute(insert(CaseKey.__table__), keys)
        db.session.execute(insert(CaseSearchIndex.__table__), index)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def describe(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50) * 1000:.2f} ms, p95 {percentile(values, 95) * 1000:.2f} ms, "
        f"mean {statistics.mean(values) * 1000:.2f} ms over {len(values)}"
    )
