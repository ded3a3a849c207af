"""The second factor as staff meet it: the code step, enrolment, recovery codes, resets;
and what a session half-way through signing in can reach (nothing but its own page)."""

import re

import pyotp
import pytest

from referral.audit.models import AuditEvent
from referral.auth import second_factor, service
from referral.auth.access import ANY_STAGE, STAGE_PAGES, declaration
from referral.auth.models import RecoveryCode, SecondFactor, SessionStage, UserSession
from referral.crypto.envelope import DecryptionError
from referral.extensions import db
from tests import factories
from tests.access.matrix import World
from tests.access.test_matrix import ENTRIES
from tests.conftest import TEST_PASSWORD, current_code

FAILED = "Signing in did not work."


def _password_only(browser, user):
    response = browser.login(user.username, code=False)
    assert response.status_code == 302
    assert response.location.endswith("/login/code")
    browser.get("/login/code")
    return response


def _secret(user) -> str:
    db.session.expire_all()
    return second_factor.secret_of(db.session.get(SecondFactor, user.id))


def test_a_supervisor_gives_the_code_after_the_password_and_reaches_home(browser):
    user = factories.UserFactory(role="supervisor")
    _password_only(browser, user)
    assert browser.get("/").location.endswith("/login/code")
    response = browser.post("/login/code", {"code": current_code(user.username)})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200


def test_a_wrong_code_gets_the_same_answer_as_a_wrong_password(browser, make_browser):
    user = factories.UserFactory(role="admin")
    _password_only(browser, user)
    wrong_code = browser.post("/login/code", {"code": "000000"}).get_data(as_text=True)
    wrong_password = make_browser().login(user.username, "not it at all").get_data(as_text=True)
    assert FAILED in wrong_code
    assert FAILED in wrong_password
    assert browser.get("/").location.endswith("/login/code")
    assert db.session.query(AuditEvent).filter_by(action="authn_second_factor_fail").count() == 1


def test_a_code_is_good_once_and_one_step_either_side(browser, make_browser, monkeypatch):
    user = factories.UserFactory(role="auditor")
    now = 1_800_000_000.0  # a fixed moment, the middle of a 30-second step
    monkeypatch.setattr(second_factor, "_now", lambda: now + 15)
    totp = pyotp.TOTP(_secret(user))
    step = int(now) // 30
    _password_only(browser, user)
    # The previous step's code (a phone's clock a little behind) is accepted...
    assert browser.post("/login/code", {"code": totp.at((step - 1) * 30)}).status_code == 302
    # ...and the same code again, from another browser, is refused: replay.
    other = make_browser()
    _password_only(other, user)
    assert FAILED in other.post("/login/code", {"code": totp.at((step - 1) * 30)}).text
    # Two steps away is too far; the next step's code (clock ahead) is fine.
    assert FAILED in other.post("/login/code", {"code": totp.at((step + 2) * 30)}).text
    assert other.post("/login/code", {"code": totp.at((step + 1) * 30)}).status_code == 302


def test_the_secret_is_stored_sealed_and_bound_to_its_user(app):
    user, other = factories.UserFactory.create_batch(2, role="supervisor")
    secret = _secret(user)
    stored = db.session.get(SecondFactor, user.id)
    assert secret.encode() not in bytes(stored.secret_ct)
    assert secret not in repr(stored)
    # The sealed value copied to another user's row does not open.
    stolen = db.session.get(SecondFactor, other.id)
    stolen.secret_ct = stored.secret_ct
    with pytest.raises(DecryptionError):
        second_factor.secret_of(stolen)


def test_a_required_role_enrols_at_first_sign_in_before_anything_else(browser):
    user = factories.UserFactory(role="supervisor", second_factor=False)
    response = browser.login(user.username)
    assert response.location.endswith("/account/second-factor")
    assert browser.get("/cases/").location.endswith("/account/second-factor")
    page = browser.get("/account/second-factor").get_data(as_text=True)
    assert "<svg" in page
    assert "https://" not in page.split("<main", 1)[1].split("</main>")[0]
    secret = _secret(user)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    # The page can be reloaded: the same secret, not a new one each time.
    browser.get("/account/second-factor")
    assert _secret(user) == secret
    wrong = browser.post("/account/second-factor", {"code": "123456"})
    assert wrong.status_code == 422
    assert "This code is not right" in wrong.text
    done = browser.post("/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([^<]+)</code>", done.text)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = {r.code_hash for r in db.session.query(RecoveryCode).filter_by(user_id=user.id)}
    assert len(stored) == 10
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    assert browser.get("/cases/").status_code == 200
    assert db.session.query(AuditEvent).filter_by(action="authn_second_factor_enrolled").count()


def test_a_caseworker_may_set_up_a_second_factor_and_is_then_asked_for_it(login_as, make_browser):
    b = login_as("caseworker")
    assert "Set up a second factor" in b.get("/account").text
    b.get("/account/second-factor")
    code = pyotp.TOTP(_secret(b.user)).now()
    # A signed-in browser left open is not enough: the password is asked again.
    refused = b.post("/account/second-factor", {"code": code, "password": "not my password"})
    assert refused.status_code == 422
    assert "The current password is not right." in refused.text
    done = b.post("/account/second-factor", {"code": code, "password": TEST_PASSWORD})
    assert "Your recovery codes" in done.text
    again = make_browser()
    assert again.login(b.user.username, code=False).location.endswith("/login/code")


def test_a_recovery_code_works_once(browser, make_browser):
    user = factories.UserFactory(role="supervisor")
    codes = second_factor.new_recovery_codes(user)
    _password_only(browser, user)
    response = browser.post("/login/code", {"code": codes[3].upper()})
    assert response.status_code == 302
    assert "9 are left" in browser.get("/").text
    other = make_browser()
    _password_only(other, user)
    assert FAILED in other.post("/login/code", {"code": codes[3]}).text
    assert second_factor.remaining_recovery_codes(user) == 9


def test_a_supervisor_resets_a_caseworkers_second_factor_audited(login_as, make_browser):
    supervisor = factories.UserFactory(role="supervisor")
    worker = factories.UserFactory(organisation=supervisor.organisation, second_factor=True)
    worker_browser = make_browser()
    worker_browser.login(worker.username)
    assert worker_browser.get("/").status_code == 200
    b = login_as(supervisor)
    response = b.post(f"/admin/users/{worker.id}/reset-second-factor")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SecondFactor, worker.id) is None
    assert worker_browser.get("/").status_code == 302  # their sessions ended
    event = db.session.query(AuditEvent).filter_by(action="authn_second_factor_reset").one()
    assert event.target_id == str(worker.id)
    assert event.actor_user_id == supervisor.id
    assert worker.username not in str(event.detail)
    # Signing in again needs the password only (a caseworker's factor is optional).
    assert make_browser().login(worker.username, code=False).location == "/"


def test_no_one_resets_their_own_second_factor_through_the_users_page(login_as):
    b = login_as("admin")
    assert b.post(f"/admin/users/{b.user.id}/reset-second-factor").status_code == 403
    assert b.user.has_second_factor


def _stage_entries():
    """One request per endpoint and method of the access matrix."""
    seen = set()
    for entry in ENTRIES:
        if (entry.endpoint, entry.method) not in seen:
            seen.add((entry.endpoint, entry.method))
            yield entry


@pytest.mark.parametrize("role", ["supervisor", "caseworker"])
def test_a_session_past_the_password_but_not_the_code_reaches_nothing_else(app, role):
    """For every endpoint of the matrix: a GET is sent to the code page, a POST refused
    (403), except signing out, the language and the code page itself; public pages stay
    public. The menu (with its counts) is not shown."""
    world = World.build()
    user = world.users[role]
    if not user.has_second_factor:
        second_factor.enrol_with_secret(user)
    from tests.conftest import Browser

    requests = [
        (entry, entry.build_url(world), entry.build_data(world))
        for entry in _stage_entries()
        if declaration(app, entry.endpoint) != "public"
        and entry.endpoint not in ANY_STAGE | set(STAGE_PAGES.values())
    ]
    assert len(requests) > 100
    b = Browser(app)
    _password_only(b, user)
    page = b.get("/login/code").text
    assert "Notifications" not in page
    assert "Cases" not in page
    wrong = []
    for entry, url, data in requests:
        if entry.method == "GET":
            response = b.get(url)
            ok = response.status_code == 302 and response.location.endswith("/login/code")
        else:
            response = b.post(url, data)
            ok = response.status_code == 403
        if not ok:
            wrong.append((entry.method, entry.endpoint, response.status_code))
    assert wrong == []
    stage = db.session.query(UserSession).filter_by(user_id=user.id).one().stage
    assert stage == SessionStage.SECOND_FACTOR


def test_a_temporary_password_is_changed_after_the_code_then_home(browser):
    user = factories.UserFactory(role="supervisor", must_change_password=True)
    response = browser.login(user.username)
    assert response.location.endswith("/account/password")
    assert browser.get("/stats/").location.endswith("/account/password")
    changed = browser.post(
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "a long phrase of my own choosing",
            "confirm_password": "a long phrase of my own choosing",
        },
    )
    assert changed.status_code == 302
    assert browser.get("/stats/").status_code == 200


def test_codes_for_the_demo_follow_the_replay_rule(app):
    # `flask demo code` right after a sign-in prints the next step's code, which the
    # app accepts; printing the spent one would leave a newcomer refused.
    user = factories.UserFactory(role="admin")
    first = second_factor.code_now(user)
    assert service.check_second_factor(_as_partial(user), first) == "totp"
    assert service.check_second_factor(_as_partial(user), first) is None
    second = second_factor.code_now(user)
    assert service.check_second_factor(_as_partial(user), second) == "totp"


def _as_partial(user):
    service.start_session(user)
    return user


def test_after_a_kek_rotation_a_secret_is_sealed_again_at_its_next_use(app, monkeypatch):
    import os

    user = factories.UserFactory(role="supervisor")
    secret = _secret(user)
    ring = app.extensions["referral_keyring"]
    old = db.session.get(SecondFactor, user.id).key_id
    # A new KEK promoted (as `flask keys rotate` does), the old one kept in the ring.
    monkeypatch.setitem(ring.keys, "kek-99", os.urandom(32))
    monkeypatch.setattr(ring, "active", {**ring.active, "kek": "kek-99"})
    assert _secret(user) == secret  # still readable under the old KEK
    assert service.check_second_factor(_as_partial(user), pyotp.TOTP(secret).now()) == "totp"
    db.session.flush()
    factor = db.session.get(SecondFactor, user.id)
    assert old != "kek-99"
    assert factor.key_id == "kek-99"
    assert second_factor.secret_of(factor) == secret


def test_a_worker_behind_on_a_rotation_never_seals_a_secret_back_under_the_old_kek(
    app, monkeypatch
):
    import os

    user = factories.UserFactory(role="supervisor")
    secret = _secret(user)
    ring = app.extensions["referral_keyring"]
    old = ring.active_id("kek")
    # The rotation (elsewhere) sealed the secret under kek-99; this worker's ring still
    # has the old KEK active (it follows active.json within Keyring.STALE_SECONDS).
    monkeypatch.setitem(ring.keys, "kek-99", os.urandom(32))
    monkeypatch.setattr(ring, "active", {**ring.active, "kek": "kek-99"})
    second_factor._seal(db.session.get(SecondFactor, user.id), secret)
    monkeypatch.setattr(ring, "active", {**ring.active, "kek": old})
    assert service.check_second_factor(_as_partial(user), pyotp.TOTP(secret).now()) == "totp"
    db.session.flush()
    assert db.session.get(SecondFactor, user.id).key_id == "kek-99"
