"""Audited case reads against the same reads unaudited, side by side in one run.

    python -m bench.audit_reads

Two gunicorn servers (`-w 2 --threads 4`, so that all 8 clients are in flight at
once, each on its own database connection) on the same PostgreSQL database: one as
deployed, one started with BENCH_AUDIT=off (`bench/_wsgi.py` swaps `audit.record` for a
no-op there, and nothing else). A supervisor signs in on each, and 8 client threads GET
the case pages of 50 different cases round-robin, round after round, alternating the
two servers. Every audited page read writes one `sensitive_read` event; the figure is
the audited server's reads per second as a share of the unaudited one's (goal >= 0.8).
Afterwards the chain is sealed and verified in this process: gap-free, every entry
counted.

BENCH_AUDIT_DATABASE_URL (default .../referral_bench_audit, created and filled on first
use), BENCH_SECONDS (default 3) per server per round, BENCH_ROUNDS (default 3).
"""

from __future__ import annotations

import os
import threading
import time

from sqlalchemy import func, select

from bench._cases import ensure_cases, make_app, percentile
from bench.case_pages import CLIENTS, Server, _sign_in_ready, serving
from referral.audit import service as audit
from referral.audit.models import AuditEvent
from referral.cases.models import Case
from referral.extensions import db

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench_audit"
CASES = 200
PAGES = 50


def _seconds() -> float:
    return float(os.environ.get("BENCH_SECONDS", "3"))


def _rounds() -> int:
    return int(os.environ.get("BENCH_ROUNDS", "3"))


class ThreadedServer(Server):
    """The bench server with threads per worker, optionally without the audit trail."""

    def __init__(self, url: str, label: str, *, audited: bool):
        super().__init__(url, label)
        self.audited = audited

    gunicorn_args = ("--threads", "4")

    def extra_env(self) -> dict[str, str]:
        return {"BENCH_AUDIT": "on" if self.audited else "off"}


def drive(server: Server, paths: list[str], seconds: float) -> tuple[list[float], int, float]:
    """CLIENTS threads read the case pages round-robin for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(offset: int):
        mine, bad, i = [], 0, offset
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            status, _body, _c = server.get(paths[i % len(paths)])
            mine.append(time.perf_counter() - start)
            bad += status != 200
            i += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [
        threading.Thread(target=client, args=(n * len(paths) // CLIENTS,)) for n in range(CLIENTS)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def main() -> dict[str, float]:
    url = os.environ.get("BENCH_AUDIT_DATABASE_URL", DEFAULT_URL)
    previous = os.environ.get("BENCH_DATABASE_URL")
    os.environ["BENCH_DATABASE_URL"] = url
    try:
        app = make_app()
    finally:
        if previous is None:
            os.environ.pop("BENCH_DATABASE_URL")
        else:
            os.environ["BENCH_DATABASE_URL"] = previous
    with app.app_context():
        supervisor = ensure_cases(CASES)
        _sign_in_ready(supervisor)
        ids = db.session.scalars(
            select(Case.id)
            .where(Case.organisation_id == supervisor.organisation_id)
            .order_by(Case.case_code)
            .limit(PAGES)
        ).all()
        before = _events()
        db.session.commit()
    paths = [f"/cases/{case_id}" for case_id in ids]

    audited = ThreadedServer(url, "audited", audited=True)
    unaudited = ThreadedServer(url, "unaudited", audited=False)
    figures = {"audited": [[], 0, 0.0], "unaudited": [[], 0, 0.0]}
    with serving(audited, unaudited):
        for server in (audited, unaudited):
            server.sign_in("bench-supervisor")
            drive(server, paths, 0.5)  # warm up: connections, templates, data keys
        for _ in range(_rounds()):
            for server in (audited, unaudited):
                latencies, errors, wall = drive(server, paths, _seconds())
                figure = figures[server.label]
                figure[0] += latencies
                figure[1] += errors
                figure[2] += wall

    with app.app_context():
        written = _events() - before
        sealed = audit.seal_pending() if hasattr(audit, "seal_pending") else 0
        db.session.commit()
        result = audit.verify_chain()
        db.session.rollback()

    print(
        f"machine: {os.cpu_count()} cores; gunicorn -w 2 --threads 4 per server, {CLIENTS} "
        f"client threads, {_rounds()} rounds x {_seconds():.1f} s per server, "
        f"case pages of {len(paths)} cases, signed in as a supervisor"
    )
    rps = {}
    for label, (latencies, errors, wall) in figures.items():
        rps[label] = len(latencies) / wall
        print(
            f"case page, {label:9}  p50 {percentile(latencies, 50) * 1000:7.2f} ms  "
            f"p95 {percentile(latencies, 95) * 1000:7.2f} ms  {rps[label]:8.1f} reads/s  "
            f"({len(latencies)} reads, {errors} errors)"
        )
    ratio = rps["audited"] / rps["unaudited"]
    print(f"audited / unaudited reads per second: {ratio:.3f} (goal >= 0.8)")
    print(
        f"audit events written during the run: {written} (sealed afterwards by the bench: "
        f"{sealed}); chain "
        + (
            f"verified gap-free: {result.checked} entries"
            if result.ok
            else f"BROKEN at entry {result.first_bad_seq}: {result.reason}"
        )
    )
    return {"audited_read_ratio": ratio, "chain_ok": float(result.ok)}


if __name__ == "__main__":
    main()
