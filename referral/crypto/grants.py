"""Decryption grants: the only way into encrypted fields.

A `Grant` says that one user may read (and write) some field groups of one case. Only
the access policies listed in `ISSUERS` can mint one, and never for a role in
`NO_CASE_ACCESS_ROLES`: an authorisation bug elsewhere then shows up as a refused
decryption, not as a leak.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field

from referral.auth.permissions import NO_CASE_ACCESS_ROLES, Role
from referral.crypto.envelope import CryptoError, count

# Field groups (security.md §2.5). Later issues add psych notes, police-shareable, medical.
IDENTITY = "identity"
CONTACT = "contact"
NARRATIVE = "narrative"
FIELD_GROUPS = frozenset({IDENTITY, CONTACT, NARRATIVE})

# Modules allowed to issue grants: the access policies, nothing else.
ISSUERS = frozenset({"referral.cases.policy"})

_SEAL = object()

# The user id of grants for operator jobs (index backfill), which no signed-in user has.
SYSTEM_USER_ID = uuid.UUID(int=0)
MAINTENANCE_PURPOSES = frozenset({"reindex"})


class GrantError(CryptoError):
    """No valid grant for this decryption (wrong user, case, group, or issuer)."""


@dataclass(frozen=True)
class Grant:
    user_id: uuid.UUID
    case_id: uuid.UUID
    groups: frozenset[str]
    _seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self._seal is not _SEAL:
            raise GrantError("grants are issued by access policies only")

    def covers(self, case_id: uuid.UUID, group: str) -> bool:
        return self.case_id == case_id and group in self.groups


def issue(user, case_id: uuid.UUID, groups: frozenset[str] = FIELD_GROUPS) -> Grant:
    """Mint a grant. Callable only from a module in ISSUERS (an access policy)."""
    caller = sys._getframe(1).f_globals.get("__name__")
    if caller not in ISSUERS:
        raise GrantError("grants are issued by access policies only")
    if user is None or Role(user.role) in NO_CASE_ACCESS_ROLES:
        raise GrantError("this role never receives case grants")
    unknown = set(groups) - FIELD_GROUPS
    if unknown:
        raise GrantError("unknown field group")
    count("grant_issued")
    return Grant(user_id=user.id, case_id=case_id, groups=frozenset(groups), _seal=_SEAL)


def issue_maintenance(case_id: uuid.UUID, purpose: str, groups: frozenset[str]) -> Grant:
    """A grant for an operator job run from the command line, never from a request.
    Callable only from a module in ISSUERS."""
    caller = sys._getframe(1).f_globals.get("__name__")
    if caller not in ISSUERS:
        raise GrantError("grants are issued by access policies only")
    if purpose not in MAINTENANCE_PURPOSES:
        raise GrantError("unknown maintenance purpose")
    from flask import has_request_context

    if has_request_context():
        raise GrantError("maintenance grants are never issued inside a web request")
    count("grant_issued")
    return Grant(user_id=SYSTEM_USER_ID, case_id=case_id, groups=frozenset(groups), _seal=_SEAL)
