"""An account whose sealed second factor does not open (its KEK not mounted, the value
damaged) at the sign-in's code step: a clear page in the user's language that says to
ask an administrator for a reset, never a 500, and never a way in without a second
factor. The refusal is audited with a reason code and logged without the secret."""

import logging

import pyotp
import pytest
from sqlalchemy import select, update

from referral.audit.models import AuditEvent
from referral.auth import second_factor
from referral.auth.models import SecondFactor, SessionStage, User
from referral.crypto import envelope
from referral.extensions import db
from tests import factories

CANNOT_BE_CHECKED = {
    "en": "The second factor of this account cannot be checked",
    "ru": "Второй фактор этой учётной записи невозможно проверить",
    "ky": "Бул аккаунттун экинчи факторун текшерүү мүмкүн эмес",
}
TABLE = SecondFactor.__table__


def _secret(user) -> str:
    db.session.expire_all()
    return second_factor.secret_of(db.session.get(SecondFactor, user.id))


def _damage(user) -> None:
    sealed = bytes(
        db.session.execute(select(TABLE.c.secret_ct).where(TABLE.c.user_id == user.id)).scalar_one()
    )
    damaged = sealed[:-1] + bytes([sealed[-1] ^ 1])
    db.session.execute(update(TABLE).where(TABLE.c.user_id == user.id).values(secret_ct=damaged))
    db.session.expire_all()


def _key_gone(user) -> None:
    """Sealed under a KEK the ring does not hold (kek-99): as after keys were replaced."""
    sealed = bytes(
        db.session.execute(select(TABLE.c.secret_ct).where(TABLE.c.user_id == user.id)).scalar_one()
    )
    version, algorithm, _generation = envelope.HEADER.unpack_from(sealed)
    moved = envelope.HEADER.pack(version, algorithm, 99) + sealed[envelope.HEADER.size :]
    db.session.execute(
        update(TABLE).where(TABLE.c.user_id == user.id).values(key_id="kek-99", secret_ct=moved)
    )
    db.session.expire_all()


def _to_the_code_step(browser, user):
    response = browser.login(user.username, code=False)
    assert response.location.endswith("/login/code")
    browser.get("/login/code")


@pytest.mark.parametrize(
    ("spoil", "reason"), [(_damage, "tag"), (_key_gone, "kek")], ids=["damaged", "key gone"]
)
def test_the_right_code_of_an_unreadable_second_factor_is_refused_plainly(
    browser, caplog, spoil, reason
):
    user = factories.UserFactory(role="supervisor")
    secret = _secret(user)
    right_code = pyotp.TOTP(secret).now()
    spoil(user)
    _to_the_code_step(browser, user)
    with caplog.at_level(logging.INFO):
        response = browser.post("/login/code", {"code": right_code})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert CANNOT_BE_CHECKED["en"] in page
    assert "Ask an administrator to reset your second factor" in page
    assert 'name="code"' in page  # a recovery code can still be typed
    # Still at the code step: nothing beyond it opens.
    assert browser.get("/").location.endswith("/login/code")
    assert browser.get("/cases/").location.endswith("/login/code")
    session_stage = db.session.execute(
        select(User.session_stage).where(User.id == user.id)
    ).scalar_one_or_none()
    assert session_stage in (None, SessionStage.SECOND_FACTOR)
    denied = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == "authn_login_fail"))
        .scalars()
        .all()
    )
    assert [(e.outcome, e.target_id, e.detail) for e in denied] == [
        ("denied", str(user.id), {"reason": "second_factor_unreadable", "crypto": reason})
    ]
    assert not db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "authn_login_success")
    ).first()
    # Not a guess: the lockout count is untouched.
    assert db.session.get(User, user.id).failed_sign_ins in (None, 0)
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(str(user.id) in m and "does not open" in m for m in logged), logged
    assert secret not in caplog.text
    assert right_code not in caplog.text


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_refusal_is_in_the_users_language(browser, lang):
    user = factories.UserFactory(role="admin", locale=lang)
    code = pyotp.TOTP(_secret(user)).now()
    _damage(user)
    _to_the_code_step(browser, user)
    page = browser.post("/login/code", {"code": code}).get_data(as_text=True)
    assert f'lang="{lang}"' in page
    assert CANNOT_BE_CHECKED[lang] in page
    assert CANNOT_BE_CHECKED["en"] not in page


def test_a_recovery_code_still_lets_the_owner_in(browser):
    user = factories.UserFactory(role="auditor")
    codes = second_factor.new_recovery_codes(user)
    _damage(user)
    _to_the_code_step(browser, user)
    response = browser.post("/login/code", {"code": codes[0]})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200


def test_after_a_reset_the_account_sets_up_a_new_second_factor(browser, make_browser):
    user = factories.UserFactory(role="auditor")
    _damage(user)
    admin = factories.UserFactory(role="admin", organisation=user.organisation)
    second_factor.reset(db.session.get(User, user.id), by=admin)
    response = browser.login(user.username, code=False)
    assert response.location.endswith("/account/second-factor")
    assert "<svg" in browser.get("/account/second-factor").get_data(as_text=True)


def test_a_pending_secret_that_does_not_open_is_replaced_at_enrolment(browser):
    user = factories.UserFactory(role="supervisor", second_factor=False)
    second_factor.start_enrolment(user)
    _damage(user)
    browser.login(user.username, code=False)
    page = browser.get("/account/second-factor")
    assert page.status_code == 200
    new_secret = _secret(user)  # opens again: a new secret, sealed anew
    shown = " ".join(new_secret[i : i + 4] for i in range(0, len(new_secret), 4))
    assert shown in page.get_data(as_text=True)
    done = browser.post("/account/second-factor", {"code": pyotp.TOTP(new_secret).now()})
    assert done.status_code == 200
