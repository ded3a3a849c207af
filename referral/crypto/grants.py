"""Decryption grants: the only way into encrypted fields.

A `Grant` says that one user may read (mode "read") or read and write (mode "write")
some fields of one case. Fields are named by *unit*: the smallest piece of a case that
can be shared on its own (PRODUCT.md §3: a police referral may receive the name and the
address but not the age, a health referral the age but not the address). Each encrypted
attribute declares its unit (`encrypted("name")`), and a grant covers an attribute only
if it names that unit.

Only a registered `Issuer` can mint a grant. The issuers are an explicit registry:
`register_issuer(name)` hands out the one issuer of each name in `ISSUER_NAMES`, once;
the policy module that registered it keeps it private. No role in
`NO_CASE_ACCESS_ROLES` ever receives a grant, whatever the issuer: an authorisation bug
elsewhere then shows up as a refused decryption, not as a leak.

A grant cannot be forged or re-targeted: `Grant(...)` and `dataclasses.replace` raise,
and each grant carries an HMAC of its user, case, units and mode under a key that lives
only in this process, which `fields.read/write` check (`is_genuine`) before anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from dataclasses import dataclass, field

from referral.auth.permissions import NO_CASE_ACCESS_ROLES, Role
from referral.crypto.envelope import CryptoError, count

# Field units (security.md §2.5, PRODUCT.md §3). Every field a provider type may receive
# is its own unit, so a referral can share exactly that field and nothing beside it.
NAME = "name"  # full name
AGE = "age"  # date of birth or estimated age
CONTACT = "contact"  # safe phone, safe contact method and times
ADDRESS = "address"
CAREGIVER = "caregiver"  # a child's caregiver: name, relationship, phone
CHILDREN = "children"  # accompanying children
NOTES = "notes"  # the crisis centre's own notes: never shared with a provider
NARRATIVE = "narrative"  # the incident narrative: never shared with a provider
PERPETRATOR_NAME = "perpetrator_name"
SAFETY_PLAN = "safety_plan"
NEEDS_SAFETY = "needs_safety"
NEEDS_HEALTH = "needs_health"
NEEDS_PSYCHOSOCIAL = "needs_psychosocial"
NEEDS_LEGAL = "needs_legal"
NEEDS_MATERIAL = "needs_material"
NEEDS_CHILD = "needs_child"
PLAN = "plan"  # action-plan items and follow-up records
PROTECTION_ORDER = "protection_order"  # conditions and violations of protection orders
ATTACHMENT = "attachment"  # scanned documents and their file names
REFERRAL_SUMMARY = "referral_summary"  # the summary written for one provider
REFERRAL_FEEDBACK = "referral_feedback"  # what the provider tells the caseworker
PROVIDER_NOTES = "provider_notes"  # the provider's own notes on a referral

FIELD_UNITS = frozenset(
    {
        NAME,
        AGE,
        CONTACT,
        ADDRESS,
        CAREGIVER,
        CHILDREN,
        NOTES,
        NARRATIVE,
        PERPETRATOR_NAME,
        SAFETY_PLAN,
        NEEDS_SAFETY,
        NEEDS_HEALTH,
        NEEDS_PSYCHOSOCIAL,
        NEEDS_LEGAL,
        NEEDS_MATERIAL,
        NEEDS_CHILD,
        PLAN,
        PROTECTION_ORDER,
        ATTACHMENT,
        REFERRAL_SUMMARY,
        REFERRAL_FEEDBACK,
        PROVIDER_NOTES,
    }
)

READ = "read"
WRITE = "write"  # a write grant reads too: an edit form shows the value it replaces
MODES = frozenset({READ, WRITE})

# The policies that may register an issuer. The referral policy joins with its issue.
ISSUER_NAMES = frozenset({"cases.policy", "referrals.policy"})

# The user id of grants for operator jobs (index backfill), which no signed-in user has.
SYSTEM_USER_ID = uuid.UUID(int=0)
# "backup_verify": `flask backup verify` proves that a restored database opens with the
# keys, without showing any value.
MAINTENANCE_PURPOSES = frozenset({"reindex", "backup_verify"})


class GrantError(CryptoError):
    """No valid grant for this decryption (wrong user, case, unit, mode or issuer)."""


# Seals grants minted in this process: HMAC-SHA-256 over the grant's user, case, units
# and mode. A copy altered in any way (dataclasses.replace, object.__setattr__) no longer
# matches its seal; a grant never leaves the process that minted it.
_SEAL_KEY = os.urandom(32)


_NO_CASE = uuid.UUID(int=0)


def _seal_of(
    user_id: uuid.UUID,
    case_id: uuid.UUID | None,
    case_ids: frozenset[uuid.UUID],
    units: frozenset[str],
    mode: str,
) -> bytes:
    """The ids as their 16 bytes (fixed length, the number of cases before them), then
    the sorted units and the mode, which contain no separator: one message per grant,
    never two grants per message."""
    message = b"".join(
        (
            b"referral.grant.v4|",
            user_id.bytes,
            (case_id or _NO_CASE).bytes,
            len(case_ids).to_bytes(4, "big"),
            *sorted(cid.bytes for cid in case_ids),
            b"|",
            ",".join(sorted(units)).encode(),
            b"|",
            mode.encode(),
        )
    )
    return hmac.digest(_SEAL_KEY, message, hashlib.sha256)


@dataclass(frozen=True, eq=False)
class Grant:
    """Made by an `Issuer` only. Calling `Grant(...)` or `dataclasses.replace(grant, ...)`
    raises: both go through __init__, which mints nothing. Check a grant with
    `is_genuine` before trusting it."""

    user_id: uuid.UUID
    # One case (`case_id`), or a page of cases decided together (`case_id` None): the
    # policy decided each of `case_ids`, and the grant opens those and no other.
    case_id: uuid.UUID | None
    units: frozenset[str]
    mode: str
    issuer: str
    case_ids: frozenset[uuid.UUID] = field(init=False)
    _seal: bytes = field(init=False, repr=False)
    # The attribute objects the seal was last checked against: `is_genuine` compares
    # identities (cheap) and recomputes the HMAC only when one of them was swapped.
    _checked: tuple = field(init=False, repr=False)

    def __post_init__(self):
        raise GrantError("grants are issued by access policies only")

    def covers(self, case_id: uuid.UUID, unit: str) -> bool:
        return case_id in self.case_ids and unit in self.units

    @property
    def can_write(self) -> bool:
        return self.mode == WRITE


def _mint(
    user_id: uuid.UUID,
    case_id: uuid.UUID | None,
    case_ids: frozenset[uuid.UUID],
    units: frozenset[str],
    mode: str,
    issuer: str,
) -> Grant:
    grant = object.__new__(Grant)
    vars(grant).update(  # the fields of a frozen dataclass, set once, here only
        user_id=user_id,
        case_id=case_id,
        case_ids=case_ids,
        units=units,
        mode=mode,
        issuer=issuer,
        _seal=_seal_of(user_id, case_id, case_ids, units, mode),
        _checked=(user_id, case_id, case_ids, units, mode),
    )
    count("grant_issued")
    return grant


def is_genuine(grant: object) -> bool:
    """True only for a grant minted here and unchanged since (same user, cases, units,
    mode)."""
    if type(grant) is not Grant:
        return False
    try:
        user_id, case_id, units, mode = grant.user_id, grant.case_id, grant.units, grant.mode
        case_ids, seal, checked = grant.case_ids, grant._seal, grant._checked
    except AttributeError:
        return False
    if (
        type(checked) is tuple
        and len(checked) == 5
        and checked[0] is user_id
        and checked[1] is case_id
        and checked[2] is case_ids
        and checked[3] is units
        and checked[4] is mode
    ):
        return True
    if not isinstance(units, frozenset) or not isinstance(seal, bytes) or mode not in MODES:
        return False
    if type(user_id) is not uuid.UUID or not (case_id is None or type(case_id) is uuid.UUID):
        return False
    if not isinstance(case_ids, frozenset) or not all(type(c) is uuid.UUID for c in case_ids):
        return False
    if case_id is not None and case_ids != {case_id}:
        return False
    if not all(type(unit) is str for unit in units):
        return False
    if not hmac.compare_digest(seal, _seal_of(user_id, case_id, case_ids, units, mode)):
        return False
    object.__setattr__(grant, "_checked", (user_id, case_id, case_ids, units, mode))
    return True


class Issuer:
    """The right to mint grants, held privately by one access policy. Made only by
    `register_issuer`, once per name."""

    __slots__ = ("name",)

    def __init__(self, name: str, _token: object = None):
        if _token is not _REGISTRY_TOKEN:
            raise GrantError("issuers are made by register_issuer only")
        self.name = name

    def issue(
        self,
        user,
        case_id: uuid.UUID,
        units: frozenset[str] | set[str],
        mode: str = READ,
    ) -> Grant:
        """Mint a grant for `user` on `case_id`. The policy has decided; this refuses
        only what no policy may ever decide (roles without case access, unknown units)."""
        if _REGISTRY.get(self.name) is not self:
            raise GrantError("this issuer is not registered")
        if user is None or Role(user.role) in NO_CASE_ACCESS_ROLES:
            raise GrantError("this role never receives case grants")
        units = frozenset(units)
        if units - FIELD_UNITS:
            raise GrantError("unknown field unit")
        if mode not in MODES:
            raise GrantError("unknown grant mode")
        return _mint(user.id, case_id, frozenset({case_id}), units, mode, self.name)

    def issue_page(self, user, case_ids, units: frozenset[str] | set[str]) -> Grant:
        """One read grant for a page of cases, each of which the policy has decided
        allows `units`: one seal for the page, a set look-up per field. It opens exactly
        these cases; a case left out is refused like a case of another grant."""
        case_ids = frozenset(case_ids)
        if not case_ids or not all(type(c) is uuid.UUID for c in case_ids):
            raise GrantError("a page grant names its cases")
        if _REGISTRY.get(self.name) is not self:
            raise GrantError("this issuer is not registered")
        if user is None or Role(user.role) in NO_CASE_ACCESS_ROLES:
            raise GrantError("this role never receives case grants")
        units = frozenset(units)
        if units - FIELD_UNITS:
            raise GrantError("unknown field unit")
        return _mint(user.id, None, case_ids, units, READ, self.name)

    def issue_maintenance(self, case_id: uuid.UUID, purpose: str, units: frozenset[str]) -> Grant:
        """A read grant for an operator job run from the command line, never from a
        request."""
        if _REGISTRY.get(self.name) is not self:
            raise GrantError("this issuer is not registered")
        if purpose not in MAINTENANCE_PURPOSES:
            raise GrantError("unknown maintenance purpose")
        if frozenset(units) - FIELD_UNITS:
            raise GrantError("unknown field unit")
        from flask import has_request_context

        if has_request_context():
            raise GrantError("maintenance grants are never issued inside a web request")
        return _mint(
            SYSTEM_USER_ID, case_id, frozenset({case_id}), frozenset(units), READ, self.name
        )

    def __repr__(self) -> str:
        return f"<Issuer {self.name}>"


_REGISTRY_TOKEN = object()
_REGISTRY: dict[str, Issuer] = {}


def register_issuer(name: str) -> Issuer:
    """Hand out the issuer called `name` (one of ISSUER_NAMES), once per process: a
    second call for the same name raises, so no other module can obtain it later."""
    if name not in ISSUER_NAMES:
        raise GrantError("not a registered grant issuer")
    if name in _REGISTRY:
        raise GrantError("this issuer was already handed out")
    issuer = Issuer(name, _REGISTRY_TOKEN)
    _REGISTRY[name] = issuer
    return issuer


def registered_issuers() -> frozenset[str]:
    return frozenset(_REGISTRY)
