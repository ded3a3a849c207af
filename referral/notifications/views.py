"""The notifications page, opening one, "mark all read", and the header's unread count.

Every signed-in user has notifications (ACCOUNT); each sees only their own. Opening a
notification marks it read and follows its link, where the page's own access check
decides (a notification never grants access).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from referral.auth.access import require
from referral.auth.forms import EmptyForm
from referral.auth.permissions import Permission
from referral.extensions import db
from referral.notifications import policy, service

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@require(Permission.ACCOUNT)
def index():
    page = service.list_notifications(current_user, request.args.get("after"))
    return render_template("notifications/index.html", page=page, form=EmptyForm())


@bp.get("/<uuid:notification_id>")
@require(Permission.ACCOUNT)
def follow(notification_id):
    """A GET, so that the link of an e-mail works: opening is reading, and it touches only
    this user's own notification."""
    notification = policy.get_notification_for(current_user, notification_id)
    if notification is None:
        abort(404)
    link = service.open_notification(current_user, notification)
    db.session.commit()
    return redirect(link or url_for("notifications.index"))


@bp.post("/read")
@require(Permission.ACCOUNT)
def read_all():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    service.mark_all_read(current_user)
    db.session.commit()
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def unread_notifications():
    """`unread_notifications()` in the header: counted once per page, only when shown."""

    def count() -> int | None:
        if not current_user or not current_user.is_authenticated:
            return None
        if "unread_notifications" not in g:
            try:
                g.unread_notifications = service.unread_count(current_user)
            except SQLAlchemyError:
                # The badge is a convenience: on an error page about a failing database
                # it must not turn the page itself into a failure.
                db.session.rollback()
                g.unread_notifications = None
        return g.unread_notifications

    return {"unread_notifications": count, "unread_cap": service.UNREAD_CAP}
