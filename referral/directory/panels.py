"""Home panels of the directory: what to verify (administrators), and the provider's own
entry (provider focal points)."""

from flask import url_for
from flask_babel import format_number
from flask_babel import gettext as _

from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.directory import service
from referral.directory.service import lists
from referral.home.service import Panel, register_panel


@register_panel(40, Permission.DIRECTORY_MANAGE)
def directory_admin_panel(user: User) -> Panel:
    stale = service.count_stale_services()
    return Panel(
        title=_("Provider directory"),
        items=[
            (
                _("Services not verified for 12 months"),
                _("more than %(num)s", num=format_number(lists.COUNT_LIMIT))
                if stale is None
                else stale,
                url_for("directory.index", stale="1"),
            ),
            (_("Add an organisation"), "+", url_for("directory.organisation_new")),
            (_("HSDS exchange"), "⇄", url_for("exchange.index")),
        ],
    )


@register_panel(41, Permission.DIRECTORY_EDIT_OWN)
def own_entry_panel(user: User) -> Panel:
    listed, stale = service.count_organisation_services(user.organisation_id)
    return Panel(
        title=_("Your organisation's entry"),
        items=[
            (
                _("Services listed"),
                listed,
                url_for("directory.organisation", org_id=user.organisation_id),
            ),
            (
                _("To confirm (not verified for 12 months)"),
                stale,
                url_for("directory.organisation", org_id=user.organisation_id),
            ),
            (
                _("Edit the entry"),
                "✎",
                url_for("directory.organisation_edit", org_id=user.organisation_id),
            ),
        ],
        note=_("Keep your phone numbers and opening hours current: survivors rely on them."),
    )
