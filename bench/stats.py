"""The statistics dashboards on PostgreSQL with N incidents across every rayon and 5
years, against the raw SQL of the same figures.

    python -m bench.stats      (BENCH_STATS_INCIDENTS=1000000 by default, the goal size;
                                BENCH_STATS_INCIDENTS=200000 for a quicker run)

1. Seeding, once, on the database `referral_bench_stats` (BENCH_DATABASE_URL for
   another): the country's locations, one crisis centre and 50 providers, N/2 cases
   (90% with reporting consent, 2% erased), N incidents spread over every rayon-level
   place and 60 months, and N/2 referrals, all with INSERT ... SELECT FROM
   generate_series (statistics read plain columns only, so no case needs a key or
   ciphertext). Rows written around the services, so the statistics facts are then
   built once by `stats.facts.rebuild()` (what `flask stats rebuild` runs), timed.
2. For the national scope and a committee over one oblast: `build_dashboard` for the
   last 12 months (every figure of the page), timed; then every statement it issued,
   captured as compiled SQL with its parameters, run again straight through the driver
   (the raw SQL of the same figures, same run, same cache state). Prints both, the
   ratio, and the goal (at most 2x the raw SQL and under 1 s).

3. The monthly report (national and committee) for the month before last, the same way.
4. With BENCH_STATS_LIVE=1, once more each dashboard computed by the live rule over the
   case tables (`stats.live`, what the pages ran before the facts tables), timed once:
   the cost the facts tables remove.

BENCH_ROUNDS (default 3): the best of that many runs is reported for each.
"""

from __future__ import annotations

import os
import time
from datetime import date

from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench_stats"


def _count() -> int:
    return int(os.environ.get("BENCH_STATS_INCIDENTS", "1000000"))


def _rounds() -> int:
    return int(os.environ.get("BENCH_ROUNDS", "3"))


SEED = """
WITH places AS (
  SELECT id, row_number() OVER (ORDER BY code) - 1 AS i, count(*) OVER () AS n
  FROM locations WHERE level IN ('rayon', 'city_district', 'town_oblast')
)
INSERT INTO cases (id, case_code, organisation_id, owner_id, status, lock_version,
                   do_not_contact, immediate_danger, sex, age_band,
                   residence_location_id, erased_at, closure_reason, closed_at,
                   created_at, updated_at)
SELECT gen_random_uuid(), 'BS-' || g, :org, :owner,
       CASE WHEN g % 50 = 0 THEN 'erased' WHEN g % 3 = 0 THEN 'closed' ELSE 'open' END,
       1, false, false,
       (ARRAY['female','female','female','male','unknown'])[1 + g % 5],
       (ARRAY['0-11','12-17','18-25','26-40','41-60','61+','unknown'])[1 + g % 7],
       (SELECT id FROM places WHERE i = g % (SELECT max(n) FROM places)),
       CASE WHEN g % 50 = 0 THEN now() END,
       CASE WHEN g % 3 = 0 THEN (ARRAY['needs_met','survivor_request','left_area'])[1 + g % 3] END,
       CASE WHEN g % 3 = 0 THEN now() - (g % 1800) * interval '1 day' + interval '20 days' END,
       now() - (g % 1800) * interval '1 day', now()
FROM generate_series(1, :cases) AS g
"""

SEED_CONSENTS = """
INSERT INTO case_consents (id, case_id, seq, kind, decision, recorded_by_id,
                           recorded_at, mandatory_reporting_explained, lock_version,
                           created_at, updated_at)
SELECT gen_random_uuid(), c.id, 1, 'reporting',
       CASE WHEN abs(hashtext(c.case_code)) % 10 = 0 THEN 'refused' ELSE 'given' END,
       :owner, now(), false, 1, now(), now()
FROM cases c WHERE c.case_code LIKE 'BS-%'
"""

SEED_INCIDENTS = """
INSERT INTO incidents (id, case_id, gbv_type, possible_sexual_violence, ala_kachuu,
                       early_marriage, money_goods_exchanged, abduction_type,
                       reported_to_police, reported_to_health, previous_incidents,
                       occurred_at, is_time_known, time_of_day, report_date,
                       reporting_delay, location_id, lock_version, created_at, updated_at)
SELECT gen_random_uuid(), c.id,
       (ARRAY['rape','sexual_assault','physical_assault','forced_marriage',
              'denial_of_resources_opportunities_or_services',
              'psychological_emotional_abuse'])[1 + k % 6],
       false, k % 23 = 0, k % 29 = 0, false, 'none', false, false, false,
       c.created_at - interval '2 days', false, 'unknown', (c.created_at)::date,
       (ARRAY['0-3','4-5','6-14','15-30','30+'])[1 + k % 5],
       c.residence_location_id, 1, now(), now()
FROM cases c CROSS JOIN generate_series(0, 1) AS k
WHERE c.case_code LIKE 'BS-%'
"""

SEED_REFERRALS = """
WITH orgs AS (
  SELECT id, row_number() OVER (ORDER BY name_en) - 1 AS i FROM organisations
  WHERE name_en LIKE 'Bench stats provider %'
)
INSERT INTO referrals (id, case_id, from_org_id, from_user_id, to_org_id, service_type,
                       status, urgency, shared_items, sent_at, due_at, responded_at,
                       consent_override, is_on_paper, lock_version, created_at, updated_at)
SELECT gen_random_uuid(), c.id, :org, :owner,
       (SELECT id FROM orgs WHERE i = abs(hashtext(c.case_code)) % 50),
       (ARRAY['police_district_inspector','health_primary_care','legal_aid_ngo',
              'psychologist_counselling','shelter_safe_accommodation'])
         [1 + abs(hashtext(c.case_code)) % 5],
       (ARRAY['sent','acknowledged','accepted','declined','completed','withdrawn'])
         [1 + abs(hashtext(c.case_code) / 7) % 6],
       'routine', '[]', c.created_at, c.created_at + interval '72 hours',
       CASE WHEN abs(hashtext(c.case_code)) % 8 <> 0
            THEN c.created_at + ((abs(hashtext(c.case_code) / 11) % 128) * interval '1 hour') END,
       false, false, 1, now(), now()
FROM cases c WHERE c.case_code LIKE 'BS-%'
"""


def _seed(n: int):
    from referral.auth.models import User
    from referral.auth.permissions import Role
    from referral.directory.models import Organisation, OrganisationType
    from referral.directory.service import load_locations
    from referral.extensions import db

    owner = db.session.execute(
        select(User).where(User.username == "bench-stats-worker")
    ).scalar_one_or_none()
    have = db.session.execute(
        text(
            "SELECT count(*) FROM incidents i JOIN cases c ON c.id = i.case_id "
            "WHERE c.case_code LIKE 'BS-%'"
        )
    ).scalar()
    if owner is not None and have >= n:
        empty = not db.session.execute(text("SELECT count(*) FROM stats_incidents")).scalar()
        if empty or os.environ.get("BENCH_STATS_REBUILD"):
            _rebuild_facts()
        return owner
    load_locations()
    centre = Organisation(org_type=OrganisationType.CRISIS_CENTRE, name_en="Bench stats centre")
    db.session.add(centre)
    for i in range(50):
        db.session.add(
            Organisation(org_type=OrganisationType.POLICE, name_en=f"Bench stats provider {i:02d}")
        )
    db.session.flush()
    from referral.auth.service import hash_password

    owner = User(
        username="bench-stats-worker",
        password_hash=hash_password("bench-stats-password-unused"),
        role=Role.CASEWORKER,
        organisation_id=centre.id,
    )
    db.session.add(owner)
    db.session.flush()
    params = {"org": centre.id, "owner": owner.id, "cases": n // 2}
    started = time.perf_counter()
    for statement in (SEED, SEED_CONSENTS, SEED_INCIDENTS, SEED_REFERRALS):
        db.session.execute(text(statement), params)
    db.session.commit()
    print(f"seeded {n:,} incidents in {time.perf_counter() - started:.0f} s", flush=True)
    _rebuild_facts()
    return owner


def _rebuild_facts() -> None:
    from referral.extensions import db
    from referral.stats import facts

    started = time.perf_counter()
    counts = facts.rebuild()
    db.session.commit()
    print(
        f"statistics facts rebuilt in {time.perf_counter() - started:.0f} s: {counts}",
        flush=True,
    )
    # VACUUM, not only ANALYZE: the visibility map lets the counts read the indexes only.
    connection = db.engine.raw_connection()
    connection.driver_connection.autocommit = True
    with connection.driver_connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


class Capture:
    """Every statement the ORM sends, as (SQL, parameters), to run again raw."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))


def _best(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _measure(label: str, scope, filters, rounds: int, build=None) -> None:
    from referral.extensions import db
    from referral.stats import service

    page_build = build or (lambda: service.build_dashboard(scope, filters))
    page_build()  # warm the caches, as a second visitor would
    with Capture(db.engine) as capture:
        board = page_build()
    page = _best(page_build, rounds)
    raw_conn = db.session.connection().connection.driver_connection

    def raw():
        with raw_conn.cursor() as cursor:
            for statement, parameters in capture.statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()

    raw_time = _best(raw, rounds)
    if os.environ.get("BENCH_STATS_LIVE") and hasattr(board, "tables") and build is None:
        from referral.stats import live

        facts_queries = service.queries
        service.queries = live
        try:
            started = time.perf_counter()
            service.build_dashboard(scope, filters)
            print(f"{label}: live rule (before) {time.perf_counter() - started:.1f} s", flush=True)
        finally:
            service.queries = facts_queries
    across = getattr(board, "across", None)
    if across:
        # The check across queries (crossquery.py): its statements are among those
        # replayed above; timed here on its own, as the page without it.
        from referral.stats import crossquery

        check = crossquery.protect
        crossquery.protect = lambda *a, **k: None
        try:
            without = _best(page_build, rounds)
        finally:
            crossquery.protect = check
        print(
            f"{label}: check across queries {(page - without) * 1000:.0f} ms "
            f"({len(across['families'])} families, {across['queries']} grouped queries, "
            f"{len(across['withheld'])} tables withheld, {across['unresolved']} unresolved); "
            f"page without it {without * 1000:.0f} ms",
            flush=True,
        )
    ratio = page / raw_time if raw_time else float("inf")
    verdict = "OK" if page < 1.0 and ratio <= 2.0 else "MISSES THE GOAL"
    print(
        f"{label}: {(getattr(board, 'total', None) or board.year_total).text} incidents "
        f"published, {len(capture.statements)} "
        f"statements; page {page * 1000:.0f} ms, raw SQL {raw_time * 1000:.0f} ms, "
        f"ratio {ratio:.2f} (goal: <= 2x and < 1000 ms): {verdict}",
        flush=True,
    )


def main() -> None:
    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
    if make_url(os.environ["BENCH_DATABASE_URL"]).get_backend_name() != "postgresql":
        raise SystemExit("bench.stats needs PostgreSQL (BENCH_DATABASE_URL)")
    from bench._cases import make_app
    from referral.directory.models import Location, LocationLevel
    from referral.directory.service import descendant_ids
    from referral.extensions import db
    from referral.stats.policy import Scope, ScopeKind
    from referral.stats.queries import Filters

    app = make_app()
    n = _count()
    with app.test_request_context("/stats/"):
        _seed(n)
        today = date.today()
        end = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        filters = Filters(start=date(end.year - 1, end.month, 1), end=end)
        _measure(
            "national dashboard, last 12 months", Scope(ScopeKind.NATIONAL), filters, _rounds()
        )
        oblast = (
            db.session.execute(
                select(Location)
                .where(Location.level == LocationLevel.OBLAST)
                .order_by(Location.code)
            )
            .scalars()
            .first()
        )
        ids = frozenset(descendant_ids(oblast.id))
        committee = Scope(ScopeKind.AREA, location_ids=ids, roots=(oblast.id,))
        _measure(f"committee dashboard ({oblast.name_en})", committee, filters, _rounds())
        # One month: the page that belongs to the most families (its year, its quarter,
        # the last 12 months, and every other filter's).
        month = date(end.year - (end.month <= 2), (end.month - 3) % 12 + 1, 1)
        one_month = Filters(
            start=month, end=date(month.year + month.month // 12, month.month % 12 + 1, 1)
        )
        _measure(f"committee dashboard, {month:%Y-%m}", committee, one_month, _rounds())
        from referral.stats.monthly import build_monthly

        last = date(end.year - (end.month <= 2), (end.month - 3) % 12 + 1, 1)
        for label, scope in (("national", Scope(ScopeKind.NATIONAL)), ("committee", committee)):
            _measure(
                f"{label} monthly report ({last:%Y-%m})",
                scope,
                filters,
                _rounds(),
                build=lambda scope=scope: build_monthly(scope, last),
            )
        _measure_refresh()
        db.session.rollback()


def _measure_refresh() -> None:
    """What the hook adds to each service call that changes a case: refreshing one
    case's fact rows, over 200 counted cases (rolled back)."""
    from referral.extensions import db
    from referral.stats import facts

    ids = [
        row[0]
        for row in db.session.execute(
            text("SELECT case_id FROM stats_cases TABLESAMPLE SYSTEM (1) LIMIT 200")
        )
    ]
    started = time.perf_counter()
    for case_id in ids:
        facts.refresh_case(case_id)
    each = (time.perf_counter() - started) / max(len(ids), 1)
    db.session.rollback()
    print(f"refresh_case (the services' hook): {each * 1000:.1f} ms per case", flush=True)


if __name__ == "__main__":
    main()
