"""Set-up of the referral benchmark: N referrals across 1,000 provider organisations on
their own PostgreSQL database, written in bulk with COPY.

Every referral is sealed with the real envelope: its summary, and the override reason,
feedback and provider notes sealed empty, each under its case's data key with the
associated data `fields.write` uses (table, column, row id, case id, generation), so
any of them opens on a page exactly as one sent through the service. What bulk writing
leaves out: one audit event, timeline entry and step record per referral (the measured
referral is sent and moved on through the services, and has them).

The cases (BENCH_REFERRAL_CASES, default one per ten referrals) come from
`bench._cases.ensure_cases`; their data keys are unwrapped once to seal the referrals.
BENCH_REFERRALS (default 1,000,000) is the size; BENCH_DATABASE_URL names the server
(the database is always `referral_bench_referrals` on it, apart from the case
benchmark's).
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench._cases import DEFAULT_URL, ensure_cases
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases.models import Case, CaseKey
from referral.crypto import envelope, fields
from referral.directory.models import Organisation, OrganisationType
from referral.extensions import db
from referral.referrals import sharing
from referral.referrals.models import Referral, ReferralStatus, Urgency

DATABASE = "referral_bench_referrals"
PROVIDERS = 1000
PROVIDER_TYPES = (
    OrganisationType.POLICE,
    OrganisationType.HEALTH,
    OrganisationType.PSYCHOSOCIAL,
    OrganisationType.LEGAL_AID,
    OrganisationType.SHELTER,
    OrganisationType.SOCIAL_PROTECTION,
)
SERVICE_OF = {
    OrganisationType.POLICE: "police_internal_affairs",
    OrganisationType.HEALTH: "health_primary_care",
    OrganisationType.PSYCHOSOCIAL: "psychologist_counselling",
    OrganisationType.LEGAL_AID: "legal_aid_ngo",
    OrganisationType.SHELTER: "shelter_safe_accommodation",
    OrganisationType.SOCIAL_PROTECTION: "social_protection_department",
}
S = ReferralStatus
# Most of a provider's history is finished; a few percent is still waiting.
STATUS_MIX = (
    (S.COMPLETED, 55),
    (S.DECLINED, 10),
    (S.WITHDRAWN, 5),
    (S.SERVICE_PROVIDED, 5),
    (S.APPOINTMENT_SCHEDULED, 5),
    (S.ACCEPTED, 8),
    (S.ACKNOWLEDGED, 7),
    (S.SENT, 5),
)
SPAN = timedelta(days=3 * 365)  # the referrals spread over three years


def referral_count() -> int:
    return int(os.environ.get("BENCH_REFERRALS", "1000000"))


def case_count(n: int) -> int:
    return int(os.environ.get("BENCH_REFERRAL_CASES", str(max(1000, n // 10))))


def database_url() -> str:
    base = make_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    # Beside the case database it is given, so that two benches on one server don't share it.
    name = DATABASE if base.database == "referral_bench" else f"{base.database}_referrals"
    return base.set(database=name).render_as_string(hide_password=False)


def providers() -> list[Organisation]:
    """The 1,000 provider organisations (made once), in a stable order."""
    have = list(
        db.session.execute(
            select(Organisation)
            .where(Organisation.name_en.like("Bench provider %"))
            .order_by(Organisation.name_en)
        ).scalars()
    )
    if len(have) < PROVIDERS:
        for n in range(len(have), PROVIDERS):
            db.session.add(
                Organisation(
                    org_type=PROVIDER_TYPES[n % len(PROVIDER_TYPES)],
                    name_en=f"Bench provider {n:04d}",
                    name_ru=f"Бенч {n:04d}",
                    name_ky=f"Бенч {n:04d}",
                )
            )
        db.session.commit()
        return providers()
    return have


def focal_point(org: Organisation) -> User:
    username = "bench-provider"
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(
            username=username,
            full_name="Bench focal point",
            password_hash="-",
            role=Role.PROVIDER,
            organisation_id=org.id,
        )
        db.session.add(user)
        db.session.commit()
    return user


def _case_keys(org_id: uuid.UUID) -> list[tuple[uuid.UUID, bytes, int]]:
    """(case id, data key, generation) of the bench centre's bulk cases."""
    from referral.cases import indexing

    kek_id, kek = indexing._ring().active_key("kek")
    rows = db.session.execute(
        select(CaseKey.case_id, CaseKey.wrapped_dek, CaseKey.key_check, CaseKey.generation)
        .join(Case, Case.id == CaseKey.case_id)
        .where(
            Case.organisation_id == org_id, Case.case_code.like("KG-B%"), CaseKey.kek_id == kek_id
        )
        .order_by(Case.case_code)
    ).all()
    return [(r[0], envelope.unwrap_dek(kek, r[1], r[2], r[0]), r[3]) for r in rows]


def ensure_referrals(n: int) -> tuple[User, User, list[Organisation]]:
    """Make sure the benchmark database holds n bulk referrals; returns the bench
    centre's supervisor, the focal point of provider 0 and the providers."""
    supervisor = ensure_cases(case_count(n))
    orgs = providers()
    provider = focal_point(orgs[0])
    have = db.session.execute(select(func.count()).select_from(Referral)).scalar_one()
    if have < n:
        print(f"Writing {n - have} sealed referrals with COPY...", flush=True)
        start = time.perf_counter()
        bulk_referrals(supervisor, orgs, have, n)
        print(f"  done in {time.perf_counter() - start:.1f} s", flush=True)
    return supervisor, provider, orgs


def _summary(n: int) -> str:
    return f"Bench referral {n}: she needs the service this week; call the safe number first."


def bulk_referrals(sender: User, orgs: list[Organisation], start: int, stop: int, chunk=20000):
    keys = _case_keys(sender.organisation_id)
    specs = fields.encrypted_fields(Referral)
    table = Referral.__table__
    columns = [c.name for c in table.columns]
    mix = [status for status, weight in STATUS_MIX for _ in range(weight)]
    now = datetime.now(UTC)
    raw = db.session.connection().connection.driver_connection
    db.session.commit()
    rng = random.Random(start)
    for lo in range(start, stop, chunk):
        rows = []
        for n in range(lo, min(stop, lo + chunk)):
            org = orgs[n % PROVIDERS]
            case_id, dek, generation = keys[n % len(keys)]
            referral_id = uuid.uuid4()
            status = mix[rng.randrange(len(mix))]
            # Open ones are recent; a sent one is overdue about half of the time.
            age = SPAN * rng.random() if status.is_final else timedelta(days=30 * rng.random())
            sent_at = now - age
            urgency = (Urgency.IMMEDIATE, Urgency.URGENT, Urgency.ROUTINE)[n % 3]
            due_at = sent_at + timedelta(hours=(24, 72, 168)[n % 3])
            row = dict.fromkeys(columns)
            row.update(
                id=referral_id,
                case_id=case_id,
                from_org_id=sender.organisation_id,
                from_user_id=sender.id,
                to_org_id=org.id,
                service_type=SERVICE_OF[org.org_type],
                status=status.value,
                urgency=urgency.value,
                shared_items=json.dumps(list(sharing.PROFILES[org.org_type])),
                sent_at=sent_at,
                due_at=due_at,
                responded_at=None if status == S.SENT else sent_at + timedelta(hours=5),
                closed_at=sent_at + timedelta(days=9) if status.is_final else None,
                decline_reason="service_unavailable" if status == S.DECLINED else None,
                consent_override=False,
                is_on_paper=False,
                lock_version=1,
                created_at=sent_at,
                updated_at=sent_at,
            )
            for attr, spec in specs.items():
                value = _summary(n) if attr == "summary" else None
                ctx = envelope.FieldContext(
                    "referrals", spec.column, referral_id, case_id, generation
                )
                row[spec.column] = envelope.encrypt(dek, fields._encode(spec, value), ctx)
            rows.append(tuple(row[c] for c in columns))
        statement = f"COPY referrals ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        print(f"  {min(stop, lo + chunk)} / {stop}", flush=True)
    db.session.execute(text("ANALYZE referrals"))
    db.session.commit()
