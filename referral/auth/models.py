"""Staff accounts and their server-side sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.auth.permissions import Permission, Role, role_has
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

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    # Set by the session loader: Flask-Login stores this token, not the user id,
    # so that a session can be revoked on the server.
    session_token = None  # not a column: set per request, never stored

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def can(self, permission: Permission) -> bool:
        return role_has(self.role, permission)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(UUIDPrimaryKey, db.Model):
    """One signed-in browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<UserSession {self.id}>"
