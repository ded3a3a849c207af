"""Two people saving the same case record at the same moment, round after round: no
update is lost. Each round both load the record (its version), then save a change made
on that version at once; the app must let one through and tell the other. Prints
saves, wins, refusals (by the form's version check, or by the UPDATE's own version
condition when both passed it), errors and lost updates (must be 0).

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench \\
        .venv/bin/python -m bench.concurrency             # 1,000 saves
    BENCH_SAVES=4000 ...                                  # more rounds

Runs on a committed throw-away database (tests/crypto/committed.py), each person in a
thread with their own request context, session, connection and commit, as two gunicorn
workers would.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from flask import g
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import Case, CaseEvent
from referral.cases.service.common import StaleError
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories
from tests.crypto.committed import committed_app, is_postgres


class Person(threading.Thread):
    def __init__(self, app, user_id, case_id, rounds, barrier, name):
        super().__init__(daemon=True, name=name)
        self.app, self.user_id, self.case_id = app, user_id, case_id
        self.rounds, self.barrier = rounds, barrier
        self.outcomes: list[tuple[int, str]] = []  # (version loaded, outcome) per round

    def run(self):
        for n in range(self.rounds):
            with self.app.test_request_context("/"):
                user = db.session.get(User, self.user_id)
                g._login_user = user
                self.barrier.wait(timeout=30)  # both load the same version
                case = db.session.get(Case, self.case_id)
                version = case.lock_version
                self.barrier.wait(timeout=30)  # ... and save at once
                try:
                    cases.update_case(
                        user,
                        case,
                        cases.CaseInput(full_name="Race Caseova", note=f"{self.name} {n}"),
                        version,
                    )
                    db.session.commit()
                    outcome = "won"
                except StaleError:
                    outcome = "refused by the form's version"
                except StaleDataError:
                    outcome = "refused by the UPDATE"
                except Exception as error:  # counted and printed, never hidden
                    outcome = f"error {type(error).__name__}"
                finally:
                    db.session.rollback()
                self.outcomes.append((version, outcome))


def run(postgres: bool, saves: int) -> dict:
    rounds = saves // 2
    with (
        tempfile.TemporaryDirectory() as tmp,
        committed_app(Path(tmp), "concurrency", postgres=postgres) as (app, _url),
    ):
        with app.test_request_context("/"):
            centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
            worker = factories.UserFactory(role=Role.CASEWORKER, organisation=centre)
            chief = factories.UserFactory(role=Role.SUPERVISOR, organisation=centre)
            db.session.flush()
            g._login_user = worker
            case = cases.open_case(worker, cases.CaseInput(full_name="Race Caseova"))
            db.session.commit()
            ids = worker.id, chief.id, case.id
            barrier = threading.Barrier(2)
        people = [
            Person(app, ids[0], ids[2], rounds, barrier, "caseworker"),
            Person(app, ids[1], ids[2], rounds, barrier, "supervisor"),
        ]
        started = time.perf_counter()
        for person in people:
            person.start()
        for person in people:
            person.join()
        seconds = time.perf_counter() - started
        with app.app_context():
            events = db.session.scalar(
                select(func.count())
                .select_from(CaseEvent)
                .where(CaseEvent.case_id == ids[2], CaseEvent.kind == "intake_updated")
            )
    outcomes = [o for person in people for _v, o in person.outcomes]
    wins = outcomes.count("won")
    # A lost update: two saves made on the same version both went through.
    doubled = sum(
        1
        for a, b in zip(people[0].outcomes, people[1].outcomes, strict=True)
        if a[0] == b[0] and a[1] == b[1] == "won"
    )
    return {
        "saves": len(outcomes),
        "wins": wins,
        "refused_form": outcomes.count("refused by the form's version"),
        "refused_update": outcomes.count("refused by the UPDATE"),
        "errors": sum(1 for o in outcomes if o.startswith("error")),
        # Every save that went through left its event; none was overwritten unseen.
        "lost": doubled + abs(wins - events),
        "seconds": seconds,
    }


def main() -> None:
    saves = int(os.environ.get("BENCH_SAVES", "1000"))
    if not is_postgres():
        raise SystemExit(
            "bench.concurrency needs PostgreSQL (row versions under real concurrency): "
            "TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/referral_bench"
        )
    for postgres in (True,):
        figures = run(postgres, saves)
        name = "PostgreSQL" if postgres else "SQLite"
        print(
            f"[bench] concurrency ({name}): two people saved one case record "
            f"{figures['saves']} times in {figures['seconds']:.1f} s: {figures['wins']} saved, "
            f"{figures['refused_form']} told by the form's version check, "
            f"{figures['refused_update']} by the UPDATE's version condition, "
            f"{figures['errors']} errors, {figures['lost']} lost updates"
        )


if __name__ == "__main__":
    main()
