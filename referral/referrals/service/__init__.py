"""Referral business rules: the lifecycle (lifecycle.py), what to propose along the
pathway (proposals.py), what a provider sees (shared.py), reminders (reminders.py)."""

from referral.referrals.service.lifecycle import (  # noqa: F401
    TRANSITIONS,
    ReferralError,
    ReferralInput,
    complete_referral,
    deadline,
    is_overdue,
    provider_step,
    send_referral,
    withdraw_referral,
    write_feedback,
)
