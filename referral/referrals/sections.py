"""The "Referrals" section of the case page: the local pathway that covers where she
lives, how far this case has gone along each of its steps, and the case's referrals
with their deadlines and the providers' feedback. Also the timeline's labels of the
referral events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from referral.auth.permissions import Permission
from referral.cases.sections import case_section
from referral.cases.service.timeline import event_label
from referral.referrals.service import casework, proposals

for _kind, _label in {
    "referral_sent": _l("Referral sent"),
    "referral_acknowledged": _l("Referral received by the provider"),
    "referral_accepted": _l("Referral accepted"),
    "referral_declined": _l("Referral declined"),
    "referral_appointment_scheduled": _l("Appointment scheduled for a referral"),
    "referral_service_provided": _l("Service provided on a referral"),
    "referral_completed": _l("Referral completed"),
    "referral_withdrawn": _l("Referral withdrawn"),
    "referral_feedback": _l("Feedback on a referral"),
}.items():
    event_label(_kind, _label)


@case_section(350, "referrals/caseworker/_section.html")
def referrals_section(user, case, access) -> dict:
    return {
        "case_id": case.id,
        "pathway": proposals.pathway_view(case),
        "has_residence": case.residence_location_id is not None,
        "referrals": casework.case_referrals(user, case),
        "can_send": access.can_edit and user.can(Permission.REFERRAL_SEND),
    }
