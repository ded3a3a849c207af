"""Two people acting on one referral at the same moment leave one consistent state: one
step wins, the other is told the referral changed (StaleError, a 409 in the views) or
that the step is no longer possible; no update is lost, the history has no gap and no
double, and the audit chain still verifies.

Two threads, each with its own request and application context, its own session, its
own database connection and its own commit, on a committed throw-away database
(tests/crypto/committed.py): SQLite always, PostgreSQL too when the suite runs on it.
A race is forced by holding the first actor for a moment after it has taken the
referral (its row lock on PostgreSQL, the write lock on SQLite), so that the second
arrives while the first is still in flight; some races run without the hold.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import select

from referral.audit import service as audit
from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import (
    Case,
    CaseEvent,
)
from referral.cases.service.common import StaleError
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Urgency,
)
from referral.referrals.service import lifecycle
from referral.referrals.service.lifecycle import ReferralError, ReferralInput
from tests import factories
from tests.crypto.committed import committed_app, is_postgres
from tests.helpers import release

pytestmark = pytest.mark.no_db
S = ReferralStatus
HOLD = 0.15  # seconds the first actor keeps the referral before it goes on
FIGURES: dict[str, list[int]] = {}
LOST: list = []  # what each lost update looked like, for the assertion message


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    if request.param == "postgresql" and not is_postgres():
        pytest.skip("PostgreSQL: run the suite with TEST_DATABASE_URL=postgresql+psycopg://...")
    with committed_app(tmp_path, "racing", postgres=request.param == "postgresql") as (app, _):
        with app.app_context():
            world = _world()
        yield SimpleNamespace(name=request.param, app=app, **world)


def _world() -> dict:
    centre = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    worker = factories.UserFactory(role=Role.CASEWORKER, organisation=centre)
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    health = factories.OrganisationFactory(org_type=OrganisationType.HEALTH)
    officers = [factories.UserFactory(role=Role.PROVIDER, organisation=police) for _ in range(2)]
    nurse = factories.UserFactory(role=Role.PROVIDER, organisation=health)
    db.session.flush()
    case = cases.open_case(worker, cases.CaseInput(full_name="Race Caseova", phone="0555 123 000"))
    db.session.flush()
    release(worker, case, (ServiceType.POLICE_INTERNAL_AFFAIRS, ServiceType.HEALTH_PRIMARY_CARE))
    db.session.commit()
    return {
        "worker": worker.id,
        "officers": [o.id for o in officers],
        "nurse": nurse.id,
        "case": case.id,
        "police": police.id,
        "health": health.id,
    }


def _send(world, to_org, service_type) -> tuple:
    with world.app.app_context():
        worker = db.session.get(User, world.worker)
        referral = lifecycle.send_referral(
            worker,
            db.session.get(Case, world.case),
            ReferralInput(
                to_org_id=to_org,
                service_type=service_type,
                urgency=Urgency.URGENT,
                shared_items=("name",),
                summary="Race summary",
            ),
        )
        db.session.commit()
        return referral.id, referral.lock_version


def _police(world):
    return _send(world, world.police, ServiceType.POLICE_INTERNAL_AFFAIRS)


def _health(world):
    return _send(world, world.health, ServiceType.HEALTH_PRIMARY_CARE)


ACTIONS = {
    "accept": lambda user, r, v: lifecycle.provider_step(user, r, S.ACCEPTED, v),
    "acknowledge": lambda user, r, v: lifecycle.provider_step(user, r, S.ACKNOWLEDGED, v),
    "decline": lambda user, r, v: lifecycle.provider_step(
        user, r, S.DECLINED, v, decline_reason=DeclineReason.SERVICE_UNAVAILABLE
    ),
    "withdraw": lambda user, r, v: lifecycle.withdraw_referral(user, r, v),
}
TARGET = {"accept": S.ACCEPTED, "acknowledge": S.ACKNOWLEDGED, "decline": S.DECLINED}
TARGET["withdraw"] = S.WITHDRAWN


class Actor(threading.Thread):
    """One person's request: load, act with the version their form was loaded with,
    commit; or roll back what was refused."""

    def __init__(self, world, user_id, referral_id, version, action, start, hold):
        super().__init__(daemon=True)
        self.world, self.user_id, self.referral_id = world, user_id, referral_id
        self.version, self.action, self.start_line, self.hold = version, action, start, hold
        self.outcome = None

    def run(self):
        # At the line before loading anything: on SQLite a request's transaction takes
        # the database's write lock at its BEGIN, so the others queue there (as two
        # requests do when served) instead of at the line.
        self.start_line.wait(timeout=10)
        with self.world.app.test_request_context("/"):
            user = db.session.get(User, self.user_id)
            g._login_user = user
            referral = db.session.get(Referral, self.referral_id)
            try:
                ACTIONS[self.action](user, referral, self.version)
                db.session.commit()
                self.outcome = "won"
            except StaleError:
                self.outcome = "stale"
            except ReferralError:
                self.outcome = "refused"
            except Exception as error:
                self.outcome = f"error {type(error).__name__}: {error}"
            finally:
                db.session.rollback()


@pytest.fixture
def hold_first(monkeypatch):
    """The thread named "first" keeps the referral for HOLD seconds once it has it."""
    original = lifecycle._check_version

    def held(referral, lock_version):
        original(referral, lock_version)
        if threading.current_thread().name == "first":
            time.sleep(HOLD)

    monkeypatch.setattr(lifecycle, "_check_version", held)


def race(world, steps, *, hold: bool):
    """Run the steps [(user id, referral id, version, action)] at once."""
    start = threading.Barrier(len(steps))
    actors = [
        Actor(world, user, referral, version, action, start, hold)
        for user, referral, version, action in steps
    ]
    for n, actor in enumerate(actors):
        actor.name = "first" if hold and n == 0 else f"second-{n}"
        if hold and n == 0:
            actor.start()
            time.sleep(0.02)  # it takes the referral before the others start
            continue
        actor.start()
    for actor in actors:
        actor.join(timeout=60)
    return actors


def _history(world, referral_id):
    with world.app.app_context():
        referral = db.session.get(Referral, referral_id)
        events = list(
            db.session.execute(
                select(ReferralEvent)
                .where(ReferralEvent.referral_id == referral_id)
                .order_by(ReferralEvent.at, ReferralEvent.id)
            ).scalars()
        )
        timeline = list(
            db.session.execute(
                select(CaseEvent.kind)
                .where(CaseEvent.target_id == referral_id)
                .order_by(CaseEvent.at)
            ).scalars()
        )
        return SimpleNamespace(
            status=referral.status,
            version=referral.lock_version,
            steps=[(e.status_from, e.status_to, e.actor_id) for e in events],
            timeline=timeline,
        )


def _check_one_winner(world, referral_id, version, actors) -> int:
    """Exactly one actor won; the referral holds its step and nothing of the others'.
    Returns the lost updates found (0 expected)."""
    outcomes = [a.outcome for a in actors]
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    winners = [a for a in actors if a.outcome == "won"]
    assert len(winners) == 1, outcomes
    winner = winners[0]
    history = _history(world, referral_id)
    target = TARGET[winner.action]
    expected = SimpleNamespace(
        status=target,
        version=version + 1,
        steps=[(None, S.SENT, world.worker), (S.SENT, target, winner.user_id)],
        timeline=["referral_sent", f"referral_{target.value}"],
    )
    if history != expected:
        LOST.append((world.name, outcomes, vars(history), vars(expected)))
        return 1
    return 0


def _record(world, races, lost):
    FIGURES.setdefault(world.name, [0, 0])
    FIGURES[world.name][0] += races
    FIGURES[world.name][1] += lost


def _chain_ok(world):
    with world.app.app_context():
        assert audit.verify_chain().ok


def test_provider_accepts_while_the_caseworker_withdraws(backend, hold_first):
    lost = races = 0
    officer = backend.officers[0]
    for n in range(6):
        referral, version = _police(backend)
        steps = [
            (officer, referral, version, "accept"),
            (backend.worker, referral, version, "withdraw"),
        ]
        if n % 2:
            steps.reverse()  # the withdrawal comes first every other time
        actors = race(backend, steps, hold=n < 4)
        lost += _check_one_winner(backend, referral, version, actors)
        races += 1
    _chain_ok(backend)
    _record(backend, races, lost)
    assert lost == 0, LOST


def test_two_focal_points_accept_and_decline_at_once(backend, hold_first):
    lost = races = 0
    first, second = backend.officers
    for n in range(6):
        referral, version = _police(backend)
        steps = [(first, referral, version, "accept"), (second, referral, version, "decline")]
        if n % 2:
            steps.reverse()
        actors = race(backend, steps, hold=n < 4)
        lost += _check_one_winner(backend, referral, version, actors)
        races += 1
    _chain_ok(backend)
    _record(backend, races, lost)
    assert lost == 0, LOST


def test_a_refusal_rather_than_a_stale_version_when_the_form_is_reloaded(backend, hold_first):
    """The second person reloaded after the first had already withdrawn: the step is
    refused as impossible, nothing changes."""
    referral, version = _police(backend)
    actors = race(backend, [(backend.worker, referral, version, "withdraw")], hold=False)
    assert actors[0].outcome == "won"
    actors = race(backend, [(backend.officers[0], referral, version + 1, "accept")], hold=False)
    assert actors[0].outcome == "refused"
    history = _history(backend, referral)
    assert history.status == S.WITHDRAWN
    assert len(history.steps) == 2


def test_two_providers_on_two_referrals_of_one_case(backend, hold_first):
    """Each step touches the case: they queue on it and both go through (PostgreSQL);
    SQLite, which locks the whole file, may tell the second to try again, never lose it."""
    lost = races = 0
    officer = backend.officers[0]
    for n in range(4):
        police, v1 = _police(backend)
        health, v2 = _health(backend)
        actors = race(
            backend,
            [(officer, police, v1, "acknowledge"), (backend.nurse, health, v2, "accept")],
            hold=n < 2,
        )
        outcomes = [a.outcome for a in actors]
        assert not [o for o in outcomes if o.startswith("error")], outcomes
        if backend.name == "postgresql":
            assert outcomes == ["won", "won"]
        else:
            assert "won" in outcomes
            assert set(outcomes) <= {"won", "stale"}
        for actor in actors:
            history = _history(backend, actor.referral_id)
            if actor.outcome == "won":
                lost += history.status != TARGET[actor.action] or len(history.steps) != 2
            else:
                lost += history.status != S.SENT or len(history.steps) != 1
        races += 1
    _chain_ok(backend)
    _record(backend, races, lost)
    assert lost == 0, LOST


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_zz_figures(name):
    if name == "postgresql" and not is_postgres():
        pytest.skip("PostgreSQL: run the suite with TEST_DATABASE_URL=postgresql+psycopg://...")
    races, lost = FIGURES.get(name, [0, 0])
    assert races >= 16
    print(f"[security] concurrent referral steps ({name}): {races} races, {lost} lost updates")
