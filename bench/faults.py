"""Faults under a light load: PostgreSQL restarted, Redis stopped, a worker and the key
rotation killed. One line per fault with what happened.

    .venv/bin/python -m bench.faults

Always on a stack of its own (bench/_deploy.py `OwnStack`: gunicorn with the production
config and TLS, a private PostgreSQL cluster and a private Redis on free loopback ports),
because it restarts and stops those: the machine's shared PostgreSQL and Redis serve other
work. No nginx in front: a killed worker's cut connections show as connection errors here
where nginx would answer 502.

While FAULT_USERS (10) people work (the roles of bench.load, think time 0-1 s), a
caseworker opens cases one after another (each with a name of its own) and a prober reads
the case list every 0.2 s:

1. PostgreSQL is stopped and started again (`pg_ctl -m fast`, open connections cut, as a
   service restart does). Printed: what the app answered meanwhile (must be 503 with
   Retry-After, never 500), how long until pages answered again, and whether every case
   save either landed whole or not at all (each case read back: data key, every field
   decrypting, its opening on the timeline; every save answered as done is there).
2. Redis is stopped. New sign-ins must still succeed, the signed-in people's pages keep
   working, and a brute force on one account must still end locked out. Redis is started
   again and a sign-in checked.
3. `flask keys rotate --batch-size 1` is killed (SIGKILL) part way, together with a
   gunicorn worker, under load. `flask keys status` shows the case keys left behind; a
   re-run resumes and completes; `flask backup verify` decrypts every case.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlparse

import requests

from bench._deploy import BIN, PASSWORD, PROVIDER_ORG, ROOT, OwnStack, Target
from bench.load import Browser, Person, Recorder, brute_force
from tests.deploy import smoke

LINES: list[str] = []


def say(line: str) -> None:
    LINES.append(line)
    print(line, flush=True)


class LightLoad:
    """FAULT_USERS people at work, a writer of cases and a prober, until stopped."""

    def __init__(self, target: Target, users: dict[str, str]):
        self.target = target
        self.recorder = Recorder()
        self.stopped = False
        count = int(os.environ.get("FAULT_USERS", "10"))
        by_role: dict[str, list[str]] = {}
        for name, role in users.items():
            # The writer and the prober below; supervisors not at all: signing in again
            # within 30 s would need the same TOTP code twice, which the app refuses.
            if name not in ("lb-target", "lb-caseworker-01", "lb-caseworker-02"):
                by_role.setdefault(role, []).append(name)
        plan = {"caseworker": 0.6, "provider": 0.3, "committee_member": 0.1}
        chosen = [
            (name, role)
            for role, share in plan.items()
            for name in by_role.get(role, [])[: max(1, round(count * share))]
        ]
        gate = threading.Barrier(len(chosen) + 1)
        self.people = [
            Person(target, n, r, self.recorder, self._stop_at, 1.0, gate) for n, r in chosen
        ]
        for person in self.people:
            person.start()
        gate.wait()
        self.samples: list[tuple[float, int | str, str]] = []  # (time, status, Retry-After)
        self.saves: list[tuple[str, str]] = []  # (name typed, what the save answered)
        self.writer = Browser(target, None)
        smoke.sign_in(self.writer, target.base, "lb-caseworker-01", PASSWORD)
        self.prober = Browser(target, None)
        smoke.sign_in(self.prober, target.base, "lb-caseworker-02", PASSWORD)
        self.threads = [
            threading.Thread(target=self._probe, daemon=True),
            threading.Thread(target=self._write, daemon=True),
        ]
        for t in self.threads:
            t.start()

    def _stop_at(self) -> float:
        return 0.0 if self.stopped else float("inf")

    def _probe(self):
        while not self.stopped:
            try:
                r = self.prober.get(f"{self.target.base}/cases/", timeout=30)
                self.samples.append(
                    (time.monotonic(), r.status_code, r.headers.get("Retry-After", ""))
                )
            except requests.RequestException as error:
                self.samples.append((time.monotonic(), type(error).__name__, ""))
            time.sleep(0.2)

    def _write(self):
        base = self.target.base
        while not self.stopped:
            name = f"Fault Testova {secrets.token_hex(4)}"  # fictional
            try:
                page = self.writer.get(f"{base}/cases/new", timeout=30)
                if page.status_code != 200:
                    self.saves.append((name, f"form {page.status_code}"))
                    time.sleep(0.5)
                    continue
                form = smoke.form_with(page, "full_name")
                response = self.writer.post(
                    form.action, data=form.data(full_name=name, duplicates_checked="y"), timeout=30
                )
                landed = re.search(rf"/cases/{smoke.UUID}$", urlparse(response.url).path)
                self.saves.append((name, "saved" if landed else f"answered {response.status_code}"))
            except (requests.RequestException, smoke.SmokeFailure) as error:
                self.saves.append((name, type(error).__name__))
            time.sleep(0.3)

    def stop(self):
        self.stopped = True
        for t in self.threads:
            t.join(60)
        for person in self.people:
            person.join(120)


def _errors(recorder: Recorder) -> Counter:
    """What went wrong for the people at work, by answer (status or exception)."""
    counts: Counter = Counter()
    for key, n in recorder.errors.items():
        counts[key.split(" -> ")[1]] += n
    return counts


def _statuses(samples, since: float, until: float) -> Counter:
    return Counter(s for t, s, _ in samples if since <= t <= until)


def postgres_restart(stack: OwnStack, target: Target, users) -> bool:
    load = LightLoad(target, users)
    time.sleep(8)
    before = time.monotonic()
    away = stack.pg_restart()
    time.sleep(15)
    load.stop()
    after = time.monotonic()
    during = _statuses(load.samples, before, after)
    bad = [s for t, s, _ in load.samples if t >= before and s not in (200, 503)]
    retry = {ra for t, s, ra in load.samples if s == 503}
    first_ok = next((t for t, s, _ in load.samples if t > before + away and s == 200), None)
    recovered = None if first_ok is None else first_ok - (before + away)
    errors = _errors(load.recorder)
    check = target.check_cases()
    names = set(check["names"])
    saved = [n for n, outcome in load.saves if outcome == "saved"]
    missing = [n for n in saved if n not in names]
    not_saved = [n for n, outcome in load.saves if outcome != "saved"]
    landed_anyway = [n for n in not_saved if n in names]
    ok = not bad and recovered is not None and not missing and check["broken"] == 0
    say(
        f"FAULT postgres restart: {'OK' if ok else 'FAILED'}: server away {away:.1f} s; "
        f"prober answers from the restart on: {dict(during)} (Retry-After {sorted(retry)}); "
        f"pages answered 200 again {recovered:.1f} s after PostgreSQL was back"
        if recovered is not None
        else f"FAULT postgres restart: FAILED: no 200 after the restart ({dict(during)})"
    )
    say(
        f"  people's answers >= 400 or failed: {dict(errors) or 0}; case saves: {len(saved)} "
        f"answered saved, all {len(saved) - len(missing)} there; {len(not_saved)} not answered "
        f"saved ({Counter(o for _, o in load.saves if o != 'saved')}), of which "
        f"{len(landed_anyway)} landed whole; {check['cases']} cases read back, "
        f"{check['broken']} half-written"
    )
    return ok


def redis_stopped(stack: OwnStack, target: Target, users) -> bool:
    target.flask("users", "unlock", "lb-target")
    load = LightLoad(target, users)
    time.sleep(5)
    stack.redis_stop()
    stopped_at = time.monotonic()
    signed = []
    for name in ("lb-caseworker-20", "lb-caseworker-21", "lb-provider-15", "lb-committee-08"):
        b = Browser(target, None)
        try:
            smoke.sign_in(b, target.base, name, PASSWORD)
            signed.append(b.get(f"{target.base}/").status_code)
        except (smoke.SmokeFailure, requests.RequestException) as error:
            signed.append(str(error)[:60])
    attack: dict = {}
    brute_force(target, 8, 0.3, attack)
    time.sleep(5)
    pages = _statuses(load.samples, stopped_at, time.monotonic())
    stack.redis_start()
    time.sleep(2)
    after = Browser(target, None)
    try:
        smoke.sign_in(after, target.base, "lb-caseworker-22", PASSWORD)
        after_ok = True
    except (smoke.SmokeFailure, requests.RequestException):
        after_ok = False
    load.stop()
    errors = sum(load.recorder.errors.values())
    ok = (
        signed == [200] * len(signed)
        and attack.get("right_password_refused")
        and set(pages) == {200}
        and errors == 0
        and after_ok
    )
    locked = "refused (locked out)" if attack.get("right_password_refused") else "ACCEPTED"
    say(
        f"FAULT redis stopped: {'OK' if ok else 'FAILED'}: {signed.count(200)}/{len(signed)} "
        f"new sign-ins succeeded; case list while stopped: {dict(pages)}; people's errors: "
        f"{errors}; brute force: wrong passwords answered {sorted(set(attack['statuses']))}, "
        f"then the right one {locked}; "
        f"sign-in after Redis was back: {'ok' if after_ok else 'FAILED'}"
    )
    return bool(ok)


def _rotate(target: Target, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "flask"), "--app", "wsgi", "keys", "rotate", *args],
        cwd=ROOT,
        env={**os.environ, **target.env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def pending(target: Target) -> int:
    out = target.flask("keys", "status").stdout
    match = re.search(r"(\d+) case key\(s\) not yet on the active KEK", out)
    return int(match.group(1)) if match else 0


def rotation_killed(stack: OwnStack, target: Target, users) -> bool:
    load = LightLoad(target, users)
    time.sleep(3)
    rotation = _rotate(target, "--batch-size", "1")
    first = rotation.stdout.readline()  # "Added kek-N and made it active (was kek-M)."
    time.sleep(float(os.environ.get("FAULT_KILL_AFTER", "1.0")))
    worker = stack.worker_pids()[0]
    os.kill(worker, signal.SIGKILL)
    rotation.kill()
    rotation.wait(30)
    left = pending(target)
    time.sleep(3)
    again = _rotate(target)
    out, _ = again.communicate(timeout=600)
    time.sleep(2)
    load.stop()
    after = pending(target)
    verify = target.flask("backup", "verify")
    decrypted = re.search(r"(\d+) case\(s\) decrypted", verify.stdout)
    errors = _errors(load.recorder)
    resumed = "Resuming" in out
    ok = left > 0 and resumed and again.returncode == 0 and after == 0 and verify.returncode == 0
    say(
        f"FAULT rotation and a worker killed: {'OK' if ok else 'FAILED'}: {first.strip()!r}; "
        f"killed part way with worker {worker}: {left} case key(s) left on the old KEK; "
        f"re-run: {'resumed' if resumed else 'did not resume'} and exited {again.returncode} "
        f"({out.strip().splitlines()[-2] if len(out.strip().splitlines()) > 1 else out.strip()}); "
        f"then {after} pending; backup verify exited {verify.returncode}: "
        f"{decrypted.group(0) if decrypted else verify.stdout.strip()[-200:]}"
    )
    say(
        f"  people's answers >= 400 or failed meanwhile: {dict(errors) or 0} "
        "(cut connections of the killed worker: nginx would answer those 502)"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    stack = OwnStack()
    started = time.monotonic()
    try:
        target = stack.start()
        users = target.seed_users()
        say(f"faults against {target.kind} at {target.base} (PROVIDER {PROVIDER_ORG})")
        results = [
            postgres_restart(stack, target, users),
            redis_stopped(stack, target, users),
            rotation_killed(stack, target, users),
        ]
    finally:
        stack.stop()
    say(f"FAULTS: {sum(results)}/{len(results)} OK in {time.monotonic() - started:.0f} s")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
