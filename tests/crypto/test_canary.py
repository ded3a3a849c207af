"""Canary test: distinctive values written into every encrypted field through the real
screens never appear in the database file, a pg_dump, the audit trail or the logs."""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import select, update

from referral.auth.permissions import Role
from referral.cases.models import Case
from referral.extensions import db
from tests.conftest import Browser
from tests.crypto import canary
from tests.crypto.committed import committed_app, is_postgres, make_staff

pytestmark = pytest.mark.no_db

CASES = 4


def canaries(n: int) -> dict[str, str]:
    return {
        "full_name": f"Щукабрынзова{chr(1040 + n)} Zqxjwvbk{chr(97 + n)}",
        "birth_date": f"1911-11-{11 + n}",
        "phone": f"+996 777 31415{n}",
        "note": f"CANARY-NOTE-8d1f2e-{n} Ёжикканарейка",
    }


def needles() -> list[bytes]:
    out = []
    for n in range(CASES):
        c = canaries(n)
        out += [
            c["full_name"].split()[0].encode(),
            c["full_name"].split()[1].encode(),
            c["birth_date"].encode(),
            f"77731415{n}".encode(),
            c["note"].split()[0].encode(),
            c["note"].split()[1].encode(),
        ]
    return out


def count_hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in needles())


def exercise(app) -> tuple[str, int]:
    """Open, read, search, edit, tamper with and erase cases through the web screens.
    Returns (everything logged, canary hits in the pages that should show them)."""
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    app.config["LOG_TRACEBACKS"] = True  # the most talkative setting: still no values
    shown = 0
    try:
        with app.app_context():
            worker = make_staff(Role.CASEWORKER)
            supervisor = make_staff(Role.SUPERVISOR, organisation=worker.organisation)
            names = (worker.username, supervisor.username)
        browser, boss = Browser(app), Browser(app)
        assert browser.login(names[0]).status_code == 302
        assert boss.login(names[1]).status_code == 302
        for n in range(CASES):
            assert browser.post("/cases/new", canaries(n)).status_code == 302
        with app.app_context():
            ids = list(db.session.execute(select(Case.id).order_by(Case.created_at)).scalars())
        for case_id in ids:
            shown += count_hits(browser.get(f"/cases/{case_id}").get_data())
        shown += count_hits(browser.get("/cases/").get_data())
        for term in (canaries(1)["phone"], canaries(2)["full_name"], "Zqxjwvbkd Щукабрынзова"):
            shown += count_hits(browser.post("/cases/search", {"term": term}).get_data())
        edit = {**canaries(3), "note": canaries(3)["note"] + " edited", "lock_version": 1}
        assert browser.post(f"/cases/{ids[3]}/edit", edit).status_code == 302
        with app.app_context():  # tamper: case 0 gets case 1's name
            table = Case.__table__
            stolen = db.session.execute(
                select(table.c.full_name_ct).where(table.c.id == ids[1])
            ).scalar_one()
            db.session.execute(
                update(table).where(table.c.id == ids[0]).values(full_name_ct=stolen)
            )
            db.session.commit()
        error_page = browser.get(f"/cases/{ids[0]}")
        assert error_page.status_code == 500
        assert count_hits(error_page.get_data()) == 0
        erase = {"reason": "survivor_request", "understood": "y"}
        code = boss.get(f"/cases/{ids[2]}").get_data(as_text=True).split("Case ")[1][:13]
        assert (
            boss.post(f"/cases/{ids[2]}/erase", {**erase, "confirm_code": code}).status_code == 302
        )
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return log.getvalue(), shown


def test_canaries_never_reach_disk_dump_or_logs(tmp_path):
    with committed_app(tmp_path, "canary_sqlite", postgres=False) as (app, url):
        logged, shown = exercise(app)
        with app.app_context():
            db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.commit()
            db.engine.dispose()
        file_hits = count_hits(canary.sqlite_bytes(url))
    log_hits = count_hits(logged.encode())
    dump_hits: int | str = "skipped (TEST_DATABASE_URL is not PostgreSQL)"
    if is_postgres():
        with committed_app(tmp_path, "canary", postgres=True) as (pg_app, pg_url):
            pg_logged, pg_shown = exercise(pg_app)
            dump = canary.pg_dump(pg_url)
            assert b"CREATE TABLE public.cases" in dump
            assert b"COPY public.cases" in dump
            dump_hits = count_hits(dump)
            log_hits += count_hits(pg_logged.encode())
            assert pg_shown > 0
    print(
        f"[security] canary hits: {file_hits} in sqlite file, {dump_hits} in pg_dump, "
        f"{log_hits} in logs ({len(needles())} canaries x {CASES} cases; the screens that "
        f"should show them showed them {shown} times)"
    )
    assert shown > 0  # the canaries were really written and readable by the caseworker
    assert len(logged) > 0  # the log capture worked (requests and the failure were logged)
    assert file_hits == 0
    assert log_hits == 0
    assert dump_hits == 0 or not is_postgres()
