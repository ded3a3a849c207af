"""Panels of the foundation: accounts (admins) and the audit trail (auditors)."""

from flask import url_for
from flask_babel import gettext as _

from referral.audit import service as audit
from referral.auth import service as accounts
from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.home.service import Panel, register_panel


@register_panel(1000, Permission.ACCOUNT)  # the work first, one's own account last
def account_panel(user: User) -> Panel:
    return Panel(
        title=_("My account"),
        items=[
            (_("Role"), user.role.label, None),
            (_("Organisation"), user.organisation.name, None),
            (_("Change password"), "→", url_for("auth.change_password")),
        ],
    )


@register_panel(90, Permission.USERS_MANAGE)
@register_panel(90, Permission.STAFF_MANAGE)
def users_panel(user: User) -> Panel:
    return Panel(
        title=_("User accounts")
        if user.can(Permission.USERS_MANAGE)
        else _("Staff accounts of your organisation"),
        items=[
            (
                _("Active accounts"),
                accounts.count_users(user, True),
                url_for("users.index", status="active"),
            ),
            (
                _("Deactivated accounts"),
                accounts.count_users(user, False),
                url_for("users.index", status="inactive"),
            ),
            (_("Create an account"), "+", url_for("users.new")),
        ],
    )


@register_panel(95, Permission.AUDIT_READ)
def audit_panel(user: User) -> Panel:
    failed = audit.count_events("authn_login_fail", hours=24)
    denied = audit.count_events("authz_fail", hours=24)
    return Panel(
        title=_("Audit trail"),
        items=[
            (_("Failed sign-ins in the last 24 hours"), failed, url_for("audit.index")),
            (_("Refused requests in the last 24 hours"), denied, url_for("audit.index")),
            (_("Verify the chain"), "✓", url_for("audit.verify")),
        ],
    )
