"""Roles, permissions and the whole role -> permission table, on one screen.

Every endpoint declares one permission with `@require` or is `@public`
(see referral.auth.access). Row scope (which objects) is the job of each domain's
policy.py; this table only says which kinds of action a role may attempt.
"""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    PROVIDER = "provider"
    COMMITTEE_MEMBER = "committee_member"
    ADMIN = "admin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.CASEWORKER: _l("Caseworker"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.PROVIDER: _l("Provider focal point"),
    Role.COMMITTEE_MEMBER: _l("Committee member"),
    Role.ADMIN: _l("Administrator"),
    Role.AUDITOR: _l("Auditor"),
}


class Permission(StrEnum):
    ACCOUNT = "account"  # own profile, own password, language
    CASE_CREATE = "case.create"
    CASE_READ = "case.read"  # scoped by cases.policy: own/assigned, or whole org
    CASE_EDIT = "case.edit"
    CASE_SEARCH = "case.search"
    CASE_ERASE = "case.erase"  # crypto-shred; supervisors approve erasure
    REFERRAL_SEND = "referral.send"
    REFERRAL_OVERRIDE = "referral.override"  # send beyond consent, with a written reason
    REFERRAL_INBOX = "referral.inbox"
    DIRECTORY_READ = "directory.read"
    DIRECTORY_EDIT_OWN = "directory.edit_own"
    DIRECTORY_MANAGE = "directory.manage"
    COMMITTEE_READ = "committee.read"
    COMMITTEE_EDIT_OWN = "committee.edit_own"  # coordinator of that committee only
    COMMITTEE_MANAGE = "committee.manage"
    STATS_VIEW = "stats.view"  # scoped by stats policy
    USERS_MANAGE = "users.manage"  # every account, except what gives access to cases
    STAFF_MANAGE = "users.staff"  # case-role accounts of one's own crisis centre
    AUDIT_OWN_CASES = "audit.own_cases"  # who looked at my cases
    AUDIT_ORG = "audit.org"
    AUDIT_METADATA = "audit.metadata"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    INFO_EDIT = "info.edit"  # public "know your rights" pages and their review


P = Permission
# One role per line keeps the whole table on one screen.
# fmt: off
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset({
        P.ACCOUNT, P.CASE_CREATE, P.CASE_READ, P.CASE_EDIT, P.CASE_SEARCH, P.REFERRAL_SEND,
        P.DIRECTORY_READ, P.COMMITTEE_READ, P.STATS_VIEW, P.AUDIT_OWN_CASES,
    }),
    Role.SUPERVISOR: frozenset({
        P.ACCOUNT, P.CASE_CREATE, P.CASE_READ, P.CASE_EDIT, P.CASE_SEARCH, P.CASE_ERASE,
        P.REFERRAL_SEND, P.REFERRAL_OVERRIDE, P.DIRECTORY_READ, P.COMMITTEE_READ, P.STATS_VIEW,
        P.AUDIT_OWN_CASES, P.AUDIT_ORG, P.STAFF_MANAGE,
    }),
    Role.PROVIDER: frozenset({
        P.ACCOUNT, P.REFERRAL_INBOX, P.DIRECTORY_READ, P.DIRECTORY_EDIT_OWN, P.COMMITTEE_READ,
        P.STATS_VIEW,
    }),
    Role.COMMITTEE_MEMBER: frozenset({
        P.ACCOUNT, P.DIRECTORY_READ, P.COMMITTEE_READ, P.COMMITTEE_EDIT_OWN, P.STATS_VIEW,
    }),
    Role.ADMIN: frozenset({
        P.ACCOUNT, P.DIRECTORY_READ, P.DIRECTORY_MANAGE, P.COMMITTEE_READ, P.COMMITTEE_MANAGE,
        P.STATS_VIEW, P.USERS_MANAGE, P.AUDIT_METADATA, P.INFO_EDIT,
    }),
    Role.AUDITOR: frozenset({P.ACCOUNT, P.AUDIT_READ, P.AUDIT_VERIFY}),
}
# fmt: on

# Roles that may never hold a decryption grant for case fields, whatever the code path.
NO_CASE_ACCESS_ROLES = frozenset({Role.ADMIN, Role.AUDITOR, Role.COMMITTEE_MEMBER})


def role_has(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
