"""Decryption grants: the only way into encrypted fields.

A `Grant` says that one user may read (and write) some field groups of one case. Only
the access policies listed in `ISSUERS` can mint one, and never for a role in
`NO_CASE_ACCESS_ROLES`: an authorisation bug elsewhere then shows up as a refused
decryption, not as a leak.

A grant cannot be forged or re-targeted: `Grant(...)` and `dataclasses.replace` raise,
and each grant carries an HMAC of its user, case and field groups under a key that lives
only in this process, which `fields.read/write` check (`is_genuine`) before anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
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

# The user id of grants for operator jobs (index backfill), which no signed-in user has.
SYSTEM_USER_ID = uuid.UUID(int=0)
MAINTENANCE_PURPOSES = frozenset({"reindex"})


class GrantError(CryptoError):
    """No valid grant for this decryption (wrong user, case, group, or issuer)."""


# Seals grants minted in this process: HMAC-SHA-256 over the grant's user, case and field
# groups. A copy altered in any way (dataclasses.replace, object.__setattr__) no longer
# matches its seal; a grant never leaves the process that minted it.
_SEAL_KEY = os.urandom(32)


def _seal_of(user_id: uuid.UUID, case_id: uuid.UUID, groups: frozenset[str]) -> bytes:
    message = "|".join(
        ("referral.grant.v1", str(user_id), str(case_id), ",".join(sorted(groups)))
    ).encode()
    return hmac.new(_SEAL_KEY, message, hashlib.sha256).digest()


@dataclass(frozen=True)
class Grant:
    """Made by `issue` or `issue_maintenance` only. Calling `Grant(...)` or
    `dataclasses.replace(grant, ...)` raises: both go through __init__, which mints
    nothing. Check a grant with `is_genuine` before trusting it."""

    user_id: uuid.UUID
    case_id: uuid.UUID
    groups: frozenset[str]
    _seal: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        raise GrantError("grants are issued by access policies only")

    def covers(self, case_id: uuid.UUID, group: str) -> bool:
        return self.case_id == case_id and group in self.groups


def _mint(user_id: uuid.UUID, case_id: uuid.UUID, groups: frozenset[str]) -> Grant:
    grant = object.__new__(Grant)
    object.__setattr__(grant, "user_id", user_id)
    object.__setattr__(grant, "case_id", case_id)
    object.__setattr__(grant, "groups", groups)
    object.__setattr__(grant, "_seal", _seal_of(user_id, case_id, groups))
    count("grant_issued")
    return grant


def is_genuine(grant: object) -> bool:
    """True only for a grant minted here and unchanged since (same user, case, groups)."""
    if type(grant) is not Grant:
        return False
    try:
        user_id, case_id, groups = grant.user_id, grant.case_id, grant.groups
        seal = grant._seal
    except AttributeError:
        return False
    if not isinstance(groups, frozenset) or not isinstance(seal, bytes):
        return False
    return hmac.compare_digest(seal, _seal_of(user_id, case_id, groups))


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
    return _mint(user.id, case_id, frozenset(groups))


def issue_maintenance(case_id: uuid.UUID, purpose: str, groups: frozenset[str]) -> Grant:
    """A grant for an operator job run from the command line, never from a request.
    Callable only from a module in ISSUERS."""
    caller = sys._getframe(1).f_globals.get("__name__")
    if caller not in ISSUERS:
        raise GrantError("grants are issued by access policies only")
    if purpose not in MAINTENANCE_PURPOSES:
        raise GrantError("unknown maintenance purpose")
    if set(groups) - FIELD_GROUPS:
        raise GrantError("unknown field group")
    from flask import has_request_context

    if has_request_context():
        raise GrantError("maintenance grants are never issued inside a web request")
    return _mint(SYSTEM_USER_ID, case_id, frozenset(groups))
