"""The provider's home panel: what waits in the referral inbox. Counts only (each
capped), nothing of a survivor."""

from flask import url_for
from flask_babel import gettext as _

from referral.auth.models import User
from referral.auth.permissions import Permission
from referral.home.service import Panel, register_panel
from referral.referrals.models import ReferralStatus
from referral.referrals.service import inbox


@register_panel(12, Permission.REFERRAL_INBOX)
def inbox_panel(user: User) -> Panel:
    counts = inbox.inbox_counts(user)

    def row(label, key):
        return (label, counts[key], url_for("referrals.inbox", status=key))

    S = ReferralStatus
    return Panel(
        title=_("Referral inbox"),
        items=[
            row(_("New, waiting for your answer"), S.SENT.value),
            row(_("Overdue: past the deadline to answer"), inbox.OVERDUE),
            row(_("Received, to accept or decline"), S.ACKNOWLEDGED.value),
            row(_("Accepted, no appointment yet"), S.ACCEPTED.value),
            row(_("Appointment scheduled"), S.APPOINTMENT_SCHEDULED.value),
            row(_("Service provided, to complete"), S.SERVICE_PROVIDED.value),
            (_("Open the inbox"), "→", url_for("referrals.inbox")),
        ],
    )
