"""The deployment smoke test (tests/deploy/smoke.py) from the suite, against the
`make prod-local` instance: run when PROD_LOCAL=1 (set by `make test-deploy`, which
starts the instance first) or when that instance answers; skipped otherwise, saying so.
Under CI=true `make test` always starts the instance and runs this with PROD_LOCAL=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.deploy import smoke

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("PROD_LOCAL_DIR", ROOT / "instance" / "prod-local"))
BASE = f"https://127.0.0.1:{os.environ.get('PROD_LOCAL_HTTPS_PORT', '8443')}"
CERT = STATE / "tls" / "cert.pem"


def _instance_up() -> bool:
    if not CERT.exists():
        return False
    try:
        requests.get(f"{BASE}/healthz", verify=str(CERT), timeout=2)
    except requests.RequestException:
        return False
    return True


def test_a_referral_goes_from_caseworker_to_provider_through_nginx():
    # `make test-deploy` (always run by `make test` under CI=true) starts the instance and
    # sets PROD_LOCAL=1; the database legs before it have no instance to try.
    wanted = os.environ.get("PROD_LOCAL") == "1"
    if not _instance_up():
        if wanted:
            pytest.fail(f"the prod-local instance does not answer at {BASE}: run `make prod-local`")
        pytest.skip(f"DEPLOYMENT SMOKE TEST SKIPPED: no prod-local instance at {BASE}")
    totp = smoke.load_totp(STATE / "demo-totp.txt")
    if wanted and "supervisor" not in totp:
        pytest.fail(
            f"no demo TOTP keys in {STATE / 'demo-totp.txt'}: the sign-in with a code is untried"
        )
    timings = smoke.run(BASE, str(CERT), totp=totp)
    print(f"[security] deployment smoke test through nginx: {len(timings)} steps passed")
    assert "provider accepts" in timings
