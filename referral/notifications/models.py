"""An in-app notification: one row per recipient, saying only that something is waiting.

A notification carries a kind and a link (an internal path), never a name, a case code
or any other detail: an inbox on a shared computer, or a glance over a shoulder, must
learn nothing about a survivor. The text is the kind's label; the link leads to a page
that decides access itself (a notification never grants any).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from referral.db import LabelledEnum, UUIDPrimaryKey, str_enum, utcnow
from referral.extensions import db


class NotificationKind(LabelledEnum):
    NEW_REFERRAL = "new_referral"
    STATUS_CHANGED = "status_changed"
    FEEDBACK = "feedback"
    OVERDUE = "overdue"
    WITHDRAWN = "withdrawn"


# The whole text of a notification, in-app and by e-mail: nothing else is ever shown.
NotificationKind.LABELS = {
    NotificationKind.NEW_REFERRAL: _l("A new referral is waiting"),
    NotificationKind.STATUS_CHANGED: _l("A referral you sent changed status"),
    NotificationKind.FEEDBACK: _l("New feedback on a referral"),
    NotificationKind.OVERDUE: _l("A referral is overdue"),
    NotificationKind.WITHDRAWN: _l("A referral to your organisation was withdrawn"),
}


class Notification(UUIDPrimaryKey, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The user's list, newest first, by keyset.
        Index("ix_notifications_user_created_id", "user_id", "created_at", "id"),
        # The header's unread count: a range of this user's unread rows only.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # Erasing a case removes the notifications of its referrals.
        Index("ix_notifications_referral", "referral_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, 20))
    link: Mapped[str] = mapped_column(String(300))
    # No foreign key: the referral is a record of its case, deleted when the case is
    # erased; the notifications go with it (service._erase_notifications).
    referral_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @property
    def text(self) -> str:
        return self.kind.label

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} for {self.user_id}>"
