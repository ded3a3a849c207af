"""Account rules: hashing, password policy, session lifetime and revocation."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from referral.auth import service
from referral.auth.models import SessionStage, UserSession
from referral.auth.permissions import Role
from referral.directory.models import OrganisationType
from referral.extensions import db
from tests import factories
from tests.conftest import TEST_PASSWORD


@pytest.mark.no_db
def test_production_hash_parameters_meet_the_owasp_floor():
    import config.defaults as defaults
    import config.production as prod

    memory = getattr(prod, "ARGON2_MEMORY_COST", defaults.ARGON2_MEMORY_COST)
    time_cost = getattr(prod, "ARGON2_TIME_COST", defaults.ARGON2_TIME_COST)
    # OWASP: m >= 19 MiB with t >= 2 (or stronger equivalents).
    assert memory >= 19 * 1024
    assert time_cost >= 2


def test_stored_hash_is_argon2id(app):
    password_hash = service.hash_password("a long enough passphrase")
    assert password_hash.startswith("$argon2id$")


def test_login_with_old_parameters_upgrades_the_hash(app):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    user = factories.UserFactory(password_hash=weak.hash(TEST_PASSWORD))
    app.config["ARGON2_MEMORY_COST"] = 16
    try:
        assert service.authenticate(user.username, TEST_PASSWORD) is user
        assert "m=16" in user.password_hash
    finally:
        app.config["ARGON2_MEMORY_COST"] = 8


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "at least 12"),
        ("x" * 129, "at most 128"),
        ("password1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("my name is user-kanat", "name or username"),
    ],
)
def test_password_policy_refuses_weak_passwords(app, password, message):
    with pytest.raises(service.AccountError, match=message):
        service.check_password_policy(password, username="user-kanat", full_name="Kanat B")


@pytest.mark.parametrize(
    "passphrase",
    ["тоолор жана көлдөр " * 3, "a" * 10 + "bcdefghijklmnop" + "z" * 39, "horse battery staple"],
)
def test_a_long_passphrase_without_digits_or_capitals_can_be_chosen_and_used(app, passphrase):
    user = factories.UserFactory()
    service.change_own_password(user, TEST_PASSWORD, passphrase)
    db.session.flush()
    assert service.authenticate(user.username, passphrase) == user
    assert service.authenticate(user.username, TEST_PASSWORD) is None


def _session_for(user):
    token = service.start_session(user)
    record = db.session.query(UserSession).filter_by(user_id=user.id).one()
    return token, record


def test_idle_session_expires(app):
    user = factories.UserFactory()
    token, record = _session_for(user)
    assert service.load_session(token) is user
    record.last_seen_at -= timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    assert service.load_session(token) is None


def test_session_has_an_absolute_lifetime(app):
    user = factories.UserFactory()
    token, record = _session_for(user)
    record.created_at -= timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    assert service.load_session(token) is None


def test_deactivating_a_user_ends_all_sessions(app):
    admin = factories.UserFactory(role=Role.ADMIN)
    user = factories.UserFactory()
    token, _ = _session_for(user)
    service.set_active(user, False, by=admin)
    assert service.load_session(token) is None


def test_admin_cannot_deactivate_themselves(app):
    admin = factories.UserFactory(role=Role.ADMIN)
    with pytest.raises(service.AccountError):
        service.set_active(admin, False, by=admin)


def test_role_change_ends_sessions_so_new_rights_apply_at_once(app):
    user = factories.UserFactory(role=Role.CASEWORKER)
    token, _ = _session_for(user)
    service.update_user(
        user,
        service.UserInput(
            username=user.username,
            full_name=user.full_name,
            email=None,
            role=Role.SUPERVISOR,
            organisation_id=user.organisation_id,
        ),
    )
    assert service.load_session(token) is None


def test_role_must_fit_the_organisation_type(app):
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    with pytest.raises(service.AccountError, match="cannot belong"):
        service.create_user(
            service.UserInput(
                username="new.caseworker",
                full_name="New Person",
                email=None,
                role=Role.CASEWORKER,
                organisation_id=police.id,
            )
        )


def test_new_user_gets_a_temporary_password_that_must_be_changed(app):
    org = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    user, temporary = service.create_user(
        service.UserInput(
            username="Aida.K",
            full_name="Aida K",
            email=None,
            role=Role.CASEWORKER,
            organisation_id=org.id,
        )
    )
    assert user.username == "aida.k"
    assert user.must_change_password
    assert service.authenticate("AIDA.K", temporary) is user


def test_usernames_are_unique_whatever_the_case(app):
    existing = factories.UserFactory(username="bakyt")
    with pytest.raises(service.AccountError, match="already taken"):
        service.create_user(
            service.UserInput(
                username="Bakyt",
                full_name="Other",
                email=None,
                role=existing.role,
                organisation_id=existing.organisation_id,
            )
        )


def test_admin_reset_gives_a_new_temporary_password_and_ends_sessions(app):
    user = factories.UserFactory()
    token, _ = _session_for(user)
    temporary = service.reset_password(user)
    assert service.load_session(token) is None
    assert service.authenticate(user.username, TEST_PASSWORD) is None
    assert service.authenticate(user.username, temporary) is user
    assert user.must_change_password


class Clock:
    """service.utcnow, advanced by hand."""

    def __init__(self, monkeypatch):
        from referral.db import utcnow

        self.now = utcnow()
        monkeypatch.setattr(service, "utcnow", lambda: self.now)

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


PARTIAL_STAGES = [
    SessionStage.SECOND_FACTOR,
    SessionStage.PASSWORD_CHANGE,
    SessionStage.ENROLMENT,
]


@pytest.mark.parametrize("stage", PARTIAL_STAGES)
def test_a_partial_session_left_idle_expires_after_its_own_short_time(app, monkeypatch, stage):
    clock = Clock(monkeypatch)
    partial = app.config["SESSION_PARTIAL_IDLE_MINUTES"]
    assert partial < app.config["SESSION_IDLE_MINUTES"]
    user = factories.UserFactory()
    token = service.start_session(user, stage=stage)
    clock.advance(partial - 0.5)
    assert service.load_session(token) is user
    clock.advance(partial + 0.5)
    assert service.load_session(token) is None


def test_a_full_session_keeps_the_normal_idle_timeout(app, monkeypatch):
    clock = Clock(monkeypatch)
    user = factories.UserFactory()
    token = service.start_session(user, stage=SessionStage.FULL)
    clock.advance(app.config["SESSION_PARTIAL_IDLE_MINUTES"] + 1)
    assert service.load_session(token) is user
    clock.advance(app.config["SESSION_IDLE_MINUTES"] + 1)
    assert service.load_session(token) is None


def test_a_partial_session_in_use_stays_and_its_full_session_gets_the_normal_timeout(
    app, monkeypatch
):
    clock = Clock(monkeypatch)
    partial = app.config["SESSION_PARTIAL_IDLE_MINUTES"]
    user = factories.UserFactory()
    token = service.start_session(user, stage=SessionStage.PASSWORD_CHANGE)
    # Someone slowly choosing a new password, for longer than the short idle time in all:
    # each request counts, even one seconds after the one before.
    for _ in range(3):
        clock.advance(0.9)
        assert service.load_session(token) is user
        clock.advance(partial - 0.2)
        assert service.load_session(token) is user
    service.advance_session(user, SessionStage.PASSWORD_CHANGE)
    assert user.session_stage == SessionStage.FULL
    clock.advance(partial + 1)
    assert service.load_session(token) is user
