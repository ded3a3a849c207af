"""Who may manage which account.

Administrators keep every account, but no action of theirs may end in access to case
data (PRODUCT.md §3: "no path, direct or indirect, to decrypted case fields"). An
administrator could otherwise create a supervisor, or reset a caseworker's password,
and sign in with the temporary password they were shown. So accounts with a case role
(caseworker, supervisor) are created, re-roled, reset and reactivated only by a
supervisor of the same crisis centre, or by an operator on the server (`flask users`);
administrators may edit their name, e-mail and language and deactivate them, which
only ever removes access.

Out-of-scope accounts answer 404; an action the actor may not take on an account they
can see answers 403.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, false, select

from referral.auth.models import User
from referral.auth.permissions import Permission, Role
from referral.directory.models import Organisation
from referral.extensions import db

CASE_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR})


def real_user(user):
    """The user object behind flask_login's `current_user` proxy (or the user given):
    every attribute read through the proxy costs a context lookup, and the policies
    decide many objects per page."""
    unwrap = getattr(user, "_get_current_object", None)
    return unwrap() if unwrap is not None else user


def _is_admin(actor: User | None) -> bool:
    return actor is not None and actor.can(Permission.USERS_MANAGE)


def _is_staff_manager(actor: User | None) -> bool:
    return actor is not None and actor.can(Permission.STAFF_MANAGE)


def visible_users(actor: User) -> Select:
    """The starting point of every list of accounts."""
    if _is_admin(actor):
        return select(User)
    if _is_staff_manager(actor):
        return select(User).where(
            User.organisation_id == actor.organisation_id, User.role.in_(CASE_ROLES)
        )
    return select(User).where(false())


def get_user_for(actor: User, user_id: str | uuid.UUID) -> User | None:
    try:
        uid = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        return None
    return db.session.execute(visible_users(actor).where(User.id == uid)).scalar_one_or_none()


def creatable_roles(actor: User | None) -> list[Role]:
    """Roles the actor may give; None is the operator on the server (every role)."""
    if actor is None:
        return list(Role)
    if _is_admin(actor):
        return [r for r in Role if r not in CASE_ROLES]
    if _is_staff_manager(actor):
        return [r for r in Role if r in CASE_ROLES]
    return []


def assignable_organisations(actor: User | None) -> list[Organisation]:
    query = select(Organisation).where(Organisation.is_active.is_(True))
    if actor is not None and not _is_admin(actor):
        query = query.where(Organisation.id == actor.organisation_id)
    return list(db.session.execute(query.order_by(Organisation.name_en)).scalars())


def _grants_case_access(user: User) -> bool:
    return user.role in CASE_ROLES


def can_change_access(actor: User | None, target: User) -> bool:
    """Change role or organisation, reset the password, reactivate. Never one's own
    account: no one raises their own access or moves themselves to another organisation
    (and one's own password is changed with the current one, on the account page)."""
    if actor is None:
        return True
    if actor.id == target.id:
        return False
    if _is_admin(actor):
        return not _grants_case_access(target)
    return (
        _is_staff_manager(actor)
        and target.organisation_id == actor.organisation_id
        and _grants_case_access(target)
    )


def can_deactivate(actor: User | None, target: User) -> bool:
    if actor is not None and actor.id == target.id:
        return False
    if actor is None or _is_admin(actor):
        return True
    return can_change_access(actor, target)


def can_unlock(actor: User | None, target: User) -> bool:
    """Lift a sign-in lockout early: whoever manages the account. It opens nothing to
    the actor (the password and the code are still needed), so administrators may do it
    for case-role accounts too."""
    return can_deactivate(actor, target)
