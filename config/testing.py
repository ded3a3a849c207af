"""The test suite: cheap password hashing, in-memory rate limits."""

import tempfile
from pathlib import Path

ENV_NAME = "testing"
TESTING = True
SECRET_KEY = "testing-only-secret-key"  # noqa: S105
BABEL_DEFAULT_LOCALE = "en"
# argon2-cffi's CHEAPEST profile: only ever in tests.
ARGON2_TIME_COST = 1
ARGON2_MEMORY_COST = 8
ARGON2_PARALLELISM = 1
# On, so that the limiter is exercised; the limit is out of reach except where a test lowers it.
LOGIN_RATE_LIMIT = "100000 per minute"
LOGIN_ACCOUNT_RATE_LIMIT = "100000 per minute"
LOG_TRACEBACKS = True  # tests only: real deployments log the type, never the message

# --- Case file: attachments ---------------------------------------------------------
# Outside the repository's instance/ folder; tests that look at the files set their own
# directory per test.
ATTACHMENTS_DIR = str(Path(tempfile.gettempdir()) / "referral-test-attachments")

# --- Audit trail -------------------------------------------------------------------------
# Off: every test rolls its database back, and a file left by one would not match the
# next test's chain. Tests of checkpoints set their own directory.
AUDIT_CHECKPOINT_DIR = None
# In the request's own teardown, on the test's connection: a sealer thread would work
# on another connection, outside the test's transaction.
AUDIT_SEAL_IN_BACKGROUND = False
