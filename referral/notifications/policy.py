"""Who sees which notification: its recipient, and no one else (not even a supervisor or
an administrator). Another user's notification answers 404, like a missing one."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from referral.auth.models import User
from referral.auth.policy import real_user
from referral.cases.policy import parse_id
from referral.extensions import db
from referral.notifications.models import Notification


def visible_notifications(user: User | None) -> Select:
    user = real_user(user)
    if user is None or not getattr(user, "is_authenticated", False):
        return select(Notification).where(false())
    return select(Notification).where(Notification.user_id == user.id)


def get_notification_for(user: User | None, notification_id) -> Notification | None:
    nid = parse_id(notification_id)
    if nid is None:
        return None
    return db.session.execute(
        visible_notifications(user).where(Notification.id == nid)
    ).scalar_one_or_none()
