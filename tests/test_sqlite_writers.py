"""The embedded default (SQLite) with two writers at once: a page that reads and then
writes (every case page writes its audit entry) while another connection is writing
waits its turn and answers, instead of failing at once with "database is locked".

Found from outside on the demo: with the audit sealer writing in the background after
each request, one case page in three answered 503 to a single user clicking through.
On a committed throw-away SQLite database (tests/crypto/committed.py), with a second
connection holding the write lock for a moment, as the sealer or a colleague's save does.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models.plan import CaseNote
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories
from tests.conftest import Browser
from tests.crypto.committed import committed_app

pytestmark = pytest.mark.no_db
HOLD = 0.4  # seconds the other writer keeps the write lock


@pytest.fixture
def world(tmp_path):
    with committed_app(tmp_path, "writers", postgres=False) as (app, _url):
        with app.app_context():
            centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
            worker = factories.UserFactory(role=Role.CASEWORKER, organisation=centre)
            db.session.flush()
            case = cases.open_case(
                worker, cases.CaseInput(full_name="Aidai Writerova", phone="0555 123 456")
            )
            db.session.commit()
            world = app, worker.username, case.id
        # Outside the app context: each request then has its own, as when served.
        yield world


def _hold_the_write_lock(app, taken: threading.Event, done: threading.Event):
    """Another writer: a transaction that has written and not yet committed."""
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("UPDATE cases SET lock_version = lock_version"))
        taken.set()
        time.sleep(HOLD)
        conn.commit()
    done.set()


def _while_another_writes(app, action):
    taken, done = threading.Event(), threading.Event()
    other = threading.Thread(target=_hold_the_write_lock, args=(app, taken, done))
    other.start()
    assert taken.wait(5), "the other writer never took the lock"
    try:
        return action()
    finally:
        other.join(10)
        assert done.is_set(), "the other writer never committed"


def test_a_case_page_opened_while_another_connection_writes_is_shown(world):
    app, username, case_id = world
    browser = Browser(app)
    assert browser.login(username).status_code == 302

    started = time.monotonic()
    response = _while_another_writes(app, lambda: browser.get(f"/cases/{case_id}"))
    waited = time.monotonic() - started

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "Writerova" in response.get_data(as_text=True)
    assert waited < HOLD + 5  # it waited its turn, not the whole busy timeout
    with app.app_context():  # the page's audit entry (the read of the case) was written
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "sensitive_read", AuditEvent.target_id == str(case_id)
            )
        ).all()
        assert len(reads) == 1


def test_a_save_sent_while_another_connection_writes_is_saved(world):
    app, username, case_id = world
    browser = Browser(app)
    assert browser.login(username).status_code == 302
    page = browser.get(f"/cases/{case_id}/notes/new")
    assert page.status_code == 200, page.status_code

    response = _while_another_writes(
        app,
        lambda: browser.post(f"/cases/{case_id}/notes/new", {"text": "Called back at 14:00"}),
    )

    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    with app.app_context():
        saved = db.session.scalar(
            select(func.count()).select_from(CaseNote).where(CaseNote.case_id == case_id)
        )
        assert saved == 1
