"""Home-page panels for caseworkers and supervisors: what needs their action first (open
medical windows, overdue follow-ups and action items, closures awaiting approval), then
their cases. Codes and counts only: nothing on the home page is decrypted."""

from flask import url_for
from flask_babel import gettext as _

from referral.auth.models import User
from referral.auth.permissions import Permission, Role
from referral.cases import service
from referral.cases.service import assessment, closure, followup, plan
from referral.cases.service.common import today
from referral.dates import format_date, format_datetime
from referral.home.service import Panel, register_panel


def _case_link(case_id, anchor: str) -> str:
    return url_for("cases.detail", case_id=case_id) + f"#{anchor}"


def needs_action(user: User) -> list[tuple[str, str, str]]:
    """(label, value, link) rows, the most urgent first: medical windows close within
    hours, the rest is days overdue."""
    rows = []
    for window in assessment.open_medical_windows(user):
        if window.pep_hours_left is not None:
            rows.append(
                (
                    _("%(code)s: HIV prevention (PEP) window open", code=window.case_code),
                    _("%(hours)d h left", hours=int(window.pep_hours_left)),
                    _case_link(window.case_id, "incidents"),
                )
            )
        elif window.ec_hours_left is not None:
            rows.append(
                (
                    _("%(code)s: emergency contraception window open", code=window.case_code),
                    _("%(hours)d h left", hours=int(window.ec_hours_left)),
                    _case_link(window.case_id, "incidents"),
                )
            )
    # Referrals: overdue referrals of the user's cases, linking to the referral.
    from referral.referrals.service import reminders

    for item in reminders.overdue_referrals(user):
        rows.append(
            (
                _("%(code)s: referral overdue", code=item.case_code),
                _("since %(date)s", date=format_datetime(item.due_at, "short")),
                url_for("referrals.detail", referral_id=item.referral_id),
            )
        )
    now = today()
    for item in followup.overdue_followups(user, now):
        rows.append(
            (
                _("%(code)s: follow-up overdue", code=item.case_code),
                _("since %(date)s", date=format_date(item.since, "short")),
                _case_link(item.case_id, "follow-up"),
            )
        )
    for item in plan.overdue_action_items(user, now):
        rows.append(
            (
                _("%(code)s: action-plan items overdue", code=item.case_code),
                str(item.count),
                _case_link(item.case_id, "plan"),
            )
        )
    if user.role == Role.SUPERVISOR:
        for item in closure.cases_awaiting_closure(user):
            rows.append(
                (
                    _("%(code)s: closure awaits your approval", code=item.case_code),
                    format_date(item.requested_at, "short"),
                    _case_link(item.case_id, "closure"),
                )
            )
    return rows


@register_panel(1, Permission.CASE_READ)  # what needs action comes before everything
def needs_action_panel(user: User) -> Panel:
    rows = needs_action(user)
    return Panel(
        title=_("Needs my action"),
        items=rows,
        note=None if rows else _("Nothing needs your action now."),
    )


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
