"""Who sees which referral, and what of the survivor a provider sees: the only place that
issues decryption grants for referrals.

Row scope:
- a provider focal point: the referrals addressed to their organisation (never drafts);
- a caseworker or supervisor: the referrals of the cases `cases.policy` lets them see;
- a supervisor of a crisis centre, besides: the transfers of other centres' cases
  addressed to their centre (referrals of service type `crisis_centre`), which they see
  as a provider sees a referral until they accept one and the case becomes theirs;
- every other role: none. Out of scope answers 404, like a missing referral.

Field scope (`shared_view`): a provider reads the referral's shared items, and only
while the referral is open and the survivor's consent to release stands (or a
supervisor overrode it and she has not withdrawn since). When the referral is completed,
declined or withdrawn, or consent is withdrawn, the identifying items are gone at once;
the status and the provider's own notes remain.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, and_, false, or_, select

from referral.auth.models import User
from referral.auth.permissions import Permission, Role
from referral.auth.policy import real_user
from referral.cases import policy as case_policy
from referral.cases.models import Case
from referral.crypto import grants
from referral.crypto.grants import PROVIDER_NOTES, READ, REFERRAL_FEEDBACK, WRITE, Grant, GrantError
from referral.directory.models import ServiceType
from referral.extensions import db
from referral.referrals import sharing
from referral.referrals.models import Referral, ReferralStatus

_ISSUER = grants.register_issuer("referrals.policy")
PROVIDER_OWN_UNITS = frozenset({PROVIDER_NOTES, REFERRAL_FEEDBACK})


def _is_provider(user) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role == Role.PROVIDER
        and user.can(Permission.REFERRAL_INBOX)
    )


def _is_case_role(user) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in (Role.CASEWORKER, Role.SUPERVISOR)
        and user.can(Permission.CASE_READ)
    )


def _receives_transfers(user) -> bool:
    return _is_case_role(user) and user.role == Role.SUPERVISOR


def is_transfer(referral: Referral) -> bool:
    """A transfer of the case to another crisis centre: the service type says so."""
    return referral.service_type == ServiceType.CRISIS_CENTRE


def _incoming_transfers_clause(user):
    return and_(
        Referral.to_org_id == user.organisation_id,
        Referral.service_type == ServiceType.CRISIS_CENTRE,
        Referral.status != ReferralStatus.DRAFT,
    )


def visible_referrals(user: User | None) -> Select:
    """The starting point of every list, count and export of referrals."""
    user = real_user(user)
    query = select(Referral)
    if _is_provider(user):
        return query.where(
            Referral.to_org_id == user.organisation_id, Referral.status != ReferralStatus.DRAFT
        )
    if _is_case_role(user):
        return query.join(Case, Case.id == Referral.case_id).where(visible_clause(user))
    return query.where(false())


def visible_clause(user: User | None):
    """The same scope as a WHERE clause over `Referral` joined to `Case`."""
    user = real_user(user)
    if _is_provider(user):
        return and_(
            Referral.to_org_id == user.organisation_id, Referral.status != ReferralStatus.DRAFT
        )
    if _receives_transfers(user):
        return or_(case_policy.visible_clause(user), _incoming_transfers_clause(user))
    if _is_case_role(user):
        return case_policy.visible_clause(user)
    return false()


def incoming_transfers(user: User | None) -> Select:
    """The transfers addressed to a supervisor's centre that are not its cases yet."""
    user = real_user(user)
    if not _receives_transfers(user):
        return select(Referral).where(false())
    return (
        select(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(_incoming_transfers_clause(user), Case.organisation_id != user.organisation_id)
    )


def get_referral_for(user: User | None, referral_id) -> Referral | None:
    rid = case_policy.parse_id(referral_id)
    if rid is None:
        return None
    return db.session.execute(
        visible_referrals(user).where(Referral.id == rid)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class ReferralAccess:
    visible: bool
    as_provider: bool = False
    as_case_worker: bool = False
    # The items of the survivor the user may read now (a provider: the shared items
    # while active and consented; a case role: every item).
    items: tuple[str, ...] = ()
    can_act: bool = False  # move it on: the provider while open; the caseworker on paper
    can_withdraw: bool = False


def consent_stands(referral: Referral) -> bool:
    from referral.cases.service import consent

    decision = consent.release_decision(referral.case, referral.service_type, referral.to_org_id)
    if decision.allowed:
        return True
    return referral.consent_override and decision.reason_code != consent.WITHDRAWN


def access_for(user: User | None, referral: Referral) -> ReferralAccess:
    user = real_user(user)
    if _is_provider(user):
        if referral.to_org_id != user.organisation_id or referral.status == ReferralStatus.DRAFT:
            return ReferralAccess(False)
        case = referral.case
        active = referral.status.is_open and not case.is_erased and consent_stands(referral)
        items = tuple(referral.shared_items or ()) if active else ()
        return ReferralAccess(True, as_provider=True, items=items, can_act=referral.status.is_open)
    if _is_case_role(user):
        case_access = case_policy.access_for(user, referral.case)
        if not case_access.visible:
            return _transfer_access(user, referral)
        readable = () if referral.case.is_erased else tuple(sharing.ITEMS)
        return ReferralAccess(
            True,
            as_case_worker=True,
            items=readable,
            can_act=referral.is_on_paper and referral.status.is_open and case_access.can_edit,
            can_withdraw=(
                user.can(Permission.REFERRAL_SEND)
                and case_access.can_edit
                and (referral.status.is_open or referral.status == ReferralStatus.DRAFT)
            ),
        )
    return ReferralAccess(False)


def _transfer_access(user: User, referral: Referral) -> ReferralAccess:
    """The receiving centre's supervisor on a transfer of another centre's case: what a
    provider has (the shared items while open and consented), until they accept it."""
    if not (
        _receives_transfers(user)
        and is_transfer(referral)
        and referral.to_org_id == user.organisation_id
        and referral.status != ReferralStatus.DRAFT
    ):
        return ReferralAccess(False)
    case = referral.case
    active = referral.status.is_open and not case.is_erased and consent_stands(referral)
    items = tuple(referral.shared_items or ()) if active else ()
    return ReferralAccess(True, as_provider=True, items=items, can_act=referral.status.is_open)


def shared_grant(user: User, referral: Referral, access: ReferralAccess | None = None) -> Grant:
    """The read grant for what a provider may see of the survivor on this referral now:
    exactly the units of its visible items, for its case. GrantError when there is
    nothing to see (closed, withdrawn consent, not theirs)."""
    user = real_user(user)
    access = access or access_for(user, referral)
    if not access.as_provider:
        raise GrantError("shared views are for the provider the referral is addressed to")
    units = sharing.units_of(access.items)
    if not units:
        raise GrantError("nothing of the survivor is visible on this referral now")
    return _ISSUER.issue(user, referral.case_id, units, READ)


def provider_grant(user: User, referral: Referral, mode: str = READ) -> Grant:
    """The provider's own writing on the referral (feedback, notes): theirs to read
    always, to write while the referral is open (notes: always)."""
    user = real_user(user)
    access = access_for(user, referral)
    if not access.as_provider:
        raise GrantError("not the provider of this referral")
    if referral.case.is_erased:
        raise GrantError("the case was erased")
    units = PROVIDER_OWN_UNITS
    if mode == WRITE and not referral.status.is_open:
        units = frozenset({PROVIDER_NOTES})
    return _ISSUER.issue(user, referral.case_id, units, mode)


def blank_notes_grant(user: User, referral: Referral) -> Grant:
    """At sending only: the sender seals the provider-notes column empty (no read, no
    later write: the column is the provider's from then on)."""
    user = real_user(user)
    if referral.status != ReferralStatus.SENT or referral.lock_version not in (None, 1):
        raise GrantError("the provider's notes are the provider's")
    if not _is_case_role(user) or not case_policy.access_for(user, referral.case).can_edit:
        raise GrantError("no access to this case")
    return _ISSUER.issue(user, referral.case_id, frozenset({PROVIDER_NOTES}), WRITE)


def referral_ids_of_case(case_id: uuid.UUID):
    """A subquery of the ids of every referral of a case, for the cleanup that erasing
    it runs (the erasure itself is authorised by the case policy): ids only."""
    return select(Referral.id).where(Referral.case_id == case_id)


def shared_page_grant(user: User, decided: list[tuple[Referral, ReferralAccess]], unit: str):
    """One read grant of `unit` for the cases of a page of referrals (the inbox), each
    decided by `access_for` as `shared_grant` would be: only referrals whose access, as
    the provider, shows that unit now. None when none does."""
    user = real_user(user)
    case_ids = [
        referral.case_id
        for referral, access in decided
        if access.as_provider and unit in sharing.units_of(access.items)
    ]
    return _ISSUER.issue_page(user, case_ids, {unit}) if case_ids else None
