"""The directory's staff pages measured from outside, on a directory of a country's size.

    python -m bench.directory_pages     (BENCH_ORGANISATIONS=5000, BENCH_SERVICES_PER=4)

1. The database at BENCH_DIRECTORY_URL (default `referral_bench_directory` on the bench
   PostgreSQL server) is filled once, in bulk, with N organisations and 4 services each
   (20,000 at the default), names in Kyrgyz, Russian and English (some left empty, as
   imports leave them), Kyrgyzstan's locations, areas for most services and a third of
   them not verified for a year. The name keys are the application's own
   (`referral.directory.models.names`), as the flush listener writes them.
2. One `gunicorn -w 2` server (`bench._wsgi`, with its bare endpoint); an administrator
   signs in through the login form and its second factor, and 8 client threads drive,
   round after round: the bare endpoint, the admin's home (the count of services to
   verify), the service list page 1, the page in the middle and page 2 of a search by
   name (each by its "Next" cursor, as the pager links them), a narrow search, and the
   organisation list page 1.
3. In process (load-independent figures first): how many statements each page sends,
   how many Python function calls it makes (cProfile, one request), its size, and its
   median time.

Goal (as the case list): p95 under 25 ms and at least 10% of the bare endpoint's
throughput in the same run. BENCH_SECONDS (1.5) per page per round, BENCH_ROUNDS (3;
0 gives the in-process figures only).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import time
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import event, func, insert, select

from bench._cases import make_app
from bench.case_pages import (
    CLIENTS,
    PASSWORD,
    Figure,
    Server,
    _sign_in_ready,
    answer_code,
    drive,
    serving,
)
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.directory import service as directory
from referral.directory.models import (
    Location,
    LocationLevel,
    Organisation,
    Service,
    ServiceArea,
    ServiceType,
    names,
)
from referral.directory.models import OrganisationType as T
from referral.extensions import db

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench_directory"
ADMIN = "bench-directory-admin"
GOAL_P95_MS = 25.0
GOAL_SHARE_PCT = 10.0

# Words of real provider names; the number keeps each name apart.
KINDS = [
    ("Кризистик борбор", "Кризисный центр", "Crisis centre", T.CRISIS_CENTRE),
    ("Ички иштер бөлүмү", "Отдел внутренних дел", "Internal affairs department", T.POLICE),
    ("Үй-бүлөлүк медицина борбору", "Центр семейной медицины", "Family medicine centre", T.HEALTH),
    ("Психологиялык жардам", "Психологическая помощь", "Psychological support", T.PSYCHOSOCIAL),
    ("Юридикалык жардам", "Юридическая помощь", "Legal aid", T.LEGAL_AID),
    ("Убактылуу баш калкалоочу жай", "Убежище", "Shelter", T.SHELTER),
    (
        "Социалдык өнүгүү башкармалыгы",
        "Управление социального развития",
        "Social development office",
        T.SOCIAL_PROTECTION,
    ),
]
PLACES = ["Ош", "Нарын", "Талас", "Баткен", "Жалал-Абад", "Каракол", "Токмок", "Өзгөн", "Сокулук"]
OFFERS = [
    ("Кабыл алуу", "Приём", "Intake", ServiceType.CRISIS_CENTRE),
    ("Психолог", "Психолог", "Psychologist", ServiceType.PSYCHOLOGIST_COUNSELLING),
    ("Укуктук кеңеш", "Правовая консультация", "Legal advice", ServiceType.LEGAL_AID_NGO),
    ("Ишеним телефону", "Телефон доверия", "Helpline", ServiceType.HELPLINE),
    ("Медициналык жардам", "Медицинская помощь", "Medical care", ServiceType.HEALTH_PRIMARY_CARE),
]


def _seconds() -> float:
    return float(os.environ.get("BENCH_SECONDS", "1.5"))


def _rounds() -> int:
    return int(os.environ.get("BENCH_ROUNDS", "3"))


def organisation_count() -> int:
    return int(os.environ.get("BENCH_ORGANISATIONS", "5000"))


def services_per() -> int:
    return int(os.environ.get("BENCH_SERVICES_PER", "4"))


# --- data -----------------------------------------------------------------------------


def _names(n: int, kind: tuple, place: str, rng: random.Random) -> dict:
    ky, ru, en = kind[0], kind[1], kind[2]
    values = {
        "name_ky": f"{place} {ky.lower()} №{n}",
        "name_ru": f"{ru} г. {place} №{n}",
        "name_en": f"{en} {n}",
    }
    for column in names.NAME_COLUMNS:  # imports often bring one or two languages only
        if rng.random() < 0.15 and column != "name_ru":
            values[column] = ""
    return values


def ensure_directory(n_orgs: int, per: int) -> User:
    """Fill the directory once (bulk inserts), and return the administrator."""
    admin = db.session.execute(select(User).where(User.username == ADMIN)).scalar_one_or_none()
    if admin is None:
        office = Organisation(
            org_type=T.ADMINISTRATION,
            name_en="Bench directory administration",
            name_ru="Администрация",
            name_ky="Администрация",
        )
        db.session.add(office)
        db.session.flush()
        admin = User(
            username=ADMIN,
            full_name="Bench",
            password_hash="-",
            role=Role.ADMIN,
            organisation_id=office.id,
        )
        db.session.add(admin)
        db.session.commit()
    have = db.session.scalar(
        select(func.count()).select_from(Service).where(Service.verified_by == "bench")
    )
    if have >= n_orgs * per:
        return admin
    print(f"Writing {n_orgs} organisations and {n_orgs * per} services in bulk...", flush=True)
    start = time.perf_counter()
    directory.load_locations()
    db.session.commit()
    rayons = list(
        db.session.execute(
            select(Location.id).where(
                Location.level.in_((LocationLevel.RAYON, LocationLevel.TOWN_OBLAST))
            )
        ).scalars()
    )
    rng, today = random.Random(13), date.today()
    for lo in range(0, n_orgs, 500):
        orgs, services, areas = [], [], []
        for n in range(lo, min(n_orgs, lo + 500)):
            kind, place = KINDS[n % len(KINDS)], PLACES[(n // len(KINDS)) % len(PLACES)]
            org = SimpleNamespace(id=uuid.uuid4(), **_names(n, kind, place, rng))
            names.refresh_organisation(org)
            orgs.append(
                {
                    **vars(org),
                    "org_type": kind[3].value,
                    "location_id": rng.choice(rayons),
                    "is_active": rng.random() > 0.03,
                }
            )
            for k in range(per):
                offer = OFFERS[(n + k) % len(OFFERS)]
                svc = SimpleNamespace(
                    id=uuid.uuid4(),
                    name_ky=offer[0] if rng.random() > 0.1 else "",
                    name_ru=f"{offer[1]} {k + 1}",
                    name_en=offer[2] if rng.random() > 0.2 else "",
                )
                names.refresh_service(svc, org)
                nationwide = offer[3] == ServiceType.HELPLINE
                stale = rng.random() < 0.33
                services.append(
                    {
                        **vars(svc),
                        "organisation_id": org.id,
                        "service_type": offer[3].value,
                        "status": "active" if rng.random() > 0.05 else "inactive",
                        "is_nationwide": nationwide,
                        "verified_at": today - timedelta(days=400 if stale else 30),
                        "verified_by": "bench",
                    }
                )
                if not nationwide:
                    for location_id in rng.sample(rayons, rng.choice((1, 1, 2))):
                        areas.append(
                            {"id": uuid.uuid4(), "service_id": svc.id, "location_id": location_id}
                        )
        db.session.execute(insert(Organisation), orgs)
        db.session.execute(insert(Service), services)
        db.session.execute(insert(ServiceArea), areas)
        db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    print(f"  done in {time.perf_counter() - start:.1f} s", flush=True)
    return admin


# --- in process -----------------------------------------------------------------------


def in_process(app, paths: dict[str, str]) -> dict[str, tuple[int, int, int, float]]:
    """(statements, function calls, bytes, median ms) of each page through the test
    client."""
    client = app.test_client()
    response = client.post("/login", data={"username": ADMIN, "password": PASSWORD})
    response = answer_code(client, response, ADMIN, app.config["SQLALCHEMY_DATABASE_URI"])
    assert response.status_code == 302, "in-process sign-in failed"
    results = {}
    with app.app_context():
        engine = db.engine
    for label, path in paths.items():
        client.get(path)
        count = 0

        def counted(_conn, _cursor, _statement, *_args):
            nonlocal count
            count += 1

        event.listen(engine, "before_cursor_execute", counted)
        try:
            response = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", counted)
        assert response.status_code == 200, (path, response.status_code)
        profile = cProfile.Profile()
        profile.runcall(client.get, path)
        calls = pstats.Stats(profile).total_calls
        times = []
        for _ in range(15):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        times.sort()
        results[label] = (count, calls, len(response.data), times[len(times) // 2] * 1000)
    return results


# --- main -----------------------------------------------------------------------------


def main() -> dict[str, float]:
    n_orgs, per = organisation_count(), services_per()
    url = os.environ.get("BENCH_DIRECTORY_URL", DEFAULT_URL)
    saved = os.environ.get("BENCH_DATABASE_URL")
    os.environ["BENCH_DATABASE_URL"] = url
    try:
        app = make_app()
    finally:
        if saved is None:
            os.environ.pop("BENCH_DATABASE_URL")
        else:
            os.environ["BENCH_DATABASE_URL"] = saved
    with app.app_context():
        admin = ensure_directory(n_orgs, per)
        _sign_in_ready(admin)
        listed = db.session.scalar(
            select(func.count(Service.id))
            .join(Service.organisation)
            .where(Service.status == "active", Organisation.is_active)
        )
        middle = max(2, listed // directory.PAGE_SIZE // 2)
        # The row that ends the page before the middle one: its id is the cursor of the
        # middle page's link, as "Next" would give it.
        before_middle = db.session.scalar(
            select(Service.id)
            .join(Service.organisation)
            .where(Service.status == "active", Organisation.is_active)
            .order_by(Service.sort_ru, Service.id)
            .offset((middle - 1) * directory.PAGE_SIZE - 1)
            .limit(1)
        )
        search_page_2 = directory.page_services(page=1, search="ош", lang="ru").after
        stale = directory.count_stale_services()
        db.session.commit()
    pages = -(-listed // directory.PAGE_SIZE)
    paths = {
        "admin home (services to verify)": "/?lang=ru",
        "service list page 1": "/directory/?lang=ru",
        f"service list page {middle} of {pages} (Next)": (
            f"/directory/?lang=ru&after={before_middle.hex}&page={middle}"
        ),
        "search 'ош' (many hits), page 2 (Next)": (
            f"/directory/?lang=ru&q=%D0%BE%D1%88&after={search_page_2}&page=2"
        ),
        "search '№4246' (one organisation)": "/directory/?lang=ru&q=%E2%84%964246",
        "organisation list page 1": "/directory/organisations?lang=ru",
    }
    print(
        f"directory: {n_orgs} organisations, {listed} active services listed "
        f"({pages} pages), {stale if stale is not None else 'more than 1000'} to verify; "
        f"database {url.rsplit('/', 1)[-1]}"
    )
    print(
        f"machine: {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}); "
        f"gunicorn -w 2, {CLIENTS} client threads, {_rounds()} rounds x {_seconds():.1f} s "
        "per page, signed in as an administrator"
    )
    for label, (count, calls, size, ms) in in_process(app, paths).items():
        print(
            f"in process: {label:46} {count:3d} statements  {calls:6d} calls  "
            f"{size / 1024:5.1f} KB  {ms:6.2f} ms"
        )
    if _rounds() == 0:
        return {}

    server = Server(url, "directory")
    figures: dict[str, Figure] = {}
    plan = [("bare endpoint", "/bench-bare", False)] + [(k, v, True) for k, v in paths.items()]
    with serving(server):
        server.sign_in(ADMIN)
        for label, path, cookie in plan:
            drive(server, path, 0.3, cookie)  # warm up: caches, connections
            figures[label] = Figure(label, "bare endpoint")
        for _ in range(_rounds()):
            for label, path, cookie in plan:
                figures[label].add(drive(server, path, _seconds(), cookie))
        if any(f.errors for f in figures.values()):
            server.keep_log = True
            print(f"note: errors; the server's log: {server.log.name}")
    bare = figures["bare endpoint"]
    results, met = {}, True
    for label, f in figures.items():
        share = f.rps / bare.rps * 100
        ok = f.ms(95) < GOAL_P95_MS and share >= GOAL_SHARE_PCT
        if label != "bare endpoint":
            met &= ok
            results[label] = f.ms(95)
        verdict = "" if label == "bare endpoint" else ("  goal met" if ok else "  goal NOT met")
        print(
            f"{label:46} p50 {f.ms(50):7.2f} ms  p95 {f.ms(95):7.2f} ms  {f.rps:8.1f} req/s  "
            f"{share:6.2f}% of bare  ({f.requests} requests, {f.errors} errors){verdict}"
        )
    print(
        f"goals: p95 < {GOAL_P95_MS:.0f} ms and >= {GOAL_SHARE_PCT:.0f}% of bare on every page: "
        + ("met" if met else "not met")
    )
    return results


if __name__ == "__main__":
    main()
