"""Notifications: every signed-in user has their own; another user's notification (even
for a supervisor or an administrator) answers 404, like a missing one."""

from __future__ import annotations

from referral.extensions import db
from referral.notifications.models import Notification, NotificationKind
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Entry, builder, everyone, only

MISSING = "00000000-0000-0000-0000-000000000000"


def _notification_of(world, role: str, kind: NotificationKind) -> Notification:
    notification = Notification(user_id=world.users[role].id, kind=kind, link="/")
    db.session.add(notification)
    db.session.flush()
    return notification


@builder("caseworker_notification")
def _caseworker_notification(world):
    return _notification_of(world, "caseworker", NotificationKind.STATUS_CHANGED)


@builder("provider_notification")
def _provider_notification(world):
    return _notification_of(world, "provider", NotificationKind.NEW_REFERRAL)


def _url(name: str):
    return lambda world: f"/notifications/{world.get(name + '_notification').id}"


def _only_owner(role: str) -> dict:
    return only({role: REDIRECT}, otherwise=NOT_FOUND)


ENTRIES = [
    Entry("notifications.index", "/notifications/", everyone(OK)),
    Entry(
        "notifications.follow",
        _url("caseworker"),
        _only_owner("caseworker"),
        scope="caseworker_own",
    ),
    Entry("notifications.follow", _url("provider"), _only_owner("provider"), scope="provider_own"),
    Entry(
        "notifications.follow",
        f"/notifications/{MISSING}",
        everyone(NOT_FOUND),
        scope="missing",
    ),
    Entry(
        "notifications.follow",
        "/notifications/not-a-uuid",
        everyone(NOT_FOUND),
        scope="malformed",
    ),
    Entry(
        "notifications.read_all",
        "/notifications/read",
        everyone(REDIRECT, method="POST"),
        method="POST",
    ),
]
