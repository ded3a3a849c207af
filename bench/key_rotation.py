"""KEK rotation throughput at 100,000 cases on PostgreSQL, with a reader running.

    python -m bench.key_rotation          (BENCH_CASES=100000 by default)

Adds and promotes a new KEK in the benchmark key directory, re-wraps every case key in
batches of 1,000 (one transaction each) while a second app (its own key ring, as in
another worker) keeps decrypting random cases; prints cases/s and the reader's failures.
"""

from __future__ import annotations

import random
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bench._cases import case_count, ensure_cases, make_app
from referral.auth.models import User
from referral.cases import keys, policy
from referral.cases.models import Case
from referral.crypto import fields
from referral.extensions import db


def _reader(app, supervisor_id, ids, stop, counts):
    with app.app_context():
        user = db.session.get(User, supervisor_id)
        rng = random.Random(7)
        while not stop.is_set():
            batch = rng.sample(ids, 50)
            cases = db.session.execute(
                select(Case).where(Case.id.in_(batch)).options(joinedload(Case.key))
            ).scalars()
            for case in cases:
                try:
                    fields.read(case, "full_name", policy.grant_for(user, case))
                    counts["reads"] += 1
                except Exception:
                    counts["failures"] += 1
            db.session.rollback()
            fields.forget_deks()
        db.session.remove()
        db.engine.dispose()


def main() -> dict[str, float]:
    n = case_count()
    app = make_app()
    with app.app_context():
        supervisor = ensure_cases(n)
        supervisor_id = supervisor.id
        ids = list(
            db.session.execute(
                select(Case.id).where(Case.organisation_id == supervisor.organisation_id)
            ).scalars()
        )
        db.session.commit()
    reader_app = make_app()
    stop, counts = threading.Event(), {"reads": 0, "failures": 0}
    thread = threading.Thread(target=_reader, args=(reader_app, supervisor_id, ids, stop, counts))
    thread.start()
    with app.app_context():
        old, new = keys.add_and_promote_kek()
        total = keys.pending_rewrap()
        start = time.perf_counter()
        result = keys.rewrap_all(1000)
        elapsed = time.perf_counter() - start
        left = keys.pending_rewrap()
        db.session.commit()
    stop.set()
    thread.join()
    rate = result.rewrapped / elapsed
    print(f"KEK rotation {old} -> {new}: {result.rewrapped} of {total} case keys re-wrapped")
    print(f"  {elapsed:.1f} s, {rate:,.0f} cases/s, {result.failed} failed, {left} left on old")
    print(f"  concurrent reader: {counts['reads']} decryptions, {counts['failures']} failures")
    return {"seconds": elapsed, "cases_per_s": rate, "reader_failures": counts["failures"]}


if __name__ == "__main__":
    main()
