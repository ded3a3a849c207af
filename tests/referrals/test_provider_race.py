"""Two focal points of one organisation answer the same referral at the same moment
(real concurrent requests on a committed database): one answer wins, the other is told
the referral changed (409), and the referral holds exactly the winner's step: 0 lost
updates, 0 doubled steps."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.directory.models import OrganisationType
from referral.extensions import db
from referral.referrals.models import Referral, ReferralEvent, ReferralStatus
from tests import factories
from tests.conftest import Browser
from tests.crypto.committed import committed_app, make_staff
from tests.referrals.test_shared_by_type import canary_case, refer

pytestmark = pytest.mark.no_db
ROUNDS = 4


def _world(app) -> tuple[list[uuid.UUID], str, str]:
    with app.app_context():
        worker = make_staff(Role.CASEWORKER)
        police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
        names = [
            factories.UserFactory(role=Role.PROVIDER, organisation=police).username
            for _ in range(2)
        ]
        worker = db.session.get(User, worker.id)
        case, _at = canary_case(worker)
        referrals = [refer(worker, case, police) for _ in range(ROUNDS)]
        db.session.commit()
        ids = [(r.id, r.lock_version) for r in referrals]
    return ids, *names


def _race(browsers, referral_id, version) -> list[int]:
    """Both post at once: one accepts, the other declines, from the same version."""
    barrier = threading.Barrier(2)
    codes: list[int] = [0, 0]
    posts = (
        ("accept", {"lock_version": str(version)}),
        ("decline", {"lock_version": str(version), "decline_reason": "service_unavailable"}),
    )

    def run(n):
        action, data = posts[n]
        data = {**data, "csrf_token": browsers[n].csrf_token()}
        barrier.wait()
        response = browsers[n].post(f"/referrals/{referral_id}/provider/{action}", data)
        codes[n] = response.status_code

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def test_two_focal_points_answer_at_once_one_wins(tmp_path):
    with committed_app(tmp_path, "provider_race") as (app, _url):
        app.config["LOG_TRACEBACKS"] = True
        ids, first, second = _world(app)
        browsers = [Browser(app), Browser(app)]
        for browser, name in zip(browsers, (first, second), strict=True):
            assert browser.login(name).status_code == 302
        lost = doubled = 0
        for referral_id, version in ids:
            codes = _race(browsers, referral_id, version)
            assert sorted(codes) == [302, 409], codes
            with app.app_context():
                referral = db.session.get(Referral, referral_id)
                steps = list(
                    db.session.execute(
                        select(ReferralEvent.status_to).where(
                            ReferralEvent.referral_id == referral_id
                        )
                    ).scalars()
                )
                winner = ReferralStatus.ACCEPTED if codes[0] == 302 else ReferralStatus.DECLINED
                lost += referral.status != winner
                doubled += len(steps) != 2
                assert referral.lock_version == version + 1
                assert (referral.decline_reason is None) == (winner == ReferralStatus.ACCEPTED)
        print(
            f"[security] provider race: {ROUNDS} referrals answered twice at once, "
            f"{lost} lost updates, {doubled} doubled steps"
        )
        assert lost == 0
        assert doubled == 0
