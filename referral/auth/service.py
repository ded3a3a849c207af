"""Accounts: password hashing, sign-in, server-side sessions, user administration.

Services flush and never commit; the view or CLI command that owns the unit of work
commits once, so an action and its audit event succeed or fail together.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from referral.audit import service as audit
from referral.auth import policy, second_factor
from referral.auth.models import SessionStage, User, UserSession
from referral.auth.permissions import Role
from referral.db import utcnow
from referral.directory.models import Organisation, OrganisationType
from referral.extensions import db

# Which organisation types a role may belong to. A provider focal point works for a
# receiving provider; case roles only for crisis centres.
ROLE_ORG_TYPES: dict[Role, frozenset[OrganisationType]] = {
    Role.CASEWORKER: frozenset({OrganisationType.CRISIS_CENTRE}),
    Role.SUPERVISOR: frozenset({OrganisationType.CRISIS_CENTRE}),
    Role.PROVIDER: frozenset(
        {
            OrganisationType.POLICE,
            OrganisationType.HEALTH,
            OrganisationType.PSYCHOSOCIAL,
            OrganisationType.LEGAL_AID,
            OrganisationType.SHELTER,
            OrganisationType.SOCIAL_PROTECTION,
            OrganisationType.CRISIS_CENTRE,
        }
    ),
    Role.COMMITTEE_MEMBER: frozenset({OrganisationType.COMMITTEE}),
    Role.ADMIN: frozenset({OrganisationType.ADMINISTRATION}),
    Role.AUDITOR: frozenset({OrganisationType.ADMINISTRATION}),
}

# About 20,000 passwords people commonly choose that are long enough to pass the length
# rule (data/build_common_passwords.py says how the list was made), compared casefolded.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


# One answer for every failed sign-in, whatever the reason (unknown user, wrong password,
# locked account, wrong code): the page must not tell which, nor that an account exists.
SIGN_IN_FAILED = _l(
    "Signing in did not work. Check what you typed and try again. After several failed "
    "attempts, wait a few minutes or ask whoever manages your account."
)


class AccessRefused(Exception):
    """The actor may see this account but not take this action on it (403)."""


class AccountError(Exception):
    """A rule refused the request. `message` is translated and safe to show."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


_DUMMY_HASH: dict[tuple, str] = {}


def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown, so timing does not tell."""
    cfg = current_app.config
    params = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    if params not in _DUMMY_HASH:
        _DUMMY_HASH[params] = _hasher().hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH[params]


def check_password_policy(password: str, *, username: str = "", full_name: str = "") -> None:
    """ASVS 6.2: length only (no composition rules), no common or context passwords."""
    cfg = current_app.config
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        raise AccountError(
            _l("The password must have at least %(n)d characters.", n=cfg["PASSWORD_MIN_LENGTH"])
        )
    if len(password) > cfg["PASSWORD_MAX_LENGTH"]:
        raise AccountError(
            _l("The password may have at most %(n)d characters.", n=cfg["PASSWORD_MAX_LENGTH"])
        )
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 4:
        raise AccountError(_l("This password is too common. Choose another one."))
    context = [w.casefold() for w in (username, *full_name.split()) if len(w) >= 4]
    if any(word in folded for word in context):
        raise AccountError(_l("The password must not contain your name or username."))


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def get_user_by_username(username: str) -> User | None:
    return db.session.execute(
        select(User).where(User.username == normalise_username(username))
    ).scalar_one_or_none()


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def record_failed_sign_in(user: User) -> None:
    """Count a failure (password or code). From LOCKOUT_THRESHOLD failures in a row the
    account is locked, for LOCKOUT_BASE_SECONDS and twice as long at each further
    failure, up to LOCKOUT_MAX_SECONDS. Attempts while locked are not tried, so they
    neither count nor tell anything."""
    cfg = current_app.config
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    over = user.failed_sign_ins - cfg["LOCKOUT_THRESHOLD"]
    if over >= 0:
        seconds = min(cfg["LOCKOUT_BASE_SECONDS"] * 2 ** min(over, 20), cfg["LOCKOUT_MAX_SECONDS"])
        user.locked_until = utcnow() + timedelta(seconds=seconds)
        if over == 0:
            audit.record("authn_account_locked", target_type="user", target_id=user.id)
    db.session.flush()


def unlock_account(user: User, *, by: User | None) -> None:
    """Lift a lockout before its time: whoever manages the account (not its owner)."""
    if not policy.can_unlock(by, user):
        raise AccessRefused()
    user.failed_sign_ins = 0
    user.locked_until = None
    audit.record("authn_account_unlocked", target_type="user", target_id=user.id)
    db.session.flush()


def authenticate(username: str, password: str) -> User | None:
    """The user if the password is right, the account active and not locked; None
    otherwise.

    Unknown users, wrong passwords, locked and deactivated accounts look the same to the
    caller (and take the same time: a hash is verified in every case), so the login page
    cannot be used to find usernames or to learn that an account is locked.
    """
    user = get_user_by_username(username)
    locked = user is not None and is_locked(user)
    hasher = _hasher()
    try:
        hasher.verify(
            user.password_hash if user is not None and not locked else _dummy_hash(), password
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        audit.record(
            "authn_login_fail",
            outcome="failure",
            target_type="user",
            target_id=user.id if user else None,
            detail={"known_user": user is not None, "locked": locked},
        )
        if user is not None and not locked:
            record_failed_sign_in(user)
        return None
    if user is None or locked:  # the dummy hash matched: cannot happen with a random secret
        return None
    if not user.is_active_account:
        audit.record(
            "authn_login_fail",
            outcome="failure",
            target_type="user",
            target_id=user.id,
            detail={"reason": "deactivated"},
        )
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


# The order a sign-in goes through; each stage is skipped when it is not needed.
STAGE_ORDER = (SessionStage.SECOND_FACTOR, SessionStage.PASSWORD_CHANGE, SessionStage.ENROLMENT)


def _stage_needed(user: User, stage: SessionStage) -> bool:
    if stage == SessionStage.SECOND_FACTOR:
        return user.has_second_factor
    if stage == SessionStage.PASSWORD_CHANGE:
        return user.must_change_password
    return second_factor.is_required(user) and not user.has_second_factor


def next_stage(user: User, passed: SessionStage | None = None) -> SessionStage:
    """The first stage after `passed` (None: the password) that this user still needs."""
    start = 0 if passed is None else STAGE_ORDER.index(passed) + 1
    for stage in STAGE_ORDER[start:]:
        if _stage_needed(user, stage):
            return stage
    return SessionStage.FULL


def _signed_in(user: User) -> None:
    user.failed_sign_ins = 0
    user.locked_until = None
    audit.record("authn_login_success", target_type="user", target_id=user.id, actor=user)


def advance_session(user: User, passed: SessionStage) -> SessionStage:
    """Move the current session past `passed`; returns the stage it is now in."""
    stage = next_stage(user, passed)
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _token_hash(user.session_token or ""))
        # The full session's idle time counts from the step that completed it.
        .values(stage=stage, last_seen_at=utcnow())
    )
    if stage == SessionStage.FULL:
        _signed_in(user)
    user.session_stage = stage
    db.session.flush()
    return stage


def check_second_factor(user: User, code: str) -> str | None:
    """The code step of a sign-in: 'totp' or 'recovery' and the session moves on, or
    None (counted towards the lockout; refused without a check while locked).

    SecondFactorUnreadable when the account's sealed secret does not open: the sign-in
    is refused and audited as such, not counted as a guess (the person may have typed
    the right code); only an administrator's reset of the second factor mends it."""
    try:
        method = None if is_locked(user) else second_factor.verify(user, code)
    except second_factor.SecondFactorUnreadable as exc:
        audit.record(
            "authn_login_fail",
            outcome="denied",
            target_type="user",
            target_id=user.id,
            detail={"reason": "second_factor_unreadable", "crypto": exc.reason},
        )
        # The account's id and the reason code only: never the code typed or the secret.
        current_app.logger.error(
            "second factor of user %s does not open (%s): sign-in refused", user.id, exc.reason
        )
        raise
    if method is None:
        audit.record(
            "authn_second_factor_fail", outcome="failure", target_type="user", target_id=user.id
        )
        if not is_locked(user):
            record_failed_sign_in(user)
        return None
    advance_session(user, SessionStage.SECOND_FACTOR)
    return method


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, user_agent: str = "", stage: SessionStage | None = None) -> str:
    """Record a new server-side session and return its secret token for the cookie.

    The session starts at the first stage the user still needs after the password
    (`next_stage`) unless `stage` says otherwise; only a FULL session reaches data."""
    token = secrets.token_urlsafe(32)
    stage = stage or next_stage(user)
    db.session.add(
        UserSession(
            user_id=user.id, token_hash=_token_hash(token), user_agent=user_agent[:200], stage=stage
        )
    )
    user.last_login_at = utcnow()
    user.session_token = token
    user.session_stage = stage
    if stage == SessionStage.FULL:
        _signed_in(user)
    else:
        audit.record(
            "authn_password_accepted",
            target_type="user",
            target_id=user.id,
            actor=user,
            detail={"next": str(stage)},
        )
    db.session.flush()
    return token


def load_session(token: str) -> User | None:
    """The user of a live session, or None if it is unknown, revoked, idle or too old."""
    if not token:
        return None
    record = db.session.execute(
        # The session and its user in one statement: this runs on every request.
        select(UserSession)
        .where(UserSession.token_hash == _token_hash(token))
        .options(joinedload(UserSession.user))
    ).scalar_one_or_none()
    if record is None or not _is_live(record):
        return None
    now = utcnow()
    user = record.user
    if not user.is_active_account:
        return None
    # Touch a full session at most once a minute: a write per request would serialise
    # every reader. A partial one is touched on each request: it lives a few minutes,
    # and a minute's slack would cut off someone still typing their code.
    if record.stage != SessionStage.FULL or now - record.last_seen_at > timedelta(minutes=1):
        record.last_seen_at = now
    user.session_token = token
    user.session_stage = record.stage
    return user


def _is_live(record: UserSession, now: datetime | None = None) -> bool:
    if record.revoked_at is not None:
        return False
    now = now or utcnow()
    cfg = current_app.config
    # A session that gave only the password (or must still change it or set up a
    # second factor) reaches no data, but a left-open sign-in on a shared office
    # computer must not wait half an hour for the next person: it has its own short
    # idle time.
    partial = record.stage != SessionStage.FULL
    idle = timedelta(
        minutes=cfg["SESSION_PARTIAL_IDLE_MINUTES" if partial else "SESSION_IDLE_MINUTES"]
    )
    absolute = timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"])
    return now - record.last_seen_at <= idle and now - record.created_at <= absolute


def end_session(token: str | None, user: User | None) -> None:
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _token_hash(token))
            .values(revoked_at=utcnow())
        )
    if user is not None:
        audit.record("session_logout", target_type="user", target_id=user.id, actor=user)


def revoke_sessions(user: User, *, keep_token: str | None = None) -> int:
    """Revoke every live session of `user` (except `keep_token`). Returns how many."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_token:
        query = query.where(UserSession.token_hash != _token_hash(keep_token))
    result = db.session.execute(query.values(revoked_at=utcnow()))
    return result.rowcount or 0


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that would still be let in (not ended, idle or too old),
    newest first."""
    records = db.session.execute(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.created_at.desc())
    ).scalars()
    now = utcnow()
    return [r for r in records if _is_live(r, now)]


def is_current_session(user: User, record: UserSession) -> bool:
    return bool(user.session_token) and record.token_hash == _token_hash(user.session_token)


def end_own_session(user: User, session_id: uuid.UUID) -> bool:
    """End one of the user's own sessions (another device, or this one). False when
    there is no such live session of theirs: another user's session is never touched."""
    ended = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    ).rowcount
    if ended:
        audit.record("session_ended", target_type="user_session", target_id=session_id, actor=user)
    db.session.flush()
    return bool(ended)


def confirm_password(user: User, password: str) -> bool:
    """Re-authentication before a change to how the account signs in. A wrong password
    is audited and counts towards the lockout, like one on the sign-in page."""
    if not is_locked(user):
        try:
            _hasher().verify(user.password_hash, password or "")
            return True
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            record_failed_sign_in(user)
    audit.record("authn_reauth_fail", outcome="failure", target_type="user", target_id=user.id)
    return False


def change_own_password(user: User, current: str, new: str) -> None:
    try:
        _hasher().verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        audit.record(
            "authn_password_change_fail", outcome="failure", target_type="user", target_id=user.id
        )
        raise AccountError(_l("The current password is not right.")) from None
    if new == current:
        raise AccountError(_l("The new password must differ from the current one."))
    check_password_policy(new, username=user.username, full_name=user.full_name)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    ended = revoke_sessions(user, keep_token=user.session_token)
    if user.session_stage == SessionStage.PASSWORD_CHANGE:
        advance_session(user, SessionStage.PASSWORD_CHANGE)
    audit.record(
        "authn_password_change",
        target_type="user",
        target_id=user.id,
        detail={"other_sessions_ended": ended},
    )
    db.session.flush()


@dataclass
class UserInput:
    username: str
    full_name: str
    email: str | None
    role: Role
    organisation_id: uuid.UUID
    locale: str | None = None


def _check_role_fits_org(role: Role, organisation_id: uuid.UUID) -> Organisation:
    org = db.session.get(Organisation, organisation_id)
    if org is None or not org.is_active:
        raise AccountError(_l("Choose an active organisation."))
    if org.org_type not in ROLE_ORG_TYPES[role]:
        raise AccountError(
            _l(
                "A %(role)s cannot belong to an organisation of type %(type)s.",
                role=role.label,
                type=org.org_type.label,
            )
        )
    return org


def create_user(
    data: UserInput, password: str | None = None, *, by: User | None = None
) -> tuple[User, str | None]:
    """Create an account. Without a password, a random one is made and must be changed.

    `by` is the member of staff acting (None: an operator on the server). Returns the
    user and the temporary password to hand over once (None if given).
    """
    username = normalise_username(data.username)
    if get_user_by_username(username) is not None:
        raise AccountError(_l("This username is already taken."))
    _check_may_give(by, data.role, data.organisation_id)
    _check_role_fits_org(data.role, data.organisation_id)
    temporary = None
    if password is None:
        temporary = password = generate_temporary_password()
    else:
        check_password_policy(password, username=username, full_name=data.full_name)
    user = User(
        username=username,
        full_name=data.full_name.strip(),
        email=data.email or None,
        role=data.role,
        organisation_id=data.organisation_id,
        locale=data.locale,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        must_change_password=temporary is not None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user_created",
        target_type="user",
        target_id=user.id,
        detail={"role": str(user.role), "organisation_id": user.organisation_id},
    )
    return user, temporary


def _check_may_give(by: User | None, role: Role, organisation_id: uuid.UUID) -> None:
    if role not in policy.creatable_roles(by):
        raise AccountError(_l("You cannot give the role %(role)s.", role=role.label))
    if by is not None and organisation_id not in {
        o.id for o in policy.assignable_organisations(by)
    }:
        raise AccountError(_l("Choose an active organisation."))


def update_user(user: User, data: UserInput, *, by: User | None = None) -> list[str]:
    """Apply an edit by `by` (None: an operator). Returns the names of the fields that
    changed. Role and organisation change only where policy.can_change_access allows."""
    if (data.role, data.organisation_id) != (user.role, user.organisation_id):
        if not policy.can_change_access(by, user):
            raise AccountError(_l("You cannot change the role or organisation of this account."))
        _check_may_give(by, data.role, data.organisation_id)
    _check_role_fits_org(data.role, data.organisation_id)
    changed = []
    for name, value in (
        ("full_name", data.full_name.strip()),
        ("email", data.email or None),
        ("role", data.role),
        ("organisation_id", data.organisation_id),
        ("locale", data.locale),
    ):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if {"role", "organisation_id"} & set(changed):
        # Permissions change at once (ASVS 8.3.2): the user signs in again under the new role.
        revoke_sessions(user)
    if changed:
        audit.record(
            "user_updated",
            target_type="user",
            target_id=user.id,
            detail={"fields": changed, "role": str(user.role)},
        )
    db.session.flush()
    return changed


def set_active(user: User, active: bool, by: User | None) -> None:
    if by is not None and user.id == by.id and not active:
        raise AccountError(_l("You cannot deactivate your own account."))
    allowed = policy.can_deactivate(by, user) if not active else policy.can_change_access(by, user)
    if not allowed:
        raise AccessRefused()
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        revoke_sessions(user)
    audit.record(
        "user_activated" if active else "user_deactivated", target_type="user", target_id=user.id
    )
    db.session.flush()


def generate_temporary_password() -> str:
    """96 random bits: never on the common list, always within the length rule."""
    return "-".join(secrets.token_hex(3) for _ in range(4))


def reset_password(user: User, *, by: User | None = None) -> str:
    """Start a reset; the actor never chooses the password (ASVS 6.4.6). Refused where
    knowing the temporary password would open case data to the actor."""
    if not policy.can_change_access(by, user):
        raise AccessRefused()
    temporary = generate_temporary_password()
    user.password_hash = hash_password(temporary)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    revoke_sessions(user)
    audit.record("authn_password_reset", target_type="user", target_id=user.id)
    db.session.flush()
    return temporary


def list_users(
    actor: User | None = None,
    *,
    search: str = "",
    role: Role | None = None,
    active: bool | None = None,
) -> list[User]:
    """Accounts `actor` may manage (every account for the operator, actor None)."""
    query = (select(User) if actor is None else policy.visible_users(actor)).order_by(User.username)
    if search:
        pattern = f"%{search.strip().casefold()}%"
        query = query.where(
            (User.username.like(pattern)) | (func.lower(User.full_name).like(pattern))
        )
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.is_active_account == active)
    return list(db.session.execute(query).scalars())


def count_users(actor: User, active: bool = True) -> int:
    query = policy.visible_users(actor).where(User.is_active_account == active)
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def set_language(user: User, lang: str) -> None:
    """The user's interface language, kept across sessions and devices."""
    user.locale = lang
    db.session.flush()


# Most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("YaBrowser", "Yandex Browser"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """The browser and system in plain words ("Firefox on Windows"), from the user agent
    the session started with; what cannot be told is said so."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return str(_l("%(browser)s on %(system)s", browser=browser, system=system))
    if browser or system:
        return browser or system
    return str(_l("Unknown device"))


# --- the signed-in user across the request's commits ------------------------------------
#
# A view commits its unit of work before it renders, and the commit expires every loaded
# object: the signed-in user and the organisation in the page's header would be read
# again by the first `current_user.role` or `is_authenticated` of the page (one more
# statement on nearly every page). Their columns as this transaction committed them are
# put back instead. The request was let in, and decided, on this user as loaded; the
# next request loads the session and the user afresh.


def _signed_in_user(session: Session) -> User | None:
    if not has_request_context():
        return None
    user = g.get("_login_user")
    if type(user) is not User:
        return None
    state = sa_inspect(user)
    return user if state.session is session and state.persistent else None


def _columns_of(obj) -> dict:
    loaded = sa_inspect(obj).dict
    return {key: loaded[key] for key in _column_keys(type(obj)) if key in loaded}


@event.listens_for(Session, "after_commit")
def _remember_signed_in_user(session: Session) -> None:
    user = _signed_in_user(session)
    if user is None:
        return
    kept = [(user, _columns_of(user))]
    organisation = sa_inspect(user).dict.get("organisation")
    if organisation is not None and sa_inspect(organisation).persistent:
        kept.append((organisation, _columns_of(organisation)))
        kept[0][1]["organisation"] = organisation
    session.info["signed_in_user"] = kept


@event.listens_for(Session, "after_transaction_end")
def _restore_signed_in_user(session: Session, transaction) -> None:
    for obj, values in session.info.pop("signed_in_user", ()):
        state = sa_inspect(obj)
        if state.session is not session or not state.persistent:
            continue
        for key, value in values.items():
            if key in state.expired_attributes or key not in state.dict:
                set_committed_value(obj, key, value)


@cache
def _column_keys(model) -> tuple[str, ...]:
    return tuple(attr.key for attr in sa_inspect(model).column_attrs)
