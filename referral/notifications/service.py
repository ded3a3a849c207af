"""Notifications: who is told what, the unread count, the list, reading them.

Who gets what (issue #9):
- a new referral: the active provider focal points of the receiving organisation;
- a status change or feedback: the referring caseworkers (the case's owner, its
  assigned caseworkers and whoever sent the referral);
- an overdue referral: the same caseworkers and the supervisors of the referring centre.
The acting user is never told of their own act, and one action tells each person once
per referral (a provider's step with feedback is one notification, not two).

A notification holds a kind and a link only (models.py). The link is the referral's
page; following it goes through that page's own access check, so a notification never
grants access: when the case or referral is no longer the recipient's, the link
answers 404.

Functions flush and never commit; e-mail (mail.py) goes out after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, event, func, select, tuple_, update
from sqlalchemy.orm import Session

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases.models import Case
from referral.cases.service import erasure
from referral.cases.service.assignment import case_teams
from referral.cases.service.lists import decode_cursor, encode_cursor
from referral.db import utcnow
from referral.extensions import db
from referral.notifications import mail, policy
from referral.notifications.models import Notification, NotificationKind
from referral.referrals import policy as referral_policy
from referral.referrals.models import Referral

K = NotificationKind
PAGE_SIZE = 30
# The header shows "99+" beyond this: the count stops here, whatever the backlog.
UNREAD_CAP = 100
CASE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
# (user id, referral id) told of feedback in this transaction, not yet of a step: a
# provider's step written with feedback writes the feedback first, then moves.
_FEEDBACK_TOLD = "notifications_feedback_told"


# --- links ------------------------------------------------------------------------------


def _path(endpoint: str, **values) -> str:
    """An internal path, built without a request (the reminders command has none)."""
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("", script_name=root).build(endpoint, values)


def referral_link(referral_id: uuid.UUID) -> str:
    """The referral's page: the provider's view of it, or the caseworker's, decided there."""
    return _path("referrals.detail", referral_id=referral_id)


# --- recipients -------------------------------------------------------------------------


def provider_recipients(referral: Referral) -> list[User]:
    """The active focal points of the organisation the referral is addressed to; for a
    transfer of a case to another crisis centre, the supervisors who may accept it."""
    from referral.referrals.policy import is_transfer

    role = Role.SUPERVISOR if is_transfer(referral) else Role.PROVIDER
    return list(
        db.session.execute(
            select(User)
            .where(
                User.organisation_id == referral.to_org_id,
                User.role == role,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        ).scalars()
    )


def caseworker_recipients(referrals: Iterable[Referral]) -> dict[uuid.UUID, list[User]]:
    """Referral id -> the referring caseworkers: the case's owner, its assigned
    caseworkers and the sender, while active and still staff of the case's centre.
    Three queries for any number of referrals."""
    referrals = list(referrals)
    if not referrals:
        return {}
    teams = case_teams({r.case_id for r in referrals})
    by_case = {cid: members for cid, (_org, members) in teams.items()}
    org_of = {cid: org for cid, (org, _members) in teams.items()}
    wanted = {uid for ids in by_case.values() for uid in ids} | {r.from_user_id for r in referrals}
    users = {
        u.id: u
        for u in db.session.execute(
            select(User).where(
                User.id.in_(wanted),
                User.is_active_account.is_(True),
                User.role.in_(CASE_ROLES),
            )
        ).scalars()
    }
    result = {}
    for referral in referrals:
        ids = by_case.get(referral.case_id, set()) | {referral.from_user_id}
        org = org_of.get(referral.case_id)
        result[referral.id] = sorted(
            (users[uid] for uid in ids if uid in users and users[uid].organisation_id == org),
            key=lambda u: u.id,
        )
    return result


def supervisors_of(organisation_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[User]]:
    """Organisation id -> its active supervisors."""
    result: dict[uuid.UUID, list[User]] = {oid: [] for oid in organisation_ids}
    if not result:
        return result
    for user in db.session.execute(
        select(User)
        .where(
            User.organisation_id.in_(result),
            User.role == Role.SUPERVISOR,
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    ).scalars():
        result[user.organisation_id].append(user)
    return result


# --- telling ----------------------------------------------------------------------------


def _feedback_told(session: Session) -> set:
    return session.info.setdefault(_FEEDBACK_TOLD, set())


@event.listens_for(Session, "after_transaction_end")
def _forget_feedback_told(session: Session, transaction) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_FEEDBACK_TOLD, None)


def _tell(
    kind: NotificationKind,
    users: Iterable[User],
    link: str,
    referral_id: uuid.UUID | None,
    *,
    actor: User | None = None,
) -> list[Notification]:
    session = db.session()
    feedback_told = _feedback_told(session)
    settings = mail.settings()
    actor_id = getattr(actor, "id", None)
    made, seen = [], set()
    for user in users:
        key = (user.id, referral_id)
        if user.id == actor_id or user.id in seen:
            continue
        seen.add(user.id)
        if kind == K.FEEDBACK:
            feedback_told.add(key)
        elif kind == K.STATUS_CHANGED and key in feedback_told:
            feedback_told.discard(key)  # the same step: its feedback told them already
            continue
        notification = Notification(user_id=user.id, kind=kind, link=link, referral_id=referral_id)
        session.add(notification)
        made.append(notification)
        if settings is not None and user.email:
            path = _path("notifications.follow", notification_id=notification.id)
            mail.queue(
                session, settings, mail.compose(settings, user.email, kind.label, path, user.locale)
            )
    if made:
        session.flush()
    return made


def notify_new_referral(referral: Referral, actor: User | None = None) -> list[Notification]:
    """A referral was sent: its organisation's focal points have something waiting."""
    return _tell(
        K.NEW_REFERRAL,
        provider_recipients(referral),
        referral_link(referral.id),
        referral.id,
        actor=actor,
    )


def notify_status_changed(referral: Referral, actor: User | None = None) -> list[Notification]:
    """The provider (or a colleague on its behalf) moved the referral on."""
    users = caseworker_recipients([referral]).get(referral.id, [])
    return _tell(K.STATUS_CHANGED, users, referral_link(referral.id), referral.id, actor=actor)


def notify_withdrawn(referral: Referral, actor: User | None = None) -> list[Notification]:
    """The caseworker withdrew a referral: its provider should stop working on it (the
    page behind the link now shows only the status and the provider's own notes)."""
    return _tell(
        K.WITHDRAWN,
        provider_recipients(referral),
        referral_link(referral.id),
        referral.id,
        actor=actor,
    )


def notify_feedback(referral: Referral, actor: User | None = None) -> list[Notification]:
    users = caseworker_recipients([referral]).get(referral.id, [])
    return _tell(K.FEEDBACK, users, referral_link(referral.id), referral.id, actor=actor)


def notify_overdue(referrals: list) -> list[Notification]:
    """Overdue referrals (objects or rows with id, case_id, from_org_id, from_user_id):
    their caseworkers and the supervisors of the referring centre,
    each once per referral. Recipients in three queries for the whole batch."""
    workers = caseworker_recipients(referrals)
    supervisors = supervisors_of({r.from_org_id for r in referrals})
    made = []
    for referral in referrals:
        users = {u.id: u for u in workers.get(referral.id, [])}
        users.update((u.id, u) for u in supervisors.get(referral.from_org_id, []))
        made += _tell(K.OVERDUE, users.values(), referral_link(referral.id), referral.id)
    return made


# --- reading ----------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """Unread notifications, counted up to UNREAD_CAP (an index range of this user's
    unread rows; a backlog never makes a page slower)."""
    capped = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(UNREAD_CAP)
        .subquery()
    )
    return db.session.execute(select(func.count()).select_from(capped)).scalar_one()


@dataclass(frozen=True)
class NotificationRow:
    id: uuid.UUID
    text: str
    created_at: datetime
    is_read: bool


@dataclass(frozen=True)
class NotificationPage:
    rows: list[NotificationRow]
    next_cursor: str | None
    first: bool


def list_notifications(user: User, cursor: str | None = None) -> NotificationPage:
    """Newest first, by keyset on (created_at, id): any page costs what the first does."""
    query = policy.visible_notifications(user)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(tuple_(Notification.created_at, Notification.id) < after)
    found = list(
        db.session.execute(
            query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(
                PAGE_SIZE + 1
            )
        ).scalars()
    )
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    rows = [NotificationRow(n.id, n.text, n.created_at, n.is_read) for n in found]
    next_cursor = encode_cursor(found[-1].created_at, found[-1].id) if more else None
    return NotificationPage(rows, next_cursor, after is None)


def safe_link(link: str | None) -> str | None:
    """Only a path of this application: never another site (`//host`, a scheme)."""
    if not link or not link.startswith("/") or link.startswith("//") or "\\" in link:
        return None
    return link


def open_notification(user: User, notification: Notification) -> str | None:
    """Mark it read (opening it is reading it) and give the link to follow."""
    if notification.user_id != user.id:
        raise PermissionError("not this user's notification")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return safe_link(notification.link)


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0


@erasure.before_erase
def _erase_notifications(case: Case) -> None:
    """An erased case leaves no trace: the notifications about its referrals go too."""
    ids = referral_policy.referral_ids_of_case(case.id)
    db.session.execute(
        delete(Notification)
        .where(Notification.referral_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
