"""Fifty people of mixed roles using the production-style deployment at once.

    make prod-local                                   # then, with the same settings:
    .venv/bin/python -m bench.load                    # against it (nginx, HTTPS)
    .venv/bin/python -m bench.load --own-stack        # gunicorn + PostgreSQL + Redis of
                                                      # its own (bench/_deploy.py)

Without a running prod-local instance it starts its own stack (so `python -m bench` always
measures something) and says which it used.

Every user signs in through the sign-in form, all at once and all from one address (as a
crisis centre's office behind one public address at 9:00); the supervisors answer their
TOTP step. Then for LOAD_SECONDS (60) each works as that role does, with a think time of
up to LOAD_THINK seconds (1.0) between steps:

- caseworkers (24): the case list, a case page; every fourth round they open a case,
  record the survivor's consent to a police referral and send it;
- providers (16, the police unit the referrals go to): the inbox, a referral page, and
  they accept what is new;
- committee members (8): the statistics dashboard and the monthly report;
- supervisors (2): the case list and a case page.

Meanwhile one more client reads the bare endpoint (`/healthz`, no database) at the same
pace, and an attacker guesses one account's password from the same address. Then the
same 50 clients read only the bare endpoint for LOAD_BARE_SECONDS (10).

Prints: the sign-ins (all must succeed), the brute force (it must end locked out, the
right password refused), errors (every answer >= 400 and every failed connection; must
be 0), p50/p95 per page with its share of the bare endpoint's p50 under the same load,
and the throughput against the bare endpoint's alone.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import sys
import threading
import time
from collections import defaultdict
from urllib.parse import urljoin, urlparse

import requests

from bench._cases import percentile
from bench._deploy import PASSWORD, PROVIDER_ORG, TOTP_SECRET, OwnStack, Target, prod_local
from tests.deploy import smoke

UUID = smoke.UUID


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


# --- measuring ------------------------------------------------------------------------


def page_label(method: str, url: str) -> str:
    """One label per page: ids folded, so every case page counts together."""
    path = re.sub(UUID, "{id}", urlparse(url).path)
    return f"{method} {path}"


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.conflicts = 0  # two providers accepted one referral at once: one is told 409
        self.examples: list[str] = []
        self.recording = True

    def add(self, label: str, seconds: float, status: int | None, what: str = "") -> None:
        with self.lock:
            if not self.recording:
                return
            self.times[label].append(seconds)
            if status == 409 and label.endswith("/provider/accept"):
                self.conflicts += 1
            elif status is None or status >= 400:
                key = f"{label} -> {status or what}"
                self.errors[key] += 1
                if len(self.examples) < 10:
                    self.examples.append(key)

    def total(self) -> int:
        return sum(len(v) for v in self.times.values())


class Browser(requests.Session):
    """A signed-in person's browser whose every exchange (redirects too) is timed."""

    def __init__(self, target: Target, recorder: Recorder | None):
        super().__init__()
        self.trust_env = False  # loopback only; no proxy or CA bundle from the environment
        self.verify = target.verify
        self.recorder = recorder

    def send(self, request, **kwargs):
        kwargs.setdefault("timeout", 60)
        started = time.perf_counter()
        label = page_label(request.method, request.url)
        try:
            response = super().send(request, **kwargs)
        except requests.RequestException as error:
            if self.recorder:
                self.recorder.add(label, time.perf_counter() - started, None, type(error).__name__)
            raise
        if self.recorder:
            self.recorder.add(label, time.perf_counter() - started, response.status_code)
        return response


# --- what each role does --------------------------------------------------------------


class Person(threading.Thread):
    def __init__(self, target, username, role, recorder, stop_at, think, start_gate):
        super().__init__(daemon=True, name=username)
        self.target, self.username, self.role = target, username, role
        self.recorder, self.stop_at, self.think = recorder, stop_at, think
        self.start_gate = start_gate
        self.browser = Browser(target, None)  # the sign-in is timed apart
        self.signed_in: bool | None = None
        self.sign_in_seconds = 0.0
        self.failure = ""
        self.rounds = 0

    def run(self):
        base = self.target.base
        started = time.perf_counter()
        try:
            smoke.sign_in(
                self.browser,
                base,
                self.username,
                PASSWORD,
                TOTP_SECRET if self.role == "supervisor" else None,
            )
            self.signed_in = True
        except (smoke.SmokeFailure, requests.RequestException) as error:
            self.signed_in, self.failure = False, str(error)[:200]
        self.sign_in_seconds = time.perf_counter() - started
        self.start_gate.wait()
        if not self.signed_in:
            return
        self.browser.recorder = self.recorder
        work = getattr(self, f"round_{self.role}")
        while time.monotonic() < self.stop_at():
            try:
                work(base)
            except (smoke.SmokeFailure, requests.RequestException, StopIteration) as error:
                # The exchange itself was counted by the recorder when it failed; a page
                # that lacked what a person needed is an error too.
                self.recorder.add(f"step of {self.role}", 0.0, None, str(error)[:80])
            self.rounds += 1
            time.sleep(random.uniform(0, self.think))

    def _open_one(self, page, pattern: str) -> None:
        links = sorted(set(re.findall(pattern, page.text)))
        if links:
            self.browser.get(urljoin(page.url, random.choice(links)))

    def round_caseworker(self, base):
        page = self.browser.get(f"{base}/cases/")
        self._open_one(page, rf'href="(/cases/{UUID})"')
        if self.rounds % 4 == 3:
            case_id = smoke.open_case(self.browser, base)
            smoke.record_release(self.browser, base, case_id)
            smoke.send_referral(self.browser, base, case_id, PROVIDER_ORG)

    round_supervisor = round_caseworker

    def round_provider(self, base):
        inbox = self.browser.get(f"{base}/referrals/inbox")
        links = sorted(set(re.findall(rf'href="(/referrals/{UUID})"', inbox.text)))
        if not links:
            return
        page = self.browser.get(urljoin(inbox.url, random.choice(links)))
        accept = next(
            (f for f in smoke.forms_of(page.text) if f.action.endswith("/provider/accept")), None
        )
        if accept is not None:
            # A colleague may accept it first: the 409 is counted apart (Recorder.conflicts).
            self.browser.post(urljoin(page.url, accept.action), data=accept.data())

    def round_committee_member(self, base):
        self.browser.get(f"{base}/stats/")
        self.browser.get(f"{base}/stats/monthly")


def bare_client(target, recorder, stop_at, think):
    browser = Browser(target, recorder)
    while time.monotonic() < stop_at():
        with contextlib.suppress(requests.RequestException):  # counted by the recorder
            browser.get(f"{target.base}/healthz")
        time.sleep(random.uniform(0, think))


def bare_alone(target, clients: int, seconds: float) -> tuple[int, float, list[float]]:
    recorder = Recorder()
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=bare_client, args=(target, recorder, lambda: stop_at, 0.0))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return recorder.total(), elapsed, recorder.times.get("GET /healthz", [])


def server_times(log_path: str | None, offset: int) -> dict[str, list[float]]:
    """Seconds each page spent in a gunicorn worker (the access log's %(M)s), from the
    lines written since `offset`: the cost of the page itself, without the queue."""
    times: dict[str, list[float]] = defaultdict(list)
    if not log_path or not os.path.exists(log_path):
        return times
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            match = re.search(r"\] (\w+) (\S+) (\d{3}) \S+ (\d+)ms", line)
            if match:
                method, path, _status, ms = match.groups()
                times[page_label(method, path)].append(int(ms) / 1000)
    return times


def log_size(log_path: str | None) -> int:
    return os.path.getsize(log_path) if log_path and os.path.exists(log_path) else 0


# --- the sign-in limits under load ----------------------------------------------------


def brute_force(target, attempts: int, pace: float, out: dict) -> None:
    """Wrong passwords against one account from the office's address, then the right
    one: a locked account refuses it, with the same answer as a wrong password."""
    browser = Browser(target, None)
    statuses = []
    for n in range(attempts):
        page = browser.get(f"{target.base}/login?lang=en")
        form = smoke.form_with(page, "password")
        response = browser.post(
            form.action, data=form.data(username="lb-target", password=f"guess-{n:04d}-wrong")
        )
        statuses.append(response.status_code)
        time.sleep(pace)
    page = browser.get(f"{target.base}/login?lang=en")
    form = smoke.form_with(page, "password")
    response = browser.post(form.action, data=form.data(username="lb-target", password=PASSWORD))
    out["statuses"] = statuses
    out["right_password_status"] = response.status_code
    out["right_password_refused"] = urlparse(response.url).path.startswith("/login")


# --- the run --------------------------------------------------------------------------


def run(target: Target, seconds: float, think: float, bare_seconds: float) -> dict:
    users = target.seed_users()
    target.flask("users", "unlock", "lb-target")  # a lockout left by an earlier run
    recorder = Recorder()
    stop = {"at": float("inf")}
    gate = threading.Barrier(len([u for u in users if u != "lb-target"]) + 1)
    people = [
        Person(target, name, role, recorder, lambda: stop["at"], think, gate)
        for name, role in users.items()
        if name != "lb-target"
    ]
    signing_started = time.perf_counter()
    for person in people:
        person.start()
    gate.wait()  # everyone has had their answer to the sign-in
    signing_seconds = time.perf_counter() - signing_started

    access_log = target.env.get("REFERRAL_ACCESS_LOG")
    log_offset = log_size(access_log)
    stop["at"] = time.monotonic() + seconds
    attack: dict = {}
    attacker = threading.Thread(target=brute_force, args=(target, 8, 1.0, attack))
    bare = threading.Thread(target=bare_client, args=(target, recorder, lambda: stop["at"], think))
    load_started = time.perf_counter()
    attacker.start()
    bare.start()
    for person in people:
        person.join()
    bare.join()
    attacker.join()
    load_seconds = time.perf_counter() - load_started
    recorder.recording = False
    in_worker = server_times(access_log, log_offset)

    alone_count, alone_seconds, alone_times = bare_alone(target, len(people), bare_seconds)
    return {
        "people": people,
        "recorder": recorder,
        "signing_seconds": signing_seconds,
        "load_seconds": load_seconds,
        "attack": attack,
        "in_worker": in_worker,
        "bare_alone": (alone_count, alone_seconds, alone_times),
    }


def report(target: Target, result: dict, think: float) -> int:
    people, recorder = result["people"], result["recorder"]
    ok = [p for p in people if p.signed_in]
    by_role = defaultdict(int)
    for p in people:
        by_role[p.role] += 1
    print(f"target: {target.kind} at {target.base}")
    print(
        f"users: {len(people)} ("
        + ", ".join(f"{n} {role}" for role, n in sorted(by_role.items()))
        + f"), think time 0-{think:g} s"
    )
    sign_in = [p.sign_in_seconds for p in people]
    print(
        f"sign-ins from one address: {len(ok)}/{len(people)} succeeded, all at once, in "
        f"{result['signing_seconds']:.1f} s (p95 {percentile(sign_in, 95):.2f} s per sign-in)"
    )
    for p in people:
        if not p.signed_in:
            print(f"  refused: {p.username}: {p.failure}")
    attack = result["attack"]
    locked = attack.get("right_password_refused")
    print(
        f"brute force on one account from the same address: {len(attack.get('statuses', []))} "
        f"wrong passwords answered {sorted(set(attack.get('statuses', [])))}; then the right "
        f"password {'REFUSED: locked out' if locked else 'ACCEPTED: NOT LOCKED OUT'} "
        f"(answer {attack.get('right_password_status')})"
    )
    errors = sum(recorder.errors.values())
    total = recorder.total()
    seconds = result["load_seconds"]
    print(
        f"requests: {total} in {seconds:.1f} s = {total / seconds:.1f} per s; errors: {errors}; "
        f"{recorder.conflicts} accept(s) answered 409 as a colleague had accepted first"
    )
    for key, n in sorted(recorder.errors.items()):
        print(f"  error: {n} x {key}")
    # As seen by the person (queue included), then inside a gunicorn worker (the page's
    # own cost), each against the bare endpoint's in the same run.
    worker = result["in_worker"]
    bare_p50 = percentile(recorder.times.get("GET /healthz", [1.0]), 50)
    bare_worker = max(percentile(worker.get("GET /healthz", [0.001]), 50), 0.001)
    print(
        f"{'page':38} {'count':>5} {'p50 ms':>7} {'p95 ms':>7} {'bare/p50':>8}"
        f" | {'in worker p50':>13} {'p95':>6} {'bare/p50':>8}"
    )
    for label, values in sorted(recorder.times.items(), key=lambda kv: -len(kv[1])):
        p50 = percentile(values, 50)
        line = (
            f"{label[:38]:38} {len(values):5d} {p50 * 1000:7.0f} "
            f"{percentile(values, 95) * 1000:7.0f} {bare_p50 / max(p50, 1e-6) * 100:7.1f}%"
        )
        if worker.get(label):
            w50 = max(percentile(worker[label], 50), 0.001)
            line += (
                f" | {w50 * 1000:13.0f} {percentile(worker[label], 95) * 1000:6.0f}"
                f" {bare_worker / w50 * 100:7.1f}%"
            )
        print(line)
    count, alone_seconds, alone_times = result["bare_alone"]
    if alone_times:
        alone_rate = count / alone_seconds
        print(
            f"bare endpoint alone, {len(people)} clients without think time: {alone_rate:.1f} "
            f"per s (p95 {percentile(alone_times, 95) * 1000:.0f} ms); the mixed load's "
            f"{total / seconds:.1f} per s is {total / seconds / alone_rate * 100:.1f}% of it"
        )
    failed = errors or len(ok) < len(people) or not locked
    print(
        "LOAD: "
        + ("FAILED" if failed else "0 errors, every sign-in succeeded, brute force locked out")
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--own-stack", action="store_true", help="gunicorn + PostgreSQL + Redis of its own"
    )
    args = parser.parse_args(argv if argv is not None else [])
    seconds = _seconds("LOAD_SECONDS", 60)
    think = _seconds("LOAD_THINK", 1.0)
    bare_seconds = _seconds("LOAD_BARE_SECONDS", 10)
    target = None if args.own_stack else prod_local()
    stack = None
    if target is None:
        if not args.own_stack:
            print("no prod-local instance answers: starting a stack of its own")
        stack = OwnStack()
        target = stack.start()
    try:
        result = run(target, seconds, think, bare_seconds)
        return report(target, result, think)
    finally:
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
