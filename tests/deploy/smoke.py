"""Smoke test of a running deployment, through its proxy, as two people use it: a
caseworker opens a case, records the survivor's consent to a police referral and sends
it; the police focal point signs in and accepts it. Also the probes and the security
headers a production answer must carry.

    python -m tests.deploy.smoke --base https://127.0.0.1:8443 --ca instance/prod-local/tls/cert.pem

Run by `make prod-local`; tests/deploy/test_smoke.py runs it from the suite when that
instance is up. Uses only the pages (HTML forms and their CSRF tokens), never the
database, so it proves what a browser would see. Every name it types is fictional.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import requests

DEMO_PASSWORD = "demo-pathway-2026"  # referral.demo.service.DEMO_PASSWORD, printed by the seed
POLICE = "police_internal_affairs"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class SmokeFailure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- reading forms ------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def data(self, **values) -> dict[str, list[str] | str]:
        data: dict[str, list[str] | str] = {k: list(v) for k, v in self.fields.items()}
        data.update(values)
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._option: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(Form(a.get("action") or "", (a.get("method") or "get").lower()))
        elif not self.forms:
            return
        form = self.forms[-1] if self.forms else None
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                form.options.setdefault(name, []).append((a.get("value") or "on", ""))
                if "checked" in a:
                    form.fields.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button", "file"):
                form.fields[name] = [a.get("value") or ""]
        elif tag == "textarea" and name:
            form.fields[name] = [""]
        elif tag == "select" and name:
            self._select = name
            form.fields.setdefault(name, [])
        elif tag == "option" and self._select:
            self._option = a.get("value") or ""
            self._text = ""
            if "selected" in a:
                form.fields[self._select] = [self._option]

    def handle_data(self, data):
        if self._option is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "option" and self._select and self._option is not None:
            self.forms[-1].options.setdefault(self._select, []).append(
                (self._option, self._text.strip())
            )
            self._option = None
        elif tag == "select":
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(response, field_name: str) -> Form:
    for form in forms_of(response.text):
        if field_name in form.fields or field_name in form.options:
            form.action = urljoin(response.url, form.action or response.url)
            return form
    raise SmokeFailure(f"{urlparse(response.url).path}: no form with a {field_name!r} field")


# --- the steps ----------------------------------------------------------------------------


def sign_in(session, base: str, user: str, password: str, totp_secret: str | None = None):
    """Sign in through the form. A second-factor step, when the account has one, is a
    form with a `code` field: answered with the current TOTP code of `totp_secret`."""
    page = session.get(f"{base}/login?lang=en")
    check(page.status_code == 200, f"/login answered {page.status_code}")
    form = form_with(page, "password")
    response = session.post(form.action, data=form.data(username=user, password=password))
    if "code" in {name for f in forms_of(response.text) for name in f.fields}:
        check(totp_secret is not None, f"{user} is asked for a second factor and has none here")
        import pyotp

        step = form_with(response, "code")
        response = session.post(step.action, data=step.data(code=pyotp.TOTP(totp_secret).now()))
    check(response.status_code == 200, f"sign-in as {user}: {response.status_code}")
    check(
        not urlparse(response.url).path.startswith("/login"),
        f"sign-in as {user} was refused (still on the sign-in page)",
    )
    return response


def sign_out(session, base: str) -> None:
    home = session.get(f"{base}/")
    form = next((f for f in forms_of(home.text) if f.action.endswith("/logout")), None)
    check(form is not None, "no sign-out form on the home page")
    response = session.post(urljoin(home.url, form.action), data=form.data())
    check(response.status_code == 200, f"sign-out: {response.status_code}")


def open_case(session, base: str) -> str:
    page = session.get(f"{base}/cases/new")
    check(page.status_code == 200, f"/cases/new answered {page.status_code}")
    form = form_with(page, "full_name")
    name = f"Smoke Testova {secrets.token_hex(3)}"  # fictional
    response = session.post(form.action, data=form.data(full_name=name))
    if response.status_code == 200 and "duplicates_checked" in response.text:
        # Earlier runs' cases share the surname: the duplicate check shows them first,
        # and the caseworker confirms that this is someone else, as a person would.
        again = form_with(response, "duplicates_checked")
        response = session.post(
            again.action, data=again.data(full_name=name, duplicates_checked="y")
        )
    match = re.search(rf"/cases/({UUID})$", urlparse(response.url).path)
    check(
        match is not None and response.status_code == 200,
        f"opening a case ended on {urlparse(response.url).path}",
    )
    return match.group(1)


def record_release(session, base: str, case_id: str) -> None:
    page = session.get(f"{base}/cases/{case_id}/consent/new?kind=release")
    check(page.status_code == 200, f"consent form answered {page.status_code}")
    form = form_with(page, "decision")
    response = session.post(
        form.action,
        data=form.data(
            kind="release",
            decision="given",
            given_by="survivor",
            method="verbal",
            mandatory_reporting_explained="y",
            given_on=date.today().isoformat(),
            service_types=[POLICE],
        ),
    )
    check(
        response.status_code == 200 and urlparse(response.url).path == f"/cases/{case_id}",
        f"recording consent: {response.status_code} on {urlparse(response.url).path}",
    )


def send_referral(session, base: str, case_id: str, provider_name: str) -> str:
    chooser = session.get(f"{base}/referrals/cases/{case_id}/new?service_type={POLICE}")
    check(chooser.status_code == 200, f"send page answered {chooser.status_code}")
    # One table row per proposed provider: its name, then its "Refer" link.
    rows = chooser.text.split("<tr>")
    chosen = next(
        (
            m.group(1)
            for row in rows
            if provider_name in row
            and (m := re.search(rf'href="([^"]*provider={UUID}[^"]*)"', row))
        ),
        None,
    )
    check(chosen is not None, f"the send page does not propose {provider_name}")
    page = session.get(urljoin(chooser.url, chosen.replace("&amp;", "&")))
    form = form_with(page, "urgency")
    response = session.post(
        form.action,
        data=form.data(urgency="urgent", summary="Smoke test: please confirm receipt."),
    )
    match = re.search(rf"/referrals/({UUID})$", urlparse(response.url).path)
    check(
        match is not None and response.status_code == 200,
        f"sending the referral: {response.status_code} on {urlparse(response.url).path}",
    )
    return match.group(1)


def accept_referral(session, base: str, referral_id: str) -> None:
    inbox = session.get(f"{base}/referrals/inbox")
    check(referral_id in inbox.text, "the referral is not in the provider's inbox")
    page = session.get(f"{base}/referrals/{referral_id}")
    check(page.status_code == 200, f"the provider's referral page answered {page.status_code}")
    accept = next((f for f in forms_of(page.text) if f.action.endswith("/provider/accept")), None)
    check(accept is not None, "no accept button on the provider's referral page")
    response = session.post(urljoin(page.url, accept.action), data=accept.data())
    check(response.status_code == 200, f"accepting: {response.status_code}")
    check("Accepted" in response.text, "the referral page does not say Accepted")


def load_totp(path) -> dict[str, str]:
    """The demo users' TOTP keys as `make prod-local` kept them ("username  KEY" lines)."""
    try:
        with open(path, encoding="utf-8") as keys:
            lines = keys.read().splitlines()
    except OSError:
        return {}
    return dict(line.split()[:2] for line in lines if len(line.split()) >= 2)


def supervisor_sees_case(session, base: str, case_id: str) -> None:
    page = session.get(f"{base}/cases/{case_id}")
    check(page.status_code == 200, f"the supervisor's case page answered {page.status_code}")


def check_probes_and_headers(base: str, verify, production: bool = True) -> None:
    health = requests.get(f"{base}/healthz", verify=verify, timeout=10)
    check(health.status_code == 200, f"/healthz answered {health.status_code}")
    check("set-cookie" not in health.headers, "/healthz sets a cookie")
    ready = requests.get(f"{base}/readyz", verify=verify, timeout=10)
    check(ready.status_code == 200, f"/readyz answered {ready.status_code}: {ready.text[:200]}")
    check(ready.json().get("status") == "ready", "/readyz is not ready")
    page = requests.get(f"{base}/login?lang=en", verify=verify, timeout=10)
    headers = page.headers
    if production:
        check("max-age=" in headers.get("Strict-Transport-Security", ""), "no HSTS header")
    csp = headers.get("Content-Security-Policy", "")
    check("frame-ancestors 'none'" in csp, "CSP lacks frame-ancestors 'none'")
    check("unsafe-inline" not in csp, "CSP allows unsafe-inline")
    check(headers.get("X-Content-Type-Options") == "nosniff", "no X-Content-Type-Options")
    check(headers.get("Referrer-Policy") == "no-referrer", "no Referrer-Policy")
    check(headers.get("Cache-Control") == "no-store", "pages are cacheable")
    check("nginx/" not in headers.get("Server", ""), "nginx announces its version")
    # The app's own redirect to the slash-ended path is absolute: it must keep the
    # proxy's port (found by bench.load: it sent people to the same path on 443).
    slash = requests.get(f"{base}/cases", verify=verify, timeout=10, allow_redirects=False)
    check(
        slash.headers.get("Location", "").startswith(f"{base}/cases/"),
        f"/cases redirects to {slash.headers.get('Location')!r}, not under {base}",
    )


def run(
    base: str,
    verify,
    *,
    caseworker: str = "caseworker",
    provider: str = "police",
    production: bool = True,
    totp: dict[str, str] | None = None,
) -> dict:
    """The whole smoke test; returns the seconds each step took."""
    timings: dict[str, float] = {}

    def browser():
        session = requests.Session()
        # Not the environment's CA bundle or proxy: requests lets them override a
        # session's own `verify`, and the proxy under test is on loopback.
        session.trust_env = False
        session.verify = verify
        return session

    def timed(name, fn, *args):
        started = time.perf_counter()
        result = fn(*args)
        timings[name] = time.perf_counter() - started
        return result

    timed("probes and headers", check_probes_and_headers, base, verify, production)
    worker = browser()
    timed("caseworker signs in", sign_in, worker, base, caseworker, DEMO_PASSWORD)
    if production:
        cookie = next((c for c in worker.cookies if c.name == "__Host-session"), None)
        check(cookie is not None and cookie.secure, "the session cookie is not __Host-, Secure")
    case_id = timed("opens a case", open_case, worker, base)
    timed("records consent", record_release, worker, base, case_id)
    referral_id = timed("refers it", send_referral, worker, base, case_id, "Oktyabr")
    timed("caseworker signs out", sign_out, worker, base)
    if totp and "supervisor" in totp:
        chief = browser()
        timed(
            "supervisor signs in (TOTP)",
            sign_in,
            chief,
            base,
            "supervisor",
            DEMO_PASSWORD,
            totp["supervisor"],
        )
        timed("supervisor sees the case", supervisor_sees_case, chief, base, case_id)
        timed("supervisor signs out", sign_out, chief, base)
    focal = browser()
    timed("provider signs in", sign_in, focal, base, provider, DEMO_PASSWORD)
    timed("provider accepts", accept_referral, focal, base, referral_id)
    timed("provider signs out", sign_out, focal, base)
    return timings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="https://127.0.0.1:8443")
    parser.add_argument("--ca", help="the proxy's (self-signed) certificate to trust")
    parser.add_argument(
        "--development", action="store_true", help="a development server: no HSTS, plain cookie"
    )
    parser.add_argument("--totp", help="file of demo TOTP keys (username KEY per line)")
    args = parser.parse_args(argv)
    totp = load_totp(args.totp) if args.totp else None
    try:
        timings = run(
            args.base.rstrip("/"), args.ca or True, production=not args.development, totp=totp
        )
    except (SmokeFailure, requests.RequestException) as error:
        print(f"SMOKE TEST FAILED: {error}", file=sys.stderr)
        return 1
    for name, seconds in timings.items():
        print(f"  ok  {name:24} {seconds * 1000:7.0f} ms")
    print(f"SMOKE TEST PASSED against {args.base} in {sum(timings.values()):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
