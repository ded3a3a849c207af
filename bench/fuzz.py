"""Fuzzing at scale: the suite's fuzz test (every form and query parameter of every
endpoint, as a role that may use it) with Hypothesis drawing FUZZ_EXAMPLES values per
endpoint, enough for at least 10,000 requests in all (BENCH_FUZZ_REQUESTS), on a fresh
SQLite database (TEST_DATABASE_URL selects PostgreSQL). Prints the requests sent per
endpoint, the total and the server errors (goal: 0)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

LINE = re.compile(r"\[fuzz\] (\S+) as (\S+): (\d+) fixed, (\d+) drawn requests, (\d+) errors")


def main() -> None:
    wanted = int(os.environ.get("BENCH_FUZZ_REQUESTS", "10000"))
    from tests.test_fuzz import TARGETS

    per_endpoint = max(3, -(-wanted // len(TARGETS)))
    env = {**os.environ, "FUZZ_EXAMPLES": str(per_endpoint), "FUZZ_RANDOM": "1"}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", "tests/test_fuzz.py"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    hits = LINE.findall(run.stdout)
    fixed = sum(int(h[2]) for h in hits)
    drawn = sum(int(h[3]) for h in hits)
    errors = sum(int(h[4]) for h in hits)
    print(f"endpoints fuzzed: {len(hits)} of {len(TARGETS)}, {per_endpoint} drawn examples each")
    print(f"requests: {drawn} drawn by Hypothesis + {fixed} with fixed hostile values")
    print(f"server errors (5xx): {errors}; pytest exit code {run.returncode}")
    print(f"time: {time.monotonic() - started:.0f} s")
    if run.returncode != 0:
        print(run.stdout[-3000:])


if __name__ == "__main__":
    main()
