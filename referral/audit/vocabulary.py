"""Audit codes in plain words, for people reading the trail in their language. An event
type without a label here is shown by its code."""

from flask_babel import lazy_gettext as _l

from referral.crypto import grants as U

ACTION_LABELS = {
    "sensitive_read": _l("Read case details"),
    "sensitive_create": _l("Recorded case details"),
    "sensitive_update": _l("Changed case details"),
    "case_printed": _l("Printed a case"),
    "attachment_read": _l("Opened a document"),
    "referral_slip_printed": _l("Printed a referral slip"),
    "case_search": _l("Searched cases"),
    "case_assigned": _l("Assigned a case"),
    "case_shredded": _l("Erased a case"),
    "case_transferred": _l("Transferred a case"),
    "case_reopened": _l("Reopened a case"),
    "referral_sent": _l("Sent a referral"),
    "referral_withdrawn": _l("Withdrew a referral"),
    "referral_consent_override": _l("Overrode consent for a referral"),
    "authn_login_success": _l("Signed in"),
    "authn_login_fail": _l("Failed sign-in"),
    "session_logout": _l("Signed out"),
    "authn_password_change": _l("Changed their password"),
    "authn_password_accepted": _l("Gave the right password (sign-in not finished)"),
    "authn_second_factor_fail": _l("Gave a wrong sign-in code"),
    "authn_second_factor_enrolled": _l("Set up a second factor"),
    "authn_second_factor_reset": _l("Reset a second factor"),
    "authn_recovery_code_used": _l("Used a recovery code"),
    "authn_account_locked": _l("Sign-in paused after failed attempts"),
    "authn_account_unlocked": _l("Allowed sign-in again"),
    "session_ended": _l("Ended a session"),
    "authn_reauth_fail": _l("Gave a wrong password to confirm a change"),
    "authz_fail": _l("Was refused access"),
    "excess_rate_limit_exceeded": _l("Too many attempts"),
    "user_created": _l("Created an account"),
    "user_updated": _l("Changed an account"),
    "user_deactivated": _l("Deactivated an account"),
    "key_rotation_started": _l("Started a key rotation"),
    "key_rotation_finished": _l("Finished a key rotation"),
    "audit_verify": _l("Verified the audit chain"),
    "audit_checkpoint": _l("Wrote an audit checkpoint"),
    "retention_shred": _l("Erased cases past their retention period"),
    "crypt_decrypt_fail": _l("Decryption failed"),
    "info_page_created": _l("Added an information page"),
    "info_page_updated": _l("Changed an information page"),
    "info_page_reviewed": _l("Recorded a lawyer's review of an information page"),
}

UNIT_LABELS = {
    U.NAME: _l("name"),
    U.AGE: _l("age"),
    U.CONTACT: _l("safe contact"),
    U.ADDRESS: _l("address"),
    U.CAREGIVER: _l("caregiver"),
    U.CHILDREN: _l("accompanying children"),
    U.NOTES: _l("case notes"),
    U.NARRATIVE: _l("incident narrative"),
    U.PERPETRATOR_NAME: _l("perpetrator's name"),
    U.SAFETY_PLAN: _l("safety plan"),
    U.NEEDS_SAFETY: _l("safety needs"),
    U.NEEDS_HEALTH: _l("health needs"),
    U.NEEDS_PSYCHOSOCIAL: _l("psychosocial needs"),
    U.NEEDS_LEGAL: _l("legal needs"),
    U.NEEDS_MATERIAL: _l("material needs"),
    U.NEEDS_CHILD: _l("child's needs"),
    U.PLAN: _l("action plan and follow-ups"),
    U.PROTECTION_ORDER: _l("protection orders"),
    U.ATTACHMENT: _l("documents"),
    U.REFERRAL_SUMMARY: _l("referral summary"),
    U.REFERRAL_FEEDBACK: _l("provider's feedback"),
    U.PROVIDER_NOTES: _l("provider's notes"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def units_label(detail: dict | None) -> str:
    units = (detail or {}).get("units") or []
    return ", ".join(str(UNIT_LABELS.get(unit, unit)) for unit in units)


def role_label(code: str | None) -> str:
    from referral.auth.permissions import Role

    try:
        return str(Role(code).label)
    except ValueError:
        return code or ""


def detail_label(detail: dict | None) -> str:
    """The entry's detail other than field groups, as `key: value` identifiers."""
    return "; ".join(f"{k}: {v}" for k, v in sorted((detail or {}).items()) if k != "units")
