"""The caseworker's and supervisor's home page: what needs their action comes first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.auth.permissions import Role
from referral.cases import service, timeutil
from referral.cases.models import Case, CaseStatus
from referral.cases.service import incidents
from referral.db import utcnow
from referral.extensions import db
from tests import factories


@pytest.fixture
def worker(login_as):
    return login_as("caseworker")


def _open(user, name="Aigul Toktogulova"):
    case = service.open_case(user, service.CaseInput(full_name=name))
    db.session.flush()
    return case


def _home(browser) -> str:
    return browser.get("/").get_data(as_text=True)


def test_nothing_to_do_says_so(worker):
    _open(worker.user)
    page = _home(worker)
    assert "Needs my action" in page
    assert "Nothing needs your action now." in page


def test_an_open_pep_window_is_on_the_caseworkers_home_and_only_hers(worker, login_as):
    case = _open(worker.user)
    other = login_as("caseworker")
    now = utcnow()
    occurred = (now - timedelta(hours=20)).astimezone(timeutil.BISHKEK)
    incidents.add_incident(
        worker.user,
        case,
        incidents.IncidentInput(
            incident_date=occurred.date(),
            incident_time=occurred.time().replace(second=0, microsecond=0),
            q_penetration=True,
        ),
        now=now,
    )
    page = _home(worker)
    assert f"{case.case_code}: HIV prevention (PEP) window open" in page
    assert "52 h left" in page or "51 h left" in page
    assert case.case_code not in _home(other)


def test_the_supervisor_sees_closures_awaiting_approval(login_as):
    supervisor = login_as("supervisor")
    worker = factories.UserFactory(role=Role.CASEWORKER, organisation=supervisor.user.organisation)
    case = _open(worker)
    case.status = CaseStatus.CLOSURE_REQUESTED
    case.closure_requested_at = utcnow()
    db.session.flush()
    assert f"{case.case_code}: closure awaits your approval" in _home(supervisor)
    assert db.session.execute(select(Case.id)).first() is not None
