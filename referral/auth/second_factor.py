"""The second factor: TOTP (RFC 6238) and single-use recovery codes.

The TOTP secret is stored sealed (referral.crypto.account_secrets). A code is accepted
for the current 30-second step or one step either side (clocks drift), and only for a
step later than the last one accepted, so a code seen over a shoulder or replayed from
a log is refused.

Recovery codes are 60 random bits each (twelve base-32 characters), stored as SHA-256 of
the user id and the code. A fast hash is enough for a random secret of that size: an
offline search of 2^60 candidates per user is out of reach, unlike for passwords people
choose, which is what Argon2 is for. It also lets sign-in find the code with one indexed
lookup instead of verifying ten Argon2 hashes, one after the other, on every attempt.
Services flush and never commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from sqlalchemy import delete, func, select

from referral.audit import service as audit
from referral.auth import policy
from referral.auth.models import SECOND_FACTOR_SECRET, RecoveryCode, SecondFactor, User
from referral.auth.permissions import Role
from referral.crypto import account_secrets
from referral.crypto.envelope import CryptoError
from referral.crypto.keyring import KeyringError
from referral.db import utcnow
from referral.extensions import db

REQUIRED_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})
STEP_SECONDS = 30
TOLERANCE_STEPS = 1
RECOVERY_CODES = 10
ISSUER = "GBV referral pathway"


class SecondFactorRefused(Exception):
    """Resetting this account's second factor is not this actor's to do (403)."""


class SecondFactorUnreadable(Exception):
    """The sealed TOTP secret of this account does not open (its KEK is not mounted, or
    the value was damaged): no code can be checked against it, so none is accepted.
    `reason` is a short code (tag, header, kek); the message holds nothing else."""

    def __init__(self, reason: str):
        super().__init__(f"second factor secret does not open: {reason}")
        self.reason = reason


def is_required(user: User) -> bool:
    return user.role in REQUIRED_ROLES


def _now() -> float:
    return time.time()


def current_step() -> int:
    return int(_now()) // STEP_SECONDS


def _seal(factor: SecondFactor, secret: str) -> None:
    SECOND_FACTOR_SECRET.seal_into(factor, secret.encode())


def secret_of(factor: SecondFactor) -> str:
    return SECOND_FACTOR_SECRET.open(factor).decode()


def start_enrolment(user: User) -> str:
    """The secret to show for enrolment: the pending one if there is one, else a new one.
    A confirmed factor is replaced only through a reset."""
    factor = user.second_factor
    if factor is not None and factor.confirmed_at is not None:
        raise ValueError("already enrolled")
    if factor is not None:
        try:
            return _checkable_secret(factor)
        except SecondFactorUnreadable:
            # Never confirmed, so nothing depends on it: a new secret replaces it, and the
            # user scans the new QR code.
            secret = pyotp.random_base32()
            _seal(factor, secret)
            db.session.flush()
            return secret
    secret = pyotp.random_base32()  # 160 bits, RFC 4226's recommended length
    factor = SecondFactor(user_id=user.id)
    _seal(factor, secret)
    user.second_factor = factor
    db.session.flush()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG made here: the secret never goes to a QR service."""
    return segno.make(uri, error="m").svg_inline(
        scale=4, border=2, dark="#000", light="#fff", omitsize=True
    )


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").casefold()


def _checkable_secret(factor: SecondFactor) -> str:
    try:
        return secret_of(factor)
    except CryptoError as exc:
        raise SecondFactorUnreadable(getattr(exc, "reason", "tag")) from None
    except KeyringError:
        raise SecondFactorUnreadable("kek") from None


def _accept_totp(factor: SecondFactor, code: str) -> bool:
    if not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(_checkable_secret(factor))
    now = current_step()
    for step in range(now - TOLERANCE_STEPS, now + TOLERANCE_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            if factor.last_step is not None and step <= factor.last_step:
                return False  # this code, or a later one, was already used
            factor.last_step = step
            if account_secrets.needs_reseal(factor.key_id):
                _seal(factor, secret_of(factor))
            return True
    return False


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Confirm the pending secret with a first code. Returns the recovery codes to show
    once, or None when the code is not right."""
    factor = user.second_factor
    if factor is None or factor.confirmed_at is not None:
        return None
    if not _accept_totp(factor, _normalise(code)):
        return None
    factor.confirmed_at = utcnow()
    codes = new_recovery_codes(user)
    audit.record("authn_second_factor_enrolled", target_type="user", target_id=user.id)
    db.session.flush()
    return codes


def _code_hash(user: User, code: str) -> str:
    return hashlib.sha256(user.id.bytes + b"|" + code.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes; any earlier ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:12]
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(user, raw)))
    db.session.flush()
    return codes


def remaining_recovery_codes(user: User) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def verify(user: User, code: str) -> str | None:
    """'totp' or 'recovery' when `code` is a good code of this user's confirmed factor
    (a recovery code is then spent); None otherwise. SecondFactorUnreadable when a
    six-digit code was given and the sealed secret does not open; a recovery code is
    checked without the secret (its hash is not sealed), so it still works then."""
    if not user.has_second_factor:
        return None
    code = _normalise(code)
    if _accept_totp(user.second_factor, code):
        return "totp"
    if len(code) == 12:
        record = db.session.execute(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _code_hash(user, code),
                RecoveryCode.used_at.is_(None),
            )
        ).scalar_one_or_none()
        if record is not None:
            record.used_at = utcnow()
            audit.record("authn_recovery_code_used", target_type="user", target_id=user.id)
            db.session.flush()
            return "recovery"
    return None


def reset(target: User, *, by: User | None) -> None:
    """Remove the second factor and the recovery codes and end the account's sessions:
    the user sets up a new one at their next sign-in (required roles) or from their
    account page. Whoever may reset the password may do this (auth.policy)."""
    from referral.auth.service import revoke_sessions

    if not policy.can_change_access(by, target):
        raise SecondFactorRefused()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == target.id))
    if target.second_factor is not None:
        db.session.delete(target.second_factor)
        target.second_factor = None
    revoke_sessions(target)
    audit.record("authn_second_factor_reset", target_type="user", target_id=target.id)
    db.session.flush()


def code_now(user: User) -> str:
    """A code that the next sign-in of `user` will accept: the current step's, or the
    next step's if the current one was already used. For the demo (`flask demo code`)
    and the test helpers; never exposed over HTTP."""
    factor = user.second_factor
    if factor is None:
        raise ValueError("no second factor")
    totp = pyotp.TOTP(secret_of(factor))
    step = current_step()
    if factor.last_step is not None and step <= factor.last_step:
        step = factor.last_step + 1
    if step > current_step() + TOLERANCE_STEPS:
        raise ValueError("wait for the next code")
    return totp.at(step * STEP_SECONDS)


def enrol_with_secret(user: User, secret: str | None = None) -> str:
    """Enrol at once with `secret` (a new one if None): for the demo seed and test
    factories, where no phone confirms a first code. Returns the secret."""
    secret = secret or pyotp.random_base32()
    factor = user.second_factor or SecondFactor(user_id=user.id)
    _seal(factor, secret)
    factor.confirmed_at = utcnow()
    factor.last_step = None
    user.second_factor = factor
    db.session.flush()
    return secret
