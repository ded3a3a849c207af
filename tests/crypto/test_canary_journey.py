"""Canary values never reach the audit trail, the logs or an error page: a caseworker
opens a case with canary identity values through the screens, refers it to the police,
whose focal point opens it, and on the way hits a 404, a refused form (422) and a CSRF
failure carrying the canaries. Everything the root logger (every library's records),
the app's and werkzeug's loggers wrote, at every level, is captured.

The test client does not run werkzeug's request log (the development server writes
it): the request lines it would write are the URLs the app sends the browser to
(redirects), so those are checked too; an error page never repeats the URL it was
given."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import Case
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories
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
    """Every record of the root logger (all levels), the app's and werkzeug's."""

    def __init__(self, app):
        self.buffer = io.StringIO()
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setLevel(logging.DEBUG)
        self.handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.loggers = [logging.getLogger(), app.logger, logging.getLogger("werkzeug")]
        self.levels = [logger.level for logger in self.loggers]

    def __enter__(self):
        for logger in self.loggers:
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
    with Capture(app) as capture:
        worker = login_as("caseworker")
        created = worker.post("/cases/new", CANARY)
        assert created.status_code == 302
        case_id = uuid.UUID(created.headers["Location"].rstrip("/").split("/")[-1])
        urls.append(created.headers["Location"])
        shown += len(hits(worker.get(f"/cases/{case_id}").get_data(as_text=True)))
        searched = worker.post("/cases/search", {"term": CANARY["full_name"]})
        shown += len(hits(searched.get_data(as_text=True)))
        referral = _refer(worker.user, case_id, police)
        provider = login_as(officer)
        shown += len(hits(provider.get(f"/referrals/{referral.id}").get_data(as_text=True)))
        shown += len(hits(worker.get(f"/referrals/{referral.id}/slip").get_data(as_text=True)))

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
    print(
        f"\n[security] canary journey: {len(NEEDLES)} canaries, {len(events)} audit entries, "
        f"{len(logged.splitlines())} log lines, {len(error_pages)} error pages; "
        f"hits: {sum(len(v) for v in found.values())} (shown where they belong {shown} times)"
    )
    assert shown > 0  # the values were written and read back where they should be
    assert len(events) > 5  # the journey was audited
    assert "sensitive_read" in trail
    assert "CSRF token is missing" in logged  # the capture caught the journey's logging
    assert found == {key: [] for key in found}
