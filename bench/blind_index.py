"""Blind-index lookup against decrypt-and-scan at 100,000 cases, in the same run.

    python -m bench.blind_index           (BENCH_CASES=100000 by default)

Both answer "which cases of my organisation have this phone number (or name)?" for a
supervisor who sees every case: the index path is `service.search_cases` (index lookup,
decrypt the candidates, drop false positives, audit); the scan decrypts every case.
"""

from __future__ import annotations

import random
import time

from sqlalchemy.orm import joinedload

from bench._cases import case_count, describe, ensure_cases, make_app, percentile, person
from referral.cases import policy, service
from referral.cases.models import Case
from referral.crypto import blind_index, fields
from referral.extensions import db


def scan(user, phone: str) -> list:
    """The baseline without an index: decrypt every visible case's phone and compare."""
    wanted = blind_index.normalise_phone(phone)
    found = []
    query = (
        policy.visible_cases(user).options(joinedload(Case.key)).execution_options(yield_per=2000)
    )
    for case in db.session.execute(query).scalars():
        if fields.read(case, "phone", policy.grant_for(user, case)) == wanted:
            found.append(case.id)
    return found


def main(lookups: int = 300, scans: int = 3) -> dict[str, float]:
    n = case_count()
    app = make_app()
    rng = random.Random(11)
    with app.app_context():
        user = ensure_cases(n)
        db.session.commit()
        phone_times, name_times, candidates = [], [], []
        for i in range(lookups):
            name, phone = person(rng.randrange(n))
            term = phone.replace("+996", "0") if i % 2 else phone  # typed variants
            start = time.perf_counter()
            result = service.search_cases(user, term)
            db.session.commit()
            phone_times.append(time.perf_counter() - start)
            candidates.append(result.candidates)
            assert any(True for _ in result.cases), "index lookup missed a case"
            start = time.perf_counter()
            service.search_cases(user, name)
            db.session.commit()
            name_times.append(time.perf_counter() - start)
            fields.forget_deks()
        scan_times = []
        for _ in range(scans):
            _name, phone = person(rng.randrange(n))
            start = time.perf_counter()
            assert scan(user, phone), "scan missed a case"
            scan_times.append(time.perf_counter() - start)
            db.session.rollback()
            fields.forget_deks()
    phone_p95 = percentile(phone_times, 95)
    speedup = min(scan_times) / percentile(phone_times, 50)
    print(f"cases: {n}, index bits: {app.config['BLIND_INDEX_BITS']}")
    print(f"phone search (index): {describe(phone_times)}")
    print(f"name search (index):  {describe(name_times)}")
    print(f"candidates per phone lookup: mean {sum(candidates) / len(candidates):.1f}")
    print(f"decrypt-and-scan:     {describe(scan_times)}")
    print(f"speed-up (scan best / index p50): {speedup:,.0f}x; index p95 {phone_p95 * 1000:.1f} ms")
    return {"phone_p95_ms": phone_p95 * 1000, "speedup": speedup}


if __name__ == "__main__":
    main()
