"""Referrals along the local pathway: consent-gated sending with per-referral shared
fields, the provider's inbox, deadlines and feedback."""
