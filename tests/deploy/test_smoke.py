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


def _uid_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def _workers_of(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{master}\n" in status:
                children.append(int(entry.name))
    return children


def test_the_app_runs_unprivileged_and_alone_reads_its_keys_and_writes_its_files():
    pidfile = STATE / "run" / "gunicorn.pid"
    if os.environ.get("PROD_LOCAL") != "1" or not pidfile.exists():
        pytest.skip("DEPLOYMENT USER CHECK SKIPPED: no prod-local instance started by this run")
    master = int(pidfile.read_text().strip())
    workers = _workers_of(master)
    assert workers, "gunicorn has no workers"
    uids = {_uid_of(pid) for pid in [master, *workers]}
    assert len(uids) == 1, uids  # master and workers alike: --user would leave a root master
    (uid,) = uids
    assert uid != 0, "the application runs as root"
    for path, mode in (
        (STATE / "keys", 0o500),
        (STATE / "attachments", 0o700),
        (STATE / "audit-checkpoints", 0o700),
        (STATE / "secret_key", 0o400),
    ):
        info = path.stat()
        assert info.st_uid == uid, f"{path} belongs to uid {info.st_uid}, not the app's {uid}"
        assert info.st_mode & 0o777 == mode, f"{path} is {oct(info.st_mode & 0o777)}"
    for key in (STATE / "keys").glob("*.key"):
        assert key.stat().st_uid == uid
        assert key.stat().st_mode & 0o077 == 0, f"{key} is readable by others"
