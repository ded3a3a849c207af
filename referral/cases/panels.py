"""Home-page panel for caseworkers and supervisors: their cases, in one glance."""

from flask import url_for
from flask_babel import gettext as _

from referral.auth.models import User
from referral.auth.permissions import Permission, Role
from referral.cases import service
from referral.home.service import Panel, register_panel


@register_panel(20, Permission.CASE_READ)
def cases_panel(user: User) -> Panel:
    label = (
        _("Open cases of my organisation") if user.role == Role.SUPERVISOR else _("My open cases")
    )
    items = [(label, service.count_open_cases(user), url_for("cases.index", status="open"))]
    if user.can(Permission.CASE_SEARCH):
        items.append((_("Find a case"), "→", url_for("cases.search")))
    if user.can(Permission.CASE_CREATE):
        items.append((_("Open a case"), "+", url_for("cases.new")))
    return Panel(title=_("Cases"), items=items)
