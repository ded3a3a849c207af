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
    "attachment_added": _l("Added a document"),
    "attachment_deleted": _l("Deleted a document"),
    "authn_password_change_fail": _l("Failed to change their password"),
    "authn_password_reset": _l("Reset a password"),
    "case_duplicate_check": _l("Checked for duplicate cases"),
    "case_update": _l("Updated a case"),
    "client_feedback_recorded": _l("Recorded client feedback"),
    "closure_approved": _l("Approved closing a case"),
    "closure_requested": _l("Asked to close a case"),
    "closure_returned": _l("Sent a closure request back"),
    "committee_activity_logged": _l("Logged a committee activity"),
    "committee_created": _l("Created a committee"),
    "committee_member_added": _l("Added a committee member"),
    "committee_member_ended": _l("Ended a committee membership"),
    "committee_updated": _l("Changed a committee"),
    "consent_given": _l("Recorded consent given"),
    "consent_refused": _l("Recorded consent refused"),
    "consent_withdrawn": _l("Recorded consent withdrawn"),
    "directory_location_created": _l("Added a location"),
    "directory_location_updated": _l("Changed a location"),
    "directory_organisation_activated": _l("Reactivated an organisation"),
    "directory_organisation_created": _l("Added an organisation"),
    "directory_organisation_deactivated": _l("Deactivated an organisation"),
    "directory_organisation_updated": _l("Changed an organisation"),
    "directory_service_created": _l("Added a service"),
    "directory_service_updated": _l("Changed a service"),
    "directory_service_verified": _l("Confirmed a service's details"),
    "directory_site_created": _l("Added premises"),
    "directory_site_updated": _l("Changed premises"),
    "hsds_export": _l("Exported the directory"),
    "hsds_import": _l("Imported the directory"),
    "pathway_draft_discarded": _l("Discarded a pathway draft"),
    "pathway_draft_started": _l("Started a pathway draft"),
    "pathway_provider_added": _l("Added a provider to a pathway step"),
    "pathway_provider_removed": _l("Removed a provider from a pathway step"),
    "pathway_published": _l("Published a pathway"),
    "pathway_step_added": _l("Added a pathway step"),
    "pathway_step_moved": _l("Moved a pathway step"),
    "pathway_step_removed": _l("Removed a pathway step"),
    "pathway_step_updated": _l("Changed a pathway step"),
    "referral_accepted": _l("Accepted a referral"),
    "referral_acknowledged": _l("Acknowledged a referral"),
    "referral_appointment_scheduled": _l("Set an appointment for a referral"),
    "referral_completed": _l("Completed a referral"),
    "referral_declined": _l("Declined a referral"),
    "referral_feedback": _l("Gave feedback on a referral"),
    "referral_provider_notes": _l("Wrote provider's notes on a referral"),
    "referral_reminders_sent": _l("Sent reminders about overdue referrals"),
    "referral_service_provided": _l("Marked a referral's service as provided"),
    "stats_export": _l("Exported statistics"),
    "user_activated": _l("Reactivated an account"),
    "audit_exported": _l("Exported the audit trail"),
    "audit_case_reads_viewed": _l("Looked at who opened a case"),
    "backup_created": _l("Made a backup"),
    "backup_restored": _l("Restored a backup"),
    "backup_verify": _l("Verified a restored backup"),
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
