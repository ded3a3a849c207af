"""Canary values never reach the audit trail, the logs or an error page: a caseworker
opens a case with canary identity values through the screens, refers it to the police,
whose focal point opens it, and on the way hits a 404, a refused form (422) and a CSRF
failure carrying the canaries. Everything the root logger (every library's records),
the app's and werkzeug's loggers wrote, at every level, is captured, including:

- SQLAlchemy's statement log at DEBUG, what `echo="debug"` prints: every statement
  with its bound parameters, and the rows read. Fields are sealed before they are
  bound, and searches bind blind-index digests, so no parameter carries a value;
- werkzeug's request log, written by werkzeug's own server on loopback, which serves
  the part of the journey a person's browser drives (the forms, the pages, the
  redirects followed). The test client never writes that log.

The URLs the app sends the browser to (redirects) are checked too, and an error page
never repeats the URL it was given."""

from __future__ import annotations

import http.client
import io
import json
import logging
import re
import threading
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import Case
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories
from tests.conftest import _outside_the_test_context, rolled_back_transaction
from tests.helpers import refer

CANARY = {
    "full_name": "Жыргалчабекова Qwpzxkvy",
    "phone": "+996 777 271828",
    "note": "CANARY-JOURNEY-5c2a Кескелдирик",
}
SUMMARY = "CANARY-SUMMARY-77e1 Тоотайгыр"
NEEDLES = [
    "Жыргалчабекова",
    "Qwpzxkvy",
    "777271828",
    "777 271828",
    "CANARY-JOURNEY-5c2a",
    "Кескелдирик",
    "CANARY-SUMMARY-77e1",
    "Тоотайгыр",
]


def hits(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def outside_form_values(page: str) -> str:
    """A refused form keeps what was typed (nothing lost): the values in its inputs and
    text areas are the person's own; anything else on the page must not echo them."""
    page = re.sub(r'value="[^"]*"', 'value=""', page)
    return re.sub(r"(<textarea[^>]*>)[^<]*(</textarea>)", r"\1\2", page)


class Capture:
    """Every record of the root logger (all levels: every library's, SQLAlchemy's), the
    app's and werkzeug's."""

    def __init__(self, app):
        self.buffer = io.StringIO()
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setLevel(logging.DEBUG)
        self.handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.loggers = [logging.getLogger(), app.logger, logging.getLogger("werkzeug")]
        self.levels = [logger.level for logger in self.loggers]

    def __enter__(self):
        for logger in self.loggers:
            # On the root, and on a logger that does not pass its records up: once each.
            if logger is self.loggers[0] or not logger.propagate:
                logger.addHandler(self.handler)
            logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        for logger, level in zip(self.loggers, self.levels, strict=True):
            logger.removeHandler(self.handler)
            logger.setLevel(level)

    @property
    def text(self) -> str:
        self.handler.flush()
        return self.buffer.getvalue()


@pytest.fixture(autouse=True)
def _db_transaction(app):
    """The suite's rolled-back transaction, on a connection opened with SQLAlchemy's
    statement log at DEBUG: a connection decides when it opens whether it logs."""
    sql = logging.getLogger("sqlalchemy.engine")
    level = sql.level
    sql.setLevel(logging.DEBUG)
    try:
        with rolled_back_transaction(app):
            yield
    finally:
        sql.setLevel(level)


class Served:
    """The app behind werkzeug's development server on loopback, which writes the
    request log. The server handles each request in the test's thread (where the test's
    connection and savepoint are); a thread of its own sends it, as a browser would,
    with the session cookie of a signed-in test browser."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app)
        self.requests = 0

    def close(self):
        self.server.server_close()

    def __call__(self, browser, method: str, path: str, data: dict | None = None):
        headers, body = {}, None
        if method == "POST":
            # First: a browser without a token yet has one put in its session cookie.
            body = urlencode({**(data or {}), "csrf_token": browser.csrf_token()}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        name = self.app.config["SESSION_COOKIE_NAME"]
        headers["Cookie"] = f"{name}={browser.client.get_cookie(name).value}"
        answer: dict = {}

        def send():
            conn = http.client.HTTPConnection(*self.server.server_address, timeout=60)
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                answer.update(
                    status=response.status,
                    location=response.getheader("Location", ""),
                    text=response.read().decode(),
                )
            finally:
                conn.close()

        sender = threading.Thread(target=send)
        sender.start()
        with _outside_the_test_context():
            self.server.handle_request()
        sender.join(60)
        self.requests += 1
        return answer


def _refer(worker, case_id, police):
    referral = refer(worker, db.session.get(Case, case_id), police.id, summary=SUMMARY)
    db.session.commit()
    return referral


def test_canaries_never_reach_audit_logs_urls_or_error_pages(app, login_as):
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    officer = factories.UserFactory(role=Role.PROVIDER, organisation=police)
    urls: list[str] = []
    error_pages: dict[str, str] = {}
    shown = 0
    served = Served(app)
    with Capture(app) as capture:
        worker = login_as("caseworker")
        created = served(worker, "POST", "/cases/new", CANARY)
        assert created["status"] == 302
        case_id = uuid.UUID(created["location"].rstrip("/").split("/")[-1])
        urls.append(created["location"])
        shown += len(hits(served(worker, "GET", f"/cases/{case_id}")["text"]))
        searched = served(worker, "POST", "/cases/search", {"term": CANARY["full_name"]})
        shown += len(hits(searched["text"]))
        referral = _refer(worker.user, case_id, police)
        provider = login_as(officer)
        shown += len(hits(served(provider, "GET", f"/referrals/{referral.id}")["text"]))
        shown += len(hits(worker.get(f"/referrals/{referral.id}/slip").get_data(as_text=True)))
        refused_served = served(
            worker, "POST", "/cases/new", {**CANARY, "birth_date": "1911-13-45"}
        )
        assert refused_served["status"] == 422
        error_pages["422 served"] = outside_form_values(refused_served["text"])

        missing = worker.get(f"/cases/{uuid.uuid4()}?q={CANARY['full_name']}")
        assert missing.status_code == 404
        error_pages["404"] = missing.get_data(as_text=True)
        unknown = worker.get(f"/cases/{CANARY['note']}")
        assert unknown.status_code == 404
        error_pages["404 path"] = unknown.get_data(as_text=True)
        refused = worker.post("/cases/new", {**CANARY, "birth_date": "1911-13-45"})
        assert refused.status_code == 422
        assert hits(refused.get_data(as_text=True)), "the refused form lost what was typed"
        error_pages["422"] = outside_form_values(refused.get_data(as_text=True))
        forged = worker.post(f"/cases/{case_id}/edit", {**CANARY, "lock_version": "1"}, csrf=False)
        assert forged.status_code == 400
        error_pages["CSRF"] = forged.get_data(as_text=True)
        for response in (missing, unknown, refused, forged):
            urls.append(response.headers.get("Location", ""))
        logged = capture.text
    served.close()

    events = db.session.execute(select(AuditEvent)).scalars().all()
    trail = json.dumps(
        [[e.action, e.outcome, e.target_type, e.target_id, e.request_id, e.detail] for e in events],
        ensure_ascii=False,
    )
    found = {
        "audit": hits(trail),
        "logs": hits(logged),
        "urls": hits(" ".join(urls)),
        **{f"{name} page": hits(page) for name, page in error_pages.items()},
    }
    lines = logged.splitlines()
    sql_lines = sum(1 for line in lines if line.startswith("sqlalchemy.engine"))
    request_lines = sum(1 for line in lines if line.startswith("werkzeug") and "HTTP/1.1" in line)
    print(
        f"\n[security] canary journey: {len(NEEDLES)} canaries, {len(events)} audit entries, "
        f"{len(lines)} log lines ({sql_lines} of SQL with parameters and rows, "
        f"{request_lines} werkzeug request lines of {served.requests} served requests), "
        f"{len(error_pages)} error pages; "
        f"hits: {sum(len(v) for v in found.values())} (shown where they belong {shown} times)"
    )
    assert shown > 0  # the values were written and read back where they should be
    assert len(events) > 5  # the journey was audited
    assert "sensitive_read" in trail
    assert "CSRF token is missing" in logged  # the capture caught the journey's logging
    assert request_lines == served.requests  # werkzeug logged every request it served
    assert '"POST /cases/new HTTP/1.1" 302' in re.sub(r"\x1b\[[0-9;]*m", "", logged)  # colours
    assert "INSERT INTO cases" in logged  # the statements were logged ...
    assert str(case_id).replace("-", "") in logged.replace("-", "")  # ... with parameters
    assert found == {key: [] for key in found}
