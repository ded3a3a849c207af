"""The production-style deployment that `bench.load` and `bench.faults` drive.

Two kinds:

- `prod_local()`: the instance `make prod-local` runs (nginx over HTTPS in front of
  gunicorn, PostgreSQL, Redis). Found by the same settings as `.ci/prod-local`
  (PROD_LOCAL_DIR, PROD_LOCAL_HTTPS_PORT); its environment file says where the database
  and the keys are.
- `OwnStack`: gunicorn with the production config (`config/gunicorn.conf.py`, TLS by
  gunicorn itself, since the session cookie is `__Host-` and Secure), on a PostgreSQL
  cluster and a Redis server of its own on free loopback ports, in a temporary
  directory. The faults restart and stop those two: never the machine's shared
  services, which other work is using.

Both get the bench users of `seed_users` (created through the accounts service, with
one known password and, for the supervisors, a known TOTP key) beside the demo data.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PASSWORD = "amber-river-kestrel-2026"
TOTP_SECRET = "LOADBENCHLOADBENCHLOADBENCH2345"
PROVIDER_ORG = "Oktyabr"  # the police unit the demo's caseworkers refer to

# (username prefix, role, organisation name contains, how many)
BENCH_USERS = (
    ("lb-caseworker", "caseworker", "Crisis", 24),
    ("lb-provider", "provider", PROVIDER_ORG, 16),
    ("lb-committee", "committee_member", "Committee", 8),
    ("lb-supervisor", "supervisor", "Crisis", 2),
    ("lb-target", "caseworker", "Crisis", 1),  # the account the brute force aims at
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, verify, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, verify=verify, timeout=3).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")


@dataclass
class Target:
    base: str
    verify: str | bool
    env: dict[str, str]  # the app's environment, for `flask` commands on this instance
    kind: str

    def flask(self, *args: str, timeout: float = 600, **popen) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            **popen,
        )

    def seed_users(self) -> dict[str, str]:
        """The bench users (made once per database): username -> role."""
        return self._helper("seed-users")

    def check_cases(self) -> dict:
        return self._helper("check-cases")

    def _helper(self, command: str):
        done = subprocess.run(
            [str(BIN / "python"), "-m", "bench._deploy", command],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench._deploy {command} failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def _read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    return env


def prod_local() -> Target | None:
    """The running `make prod-local` instance, or None when it is not up."""
    state = Path(os.environ.get("PROD_LOCAL_DIR", ROOT / "instance" / "prod-local"))
    port = os.environ.get("PROD_LOCAL_HTTPS_PORT", "8443")
    if not (state / "env").is_file():
        return None
    base = f"https://127.0.0.1:{port}"
    ca = str(state / "tls" / "cert.pem")
    try:
        requests.get(f"{base}/readyz", verify=ca, timeout=5).raise_for_status()
    except requests.RequestException:
        return None
    return Target(base, ca, _read_env(state / "env"), "prod-local: nginx + gunicorn over HTTPS")


@dataclass
class OwnStack:
    """gunicorn (production config) + a private PostgreSQL cluster + a private Redis."""

    workers: int = 3
    dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="referral-load-")))
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    app_port: int = field(default_factory=free_port)
    gunicorn: subprocess.Popen | None = None
    redis: subprocess.Popen | None = None

    # --- PostgreSQL -------------------------------------------------------------------

    @property
    def pg_bin(self) -> Path:
        versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
        return versions[-1] / "bin"

    def _as_postgres(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def pg_start(self) -> None:
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            "-D",
            str(self.dir / "pg"),
            "-l",
            str(self.dir / "pgsock" / "server.log"),  # a directory the server may write
            "-w",
            "-o",
            f"-p {self.pg_port} -k {self.dir / 'pgsock'} -c listen_addresses=127.0.0.1",
            "start",
        )

    def pg_stop(self) -> None:
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"), "-D", str(self.dir / "pg"), "-m", "fast", "-w", "stop"
        )

    def pg_restart(self) -> float:
        """A fast restart (open connections are cut, as `systemctl restart` does);
        returns the seconds the server was away."""
        started = time.monotonic()
        self.pg_stop()
        self.pg_start()
        return time.monotonic() - started

    # --- Redis ------------------------------------------------------------------------

    def redis_start(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.redis_port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the private Redis did not start")

    def redis_stop(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)
            self.redis = None

    # --- the app ----------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        d = self.dir
        return {
            "REFERRAL_ENV": "production",
            "REFERRAL_SQLALCHEMY_DATABASE_URI": (
                f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/referral"
            ),
            "SECRET_KEY_FILE": str(d / "secret_key"),
            "REFERRAL_KEYS_DIR": str(d / "keys"),
            "REFERRAL_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.redis_port}/0",
            "REFERRAL_AUDIT_CHECKPOINT_DIR": str(d / "checkpoints"),
            "REFERRAL_ATTACHMENTS_DIR": str(d / "attachments"),
            "REFERRAL_BIND": f"127.0.0.1:{self.app_port}",
            "REFERRAL_WORKERS": str(self.workers),
            "REFERRAL_ACCESS_LOG": str(d / "access.log"),
            "REFERRAL_ERROR_LOG": str(d / "error.log"),
        }

    @property
    def target(self) -> Target:
        return Target(
            f"https://127.0.0.1:{self.app_port}",
            str(self.dir / "cert.pem"),
            self.env,
            f"own stack: gunicorn -w {self.workers} (TLS) + PostgreSQL + Redis",
        )

    def start(self) -> Target:
        d = self.dir
        os.chmod(d, 0o755)
        (d / "pg").mkdir()
        (d / "pgsock").mkdir()
        for sub in ("checkpoints", "attachments"):
            (d / sub).mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(d / "pg", "postgres")
            shutil.chown(d / "pgsock", "postgres")
        self._as_postgres(
            str(self.pg_bin / "initdb"), "-D", str(d / "pg"), "-A", "trust", "-U", "postgres"
        )
        self.pg_start()
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-qc",
                "CREATE DATABASE referral",
            ],
            check=True,
            capture_output=True,
        )
        self.redis_start()
        subprocess.run(
            [str(BIN / "python"), "-m", "referral.crypto.keygen", str(d / "keys")],
            check=True,
            capture_output=True,
        )
        for f in (d / "keys").iterdir():
            f.chmod(0o400)
        (d / "keys").chmod(0o700)  # a rotation adds a KEK file here
        (d / "secret_key").write_text(os.urandom(32).hex())
        (d / "secret_key").chmod(0o400)
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
                *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
                *("-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")),
            ],
            check=True,
            capture_output=True,
        )
        target = self.target
        # The production config refuses demo accounts; the seed runs as prod-local's does.
        steps = ((("db", "upgrade"), {}), (("demo", "seed"), {"REFERRAL_ENV": "development"}))
        for args, extra in steps:
            done = subprocess.run(
                [str(BIN / "flask"), "--app", "wsgi", *args],
                cwd=ROOT,
                env={**os.environ, **self.env, **extra},
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                raise RuntimeError(f"flask {' '.join(args)} failed: {done.stderr[-2000:]}")
        self.start_gunicorn()
        return target

    def start_gunicorn(self) -> None:
        self.gunicorn = subprocess.Popen(
            [
                *(str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py"),
                *("--certfile", str(self.dir / "cert.pem"), "--keyfile", str(self.dir / "key.pem")),
                "wsgi:app",
            ],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(f"{self.target.base}/readyz", self.target.verify)

    def worker_pids(self) -> list[int]:
        if self.gunicorn is None:
            return []
        out = subprocess.run(
            ["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.gunicorn is not None:
            self.gunicorn.send_signal(signal.SIGTERM)
            try:
                self.gunicorn.wait(40)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
            self.gunicorn = None
        self.redis_stop()
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            "-D",
            str(self.dir / "pg"),
            "-m",
            "fast",
            "stop",
            check=False,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the bench users (run in the instance's environment: `python -m bench._deploy`) ------


def _seed_users() -> dict[str, str]:
    from sqlalchemy import select

    from referral import create_app
    from referral.auth import second_factor
    from referral.auth import service as accounts
    from referral.auth.models import User
    from referral.auth.permissions import Role
    from referral.directory.models import Organisation
    from referral.extensions import db

    app = create_app()
    made = {}
    with app.app_context():
        for prefix, role_name, org_name, count in BENCH_USERS:
            org = db.session.execute(
                select(Organisation).where(Organisation.name_en.contains(org_name)).limit(1)
            ).scalar_one()
            for i in range(1, count + 1):
                username = f"{prefix}-{i:02d}" if count > 1 else prefix
                user = accounts.get_user_by_username(username)
                if user is None:
                    user, _ = accounts.create_user(
                        accounts.UserInput(
                            username=username,
                            full_name=f"Load Bench {role_name} {i}",
                            email=None,
                            role=Role(role_name),
                            organisation_id=org.id,
                        ),
                        password=PASSWORD,
                    )
                    db.session.flush()
                    if second_factor.is_required(user):
                        second_factor.enrol_with_secret(user, TOTP_SECRET)
                made[username] = role_name
        db.session.commit()
        assert db.session.execute(select(User).where(User.username.like("lb-%"))).first()
    return made


def _check_cases() -> dict:
    """Every case read back whole: its data key present and opening every field, its
    opening on its timeline. Returns the counts and the decrypted names (to compare with
    what the bench tried to save; printed by no one)."""
    from sqlalchemy import select

    from referral import create_app
    from referral.cases import policy
    from referral.cases.models import Case, CaseEvent
    from referral.crypto import fields
    from referral.crypto.envelope import CryptoError
    from referral.extensions import db

    app = create_app()
    out = {"cases": 0, "whole": 0, "broken": 0, "names": []}
    with app.app_context():
        opened = set(
            db.session.execute(
                select(CaseEvent.case_id).where(CaseEvent.kind == "case_opened")
            ).scalars()
        )
        for case in db.session.execute(select(Case).order_by(Case.id)).scalars():
            if case.is_erased:
                continue
            out["cases"] += 1
            try:
                grant = policy.verify_grant(case)
                name = fields.read(case, "full_name", grant)
            except CryptoError:
                out["broken"] += 1
                continue
            if case.key is None or case.id not in opened:
                out["broken"] += 1
                continue
            out["whole"] += 1
            out["names"].append(name)
        db.session.rollback()
    return out


if __name__ == "__main__":
    if sys.argv[1:] == ["seed-users"]:
        print(json.dumps(_seed_users()))
    elif sys.argv[1:] == ["check-cases"]:
        print(json.dumps(_check_cases()))
