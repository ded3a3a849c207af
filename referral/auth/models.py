"""Staff accounts and their server-side sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.auth.permissions import Permission, Role, role_has
from referral.crypto import account_secrets
from referral.db import TimestampMixin, UUIDPrimaryKey, str_enum, utcnow
from referral.directory.models import Organisation
from referral.extensions import db


class User(UUIDPrimaryKey, TimestampMixin, UserMixin, db.Model):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Consecutive failed sign-ins (password or code) since the last complete one; from
    # LOCKOUT_THRESHOLD on, each failure locks the account for twice as long.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    second_factor: Mapped[SecondFactor | None] = relationship(
        lazy="select", uselist=False, back_populates="user", cascade="all, delete-orphan"
    )

    # Set by the session loader: Flask-Login stores this token, not the user id,
    # so that a session can be revoked on the server.
    session_token = None  # not a column: set per request, never stored
    session_stage = None  # likewise: the SessionStage of that session

    @property
    def session_complete(self) -> bool:
        """Signed in all the way: a partial session reaches only its own stage's pages."""
        return self.session_stage == SessionStage.FULL

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def has_second_factor(self) -> bool:
        factor = self.second_factor
        return factor is not None and factor.confirmed_at is not None

    def can(self, permission: Permission) -> bool:
        return role_has(self.role, permission)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class SessionStage(StrEnum):
    """How far a session has come through signing in. Only FULL reaches any data; each
    other stage reaches its own page and signing out (referral.auth.access)."""

    SECOND_FACTOR = "second_factor"  # the password was right; the code is asked
    # A stage name, not a password: a temporary password must be replaced first.
    PASSWORD_CHANGE = "password_change"  # noqa: S105  # nosec B105
    ENROLMENT = "enrolment"  # the role requires a second factor not yet set up
    FULL = "full"


class UserSession(UUIDPrimaryKey, db.Model):
    """One signed-in browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[SessionStage] = mapped_column(
        str_enum(SessionStage, 20), default=SessionStage.FULL, server_default="full"
    )

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<UserSession {self.id} {self.stage}>"


class SecondFactor(db.Model):
    """A user's TOTP secret, sealed under a key derived from a KEK for this user and
    column only (referral.crypto.account_secrets). Unconfirmed until a first code."""

    __tablename__ = "user_second_factors"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret_ct: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The last time step whose code was accepted: a code is good once (no replay).
    last_step: Mapped[int | None]

    user: Mapped[User] = relationship(back_populates="second_factor")

    def __repr__(self) -> str:  # never the secret
        return f"<SecondFactor {self.user_id}>"


SECOND_FACTOR_SECRET = account_secrets.register(
    SecondFactor, value="secret_ct", key_id="key_id", row_id="user_id"
)


class RecoveryCode(UUIDPrimaryKey, db.Model):
    """One single-use recovery code, stored as SHA-256 of the user id and the code."""

    __tablename__ = "user_recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id}>"
