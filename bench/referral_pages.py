"""The provider's inbox and a referral page measured from outside, on PostgreSQL with
N referrals across 1,000 provider organisations.

    python -m bench.referral_pages     (BENCH_REFERRALS=1000000 by default, the goal
                                        size; BENCH_REFERRALS=200000 for a quicker run)

1. Seeding (`bench._referrals`): the referrals in bulk with COPY, each sealed with the
   real envelope, on the database `referral_bench_referrals`; the referral whose page is
   measured is sent, acknowledged and accepted through the services (steps, timeline,
   audit) and addressed to provider 0, whose focal point signs in.
2. EXPLAIN (ANALYZE, BUFFERS) of the inbox's statements (both segments of page 1, the
   capped counts) and of the referral's loading: which index each uses and how many
   rows it reads, none of which may grow with the table.
3. gunicorn -w 2 (`bench._wsgi`, with its bare endpoint), 8 client threads, round
   after round: the bare endpoint, the inbox page 1, the inbox page 2 (its "Next"
   link), the referral page; p50/p95, requests/s and % of the bare endpoint.
4. The same in process (Flask test client), to tell the server's share from the page's.

BENCH_SECONDS (default 1.5) per page per round, BENCH_ROUNDS (default 3).
"""

from __future__ import annotations

import html
import os
import re
import time

from sqlalchemy import literal, select, text, union_all
from sqlalchemy.dialects import postgresql

from bench._cases import make_app, percentile
from bench._referrals import database_url, ensure_referrals, referral_count
from bench.case_pages import (
    CLIENTS,
    FLOOR_EMPTY,
    FLOOR_SIGNED,
    Figure,
    Server,
    _rounds,
    _seconds,
    _sign_in_ready,
    drive,
    serving,
)
from referral.auth.models import User
from referral.cases import service as cases
from referral.cases.models import Case, ConsentDecision, ConsentGiver, ConsentKind, ConsentMethod
from referral.cases.service import consent
from referral.db import utcnow
from referral.directory.models import Organisation, ServiceType
from referral.extensions import db
from referral.referrals import policy, sharing
from referral.referrals.models import Referral, ReferralStatus, Urgency
from referral.referrals.service import inbox, lifecycle

MEASURED = "Bench measured referral"  # the summary's first words


def _measured_referral(supervisor: User, provider: User) -> Referral:
    """A referral of a case opened through the services, sent to provider 0 with its
    whole profile, acknowledged and accepted: its page shows every shared item."""
    found = db.session.execute(
        select(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.to_org_id == provider.organisation_id)
        .where(Referral.status == ReferralStatus.ACCEPTED)
        .where(Case.case_code.not_like("KG-B%"))  # not one of the bulk cases
        .limit(1)
    ).scalar_one_or_none()
    if found is not None:
        return found
    org = db.session.get(Organisation, provider.organisation_id)
    case = cases.open_case(
        supervisor,
        cases.CaseInput(full_name="Aigul Measuredova", phone="+996700111222", address="Osh 5"),
        duplicates_checked=True,
    )
    db.session.flush()
    consent.record_consent(
        supervisor,
        case,
        consent.ConsentInput(
            kind=ConsentKind.RELEASE,
            decision=ConsentDecision.GIVEN,
            given_by=ConsentGiver.SURVIVOR,
            method=ConsentMethod.VERBAL,
            service_types=(ServiceType.POLICE_INTERNAL_AFFAIRS,),
        ),
        consent.history_version(case),
    )
    referral = lifecycle.send_referral(
        supervisor,
        case,
        lifecycle.ReferralInput(
            to_org_id=org.id,
            service_type=ServiceType.POLICE_INTERNAL_AFFAIRS,
            urgency=Urgency.IMMEDIATE,
            shared_items=sharing.PROFILES[org.org_type],
            summary=f"{MEASURED}: she needs protection tonight; call the safe number first.",
        ),
    )
    db.session.commit()
    for step in (ReferralStatus.ACKNOWLEDGED, ReferralStatus.ACCEPTED):
        lifecycle.provider_step(provider, referral, step, referral.lock_version)
        db.session.commit()
    return referral


# --- plans ----------------------------------------------------------------------------


def _explain(statement) -> list[str]:
    compiled = statement.compile(dialect=postgresql.dialect())
    connection = db.session.connection()
    rows = connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + str(compiled), compiled.params
    ).all()
    return [r[0] for r in rows]


def _summary_of(plan: list[str]) -> str:
    """The indexes a plan uses, whether it scans a table whole, the rows it reads."""
    text = "\n".join(plan)
    indexes = sorted(set(re.findall(r"(?:Index Scan using|Index Scan on) (\w+)", text)))
    seq = "Seq Scan" in text
    read = sum(int(x) for x in re.findall(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+)", text))
    removed = sum(int(x) for x in re.findall(r"Rows Removed by Filter: (\d+)", text))
    buffers = sum(int(x) for x in re.findall(r"shared hit=(\d+)", text)[:1])
    timing = re.search(r"Execution Time: ([\d.]+) ms", text)
    return (
        f"indexes {', '.join(indexes) or '-'}; seq scan: {'YES' if seq else 'no'}; "
        f"rows out of nodes {read}, removed by filter {removed}; buffers {buffers}; "
        f"{timing.group(1) if timing else '?'} ms"
    )


def plans(provider: User, referral: Referral) -> dict[str, list[str]]:
    now = utcnow()
    out = {}
    for segment, label in (("o", "inbox page 1, overdue segment"), ("n", "inbox page 1, the rest")):
        query = inbox._segment_query(provider, segment, None, now)
        out[label] = _explain(
            query.order_by(Referral.sent_at.desc(), Referral.id.desc()).limit(inbox.PAGE_SIZE + 1)
        )
    base = policy.visible_referrals(provider)
    for status in (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED, ReferralStatus.COMPLETED):
        out[f"inbox count, {status.value} (capped)"] = _explain(
            select(inbox._capped(base.where(Referral.status == status)))
        )
    out["inbox count, overdue (capped)"] = _explain(
        select(inbox._capped(base.where(inbox._overdue_clause(now))))
    )
    # The header's and the page's counts, as `inbox.inbox_counts` runs them: one statement.
    parts = [
        select(literal(s.value).label("key"), inbox._capped(base.where(Referral.status == s)))
        for s in inbox.INBOX_STATUSES
    ]
    parts.append(
        select(
            literal("overdue").label("key"), inbox._capped(base.where(inbox._overdue_clause(now)))
        )
    )
    out["inbox counts, all in one statement"] = _explain(union_all(*parts))
    out["referral page: get_referral_for"] = _explain(
        policy.visible_referrals(provider).where(Referral.id == referral.id)
    )
    db.session.rollback()
    return out


# --- in process -----------------------------------------------------------------------


def in_process(app, paths: dict[str, str], per_page: int = 60) -> dict[str, list[float]]:
    client = app.test_client()
    response = client.post("/login", data={"username": "bench-provider", "password": _password()})
    assert response.status_code == 302, "in-process sign-in failed"
    times: dict[str, list[float]] = {label: [] for label in paths}
    for _ in range(3):
        for label, path in paths.items():
            for _ in range(per_page // 3):
                start = time.perf_counter()
                status = client.get(path).status_code
                times[label].append(time.perf_counter() - start)
                assert status == 200, f"{path}: {status}"
    return times


def _password() -> str:
    from bench.case_pages import PASSWORD

    return PASSWORD


# --- main -----------------------------------------------------------------------------


PROPOSED_INDEX = "bench_ix_referrals_to_org_status_sent"


def proposed_index(wanted: bool) -> str:
    """BENCH_PROPOSED_INDEX=1: try the index the inbox lacks, (to_org_id, status,
    sent_at, id), on the bench database only (no migration holds it yet)."""
    if wanted:
        db.session.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {PROPOSED_INDEX} "
                "ON referrals (to_org_id, status, sent_at, id)"
            )
        )
        db.session.execute(text("ANALYZE referrals"))
    else:
        db.session.execute(text(f"DROP INDEX IF EXISTS {PROPOSED_INDEX}"))
    db.session.commit()
    return "with" if wanted else "without"


def main() -> dict[str, float]:
    n = referral_count()
    url = database_url()
    os.environ["BENCH_DATABASE_URL"] = url
    app = make_app()
    with app.app_context():
        start = time.perf_counter()
        supervisor, provider, _orgs = ensure_referrals(n)
        seeded = time.perf_counter() - start
        trial = proposed_index(os.environ.get("BENCH_PROPOSED_INDEX") == "1")
        _sign_in_ready(provider)
        _sign_in_ready(supervisor)
        provider = db.session.get(User, provider.id)
        referral = _measured_referral(db.session.get(User, supervisor.id), provider)
        total = db.session.scalar(select(db.func.count()).select_from(Referral))
        mine = db.session.scalar(
            select(db.func.count())
            .select_from(Referral)
            .where(Referral.to_org_id == provider.organisation_id)
        )
        case_total = db.session.scalar(select(db.func.count()).select_from(Case))
        referral_path = f"/referrals/{referral.id}"
        shown = plans(provider, referral)
        db.session.commit()

    print(
        f"referrals: {total} across 1,000 providers ({mine} addressed to the measured one), "
        f"{case_total} cases; set-up {seeded:.0f} s (goal size: BENCH_REFERRALS=1000000)"
    )
    print(f"{trial} the proposed index {PROPOSED_INDEX} (BENCH_PROPOSED_INDEX=1 adds it)")
    print(
        f"machine: {os.cpu_count()} cores; gunicorn -w 2, {CLIENTS} client threads, "
        f"{_rounds()} rounds x {_seconds():.1f} s per page, signed in as a provider focal point"
    )
    for label, plan in shown.items():
        print(f"EXPLAIN {label}: {_summary_of(plan)}")
        for line in plan:
            if "Scan" in line or "Index Cond" in line or "Limit" in line:
                print(f"    {line.strip()}")

    server = Server(url, f"{n} referrals")
    figures: dict[str, Figure] = {}
    with serving(server):
        server.sign_in("bench-provider")
        status, page, _c = server.get("/referrals/inbox")
        assert status == 200, f"the inbox answers {status}; log: {server.log.name}"
        link = re.search(rb'href="([^"]*[?&](?:amp;)?after=[^"]*)"', page)
        page2 = html.unescape(link.group(1).decode()) if link else None
        status = server.get(referral_path)[0]
        if status != 200:
            server.keep_log = True
            print(f"note: the referral page answers {status}; log: {server.log.name}")
        plan = [
            ("bare endpoint", "/bench-bare", False),
            (FLOOR_SIGNED, "/bench-signed", True),
            (FLOOR_EMPTY, "/bench-empty", True),
            ("inbox page 1", "/referrals/inbox", True),
        ]
        if page2:
            plan.append(("inbox page 2 (Next link)", page2, True))
        plan.append(("referral page", referral_path, True))
        for label, path, cookie in plan:
            drive(server, path, 0.3, cookie)
            figures[label] = Figure(label, "bare endpoint")
        for _ in range(_rounds()):
            for label, path, cookie in plan:
                figures[label].add(drive(server, path, _seconds(), cookie))
        if any(f.errors for f in figures.values()):
            server.keep_log = True
            print(f"note: errors; the server's log: {server.log.name}")
    bare = figures["bare endpoint"]
    results = {}
    for label, f in figures.items():
        share = f.rps / bare.rps * 100
        print(
            f"{label:30} p50 {f.ms(50):7.2f} ms  p95 {f.ms(95):7.2f} ms  {f.rps:8.1f} req/s  "
            f"{share:6.2f}% of bare  ({f.requests} requests, {f.errors} errors)"
        )
        results[f"{label} p95 ms"] = f.ms(95)
        results[f"{label} % of bare"] = share
    print("goals: p95 < 25 ms and >= 10% of the bare endpoint's requests/s")
    print(
        f"floor of any signed-in page in this run: {results[f'{FLOOR_SIGNED} % of bare']:.1f}% "
        f"of bare with no page, {results[f'{FLOOR_EMPTY} % of bare']:.1f}% with the layout "
        f"and an empty body (p95 {results[f'{FLOOR_EMPTY} p95 ms']:.1f} ms)"
    )

    paths = {"inbox page 1": "/referrals/inbox", "referral page": referral_path}
    with app.app_context():
        times = in_process(app, paths)
    for label, values in times.items():
        print(
            f"in process {label:17} p50 {percentile(values, 50) * 1000:7.2f} ms  "
            f"p95 {percentile(values, 95) * 1000:7.2f} ms"
        )
    return results


if __name__ == "__main__":
    main()
