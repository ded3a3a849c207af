"""Sign-in, sign-out, own password and language; user administration."""

import uuid
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from referral.auth import policy, second_factor, service
from referral.auth.access import STAGE_PAGES, public, require
from referral.auth.forms import (
    LANGUAGE_CHOICES,
    ChangePasswordForm,
    CodeForm,
    EmptyForm,
    EnrolForm,
    LoginForm,
    UserForm,
)
from referral.auth.models import SessionStage, User
from referral.auth.permissions import Permission, Role
from referral.extensions import csrf, db, limiter

bp = Blueprint("auth", __name__)
users_bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: `next` must never send a user to another host, and a
    control character (a line break would split the Location header) is refused."""
    if target and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for("home.index")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _account_key() -> str:
    # The name as typed, folded: guesses at one account count together from any address.
    return "account:" + request.form.get("username", "").strip().casefold()[:64]


def _failed(response) -> bool:
    # Only failures count: twenty colleagues signing in from one office address at 9:00
    # are twenty successes, not an attack. A success redirects; a failure re-renders.
    return response.status_code != 302


def _user_key() -> str:
    # The code step and the password change: guesses count per account, from any address.
    return "user:" + str(getattr(current_user, "id", ""))


def _after_sign_in():
    """Where a session goes once a stage is passed: the next stage's page, or the page
    the user first asked for."""
    page = STAGE_PAGES.get(current_user.session_stage)
    if page is not None:
        return redirect(url_for(page))
    return redirect(_safe_next(session.pop("after_sign_in", None)))


def _same_origin() -> bool:
    """Whether a POST comes from one of our own pages, by the headers browsers set on
    every form submission (Sec-Fetch-Site, else Origin). The sign-in form is guarded by
    this instead of a session-bound CSRF token, so that opening the sign-in page (linked
    from the public finder) leaves no cookie on a shared phone. A request with neither
    header is not a browser tricked by another site: every browser that sends cookies
    along with a cross-site form also sends one of them."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == request.host_url.rstrip("/")
    return True


@bp.route("/login", methods=["GET", "POST"])
@public
@csrf.exempt  # guarded by _same_origin(): no cookie before there is something to keep
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return _after_sign_in()
    if (lang := request.args.get("lang")) in dict(LANGUAGE_CHOICES):
        session["lang"] = lang  # kept through sign-in for a user with no saved language
    if request.method == "POST" and not _same_origin():
        abort(400)
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.username.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the audit of the failed attempt and the lockout count
            # Shown by the page itself, not flashed: a flash would write the session.
            return render_template("auth/login.html", form=form, failed=service.SIGN_IN_FAILED), 200
        lang = session.get("lang")
        session.clear()  # a fresh session on sign-in: nothing survives from before
        service.start_session(user, request.headers.get("User-Agent", ""))
        db.session.commit()
        login_user(user)
        if lang and not user.locale:
            session["lang"] = lang
        session["after_sign_in"] = _safe_next(request.args.get("next"))
        return _after_sign_in()
    return render_template("auth/login.html", form=form)


# Shown when the account's sealed secret does not open: no code can be right, and no
# retry mends it. A recovery code is not sealed, so it still works.
SECOND_FACTOR_UNREADABLE = _l(
    "The second factor of this account cannot be checked: its stored key does not open. "
    "No code from the app can be accepted. Ask an administrator to reset your second "
    "factor, then set it up again. If you have a recovery code, you can type it instead."
)


@bp.route("/login/code", methods=["GET", "POST"], endpoint="second_factor")
@require(Permission.ACCOUNT)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_user_key, deduct_when=_failed)
def second_factor_code():
    if current_user.session_stage != SessionStage.SECOND_FACTOR:
        return _after_sign_in()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            method = service.check_second_factor(current_user, form.code.data)
        except second_factor.SecondFactorUnreadable:
            db.session.commit()  # the audit of the refusal; the session stays at this step
            return render_template(
                "auth/second_factor.html", form=form, unreadable=SECOND_FACTOR_UNREADABLE
            ), 200
        db.session.commit()  # the audit, the lockout count, or the session's new stage
        if method is None:
            flash(service.SIGN_IN_FAILED, "error")
            return render_template("auth/second_factor.html", form=form), 200
        if method == "recovery":
            flash(
                _(
                    "You used a recovery code; %(n)d are left. Set up your app again if "
                    "you lost it: ask whoever manages your account to reset it.",
                    n=second_factor.remaining_recovery_codes(current_user),
                ),
                "info",
            )
        return _after_sign_in()
    return render_template("auth/second_factor.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@require(Permission.ACCOUNT)
def enrol():
    if current_user.has_second_factor:
        flash(_("Your second factor is already set up."), "info")
        return redirect(url_for("auth.account"))
    form = EnrolForm()
    secret = second_factor.start_enrolment(current_user)
    db.session.commit()  # the pending secret: a reload shows the same QR code
    if form.validate_on_submit():
        if current_user.session_complete and not service.confirm_password(
            current_user, form.password.data
        ):
            db.session.commit()  # the audit and the lockout count stay
            form.password.errors.append(_("The current password is not right."))
            return render_template("auth/enrol.html", **_enrol_context(secret), form=form), 422
        codes = second_factor.confirm_enrolment(current_user, form.code.data)
        if codes is None:
            db.session.rollback()
            form.code.errors.append(_("This code is not right. Type the code the app shows now."))
            return render_template("auth/enrol.html", **_enrol_context(secret), form=form), 422
        if current_user.session_stage == SessionStage.ENROLMENT:
            service.advance_session(current_user, SessionStage.ENROLMENT)
        db.session.commit()
        # Shown once, in this response only: they are stored hashed.
        return render_template("auth/recovery_codes.html", codes=codes)
    return render_template("auth/enrol.html", **_enrol_context(secret), form=form)


def _enrol_context(secret: str) -> dict:
    uri = second_factor.provisioning_uri(current_user, secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"qr_svg": second_factor.qr_svg(uri), "secret": grouped}


@bp.post("/account/second-factor/recovery-codes")
@require(Permission.ACCOUNT)
def new_recovery_codes():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not current_user.has_second_factor:
        return redirect(url_for("auth.enrol"))
    codes = second_factor.new_recovery_codes(current_user)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.get("/account")
@require(Permission.ACCOUNT)
def account():
    sessions = [
        {
            "id": s.id,
            "device": service.describe_device(s.user_agent),
            "started": s.created_at,
            "last_seen": s.last_seen_at,
            "complete": s.stage == SessionStage.FULL,
            "current": service.is_current_session(current_user, s),
        }
        for s in service.live_sessions(current_user)
    ]
    return render_template(
        "auth/account.html",
        sessions=sessions,
        form=EmptyForm(),
        second_factor_required=second_factor.is_required(current_user),
        recovery_left=second_factor.remaining_recovery_codes(current_user)
        if current_user.has_second_factor
        else 0,
    )


@bp.post("/account/sessions/<uuid:session_id>/end")
@require(Permission.ACCOUNT)
def end_session(session_id: uuid.UUID):
    if not EmptyForm().validate_on_submit():
        abort(400)
    current = next(
        (
            s
            for s in service.live_sessions(current_user)
            if s.id == session_id and service.is_current_session(current_user, s)
        ),
        None,
    )
    if not service.end_own_session(current_user, session_id):
        abort(404)
    db.session.commit()
    if current is not None:
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That session has ended: the device is signed out."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/logout")
@require(Permission.ACCOUNT)
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    service.end_session(current_user.session_token, current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@require(Permission.ACCOUNT)
@limiter.limit(_account_limit, methods=["POST"], key_func=_user_key, deduct_when=_failed)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_own_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except service.AccountError as exc:
            db.session.commit()  # the audit of a failed attempt stays
            form.new_password.errors.append(exc.message)
            return render_template("auth/change_password.html", form=form), 422
        db.session.commit()
        flash(_("Your password has been changed. Other sessions were signed out."), "success")
        return _after_sign_in()
    return render_template("auth/change_password.html", form=form)


@bp.post("/language")
@require(Permission.ACCOUNT)
def set_language():
    # Before sign-in the language travels as ?lang= links (no form, so no cookie).
    form = EmptyForm()
    lang = request.form.get("lang", "")
    if not form.validate_on_submit() or lang not in dict(LANGUAGE_CHOICES):
        abort(400)
    service.set_language(current_user, lang)
    db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


# --- user administration -----------------------------------------------------------
# Administrators manage every account; supervisors the case-role accounts of their own
# crisis centre. What each may do to which account is referral.auth.policy.

MANAGE = (Permission.USERS_MANAGE, Permission.STAFF_MANAGE)


def _load_user(user_id: str) -> User:
    user = policy.get_user_for(current_user, user_id)
    if user is None:
        abort(404)
    return user


def _user_form(user: User | None = None, **kwargs) -> UserForm:
    form = UserForm(
        obj=user,
        roles=policy.creatable_roles(current_user),
        organisations=policy.assignable_organisations(current_user),
        **kwargs,
    )
    if user is not None and not policy.can_change_access(current_user, user):
        # Shown, not editable: what the account may reach is not this actor's to change.
        form.lock_access(user)
    return form


def _user_input(form: UserForm, user: User | None = None) -> service.UserInput:
    locked = user is not None and form.access_locked
    return service.UserInput(
        username=form.username.data,
        full_name=form.full_name.data,
        email=form.email.data,
        role=user.role if locked else Role(form.role.data),
        organisation_id=user.organisation_id if locked else uuid.UUID(form.organisation_id.data),
        locale=form.locale.data or None,
    )


@users_bp.get("/")
@require(*MANAGE)
def index():
    search = request.args.get("q", "")[:100]
    role = request.args.get("role")
    status = request.args.get("status", "active")
    active = {"active": True, "inactive": False}.get(status)
    users = service.list_users(
        current_user,
        search=search,
        role=Role(role) if role in Role._value2member_map_ else None,
        active=active,
    )
    return render_template(
        "admin/users.html",
        users=users,
        search=search,
        role=role,
        status=status,
        roles=list(Role),
        form=EmptyForm(),
    )


@users_bp.route("/new", methods=["GET", "POST"])
@require(*MANAGE)
def new():
    form = _user_form()
    if form.validate_on_submit():
        try:
            user, temporary = service.create_user(_user_input(form), by=current_user)
        except service.AccountError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("admin/user_form.html", form=form, user=None), 422
        db.session.commit()
        return render_template("admin/user_password.html", user=user, temporary=temporary)
    return render_template("admin/user_form.html", form=form, user=None)


@users_bp.route("/<user_id>", methods=["GET", "POST"])
@require(*MANAGE)
def edit(user_id: str):
    user = _load_user(user_id)
    form = _user_form(user)
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.organisation_id.data = str(user.organisation_id)
        form.role.data = user.role.value
        form.locale.data = user.locale or ""
    if form.validate_on_submit():
        form.username.data = user.username  # usernames are not renamed
        try:
            changed = service.update_user(user, _user_input(form, user), by=current_user)
        except service.AccountError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("admin/user_form.html", **_edit_context(form, user)), 422
        db.session.commit()
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template("admin/user_form.html", **_edit_context(form, user))


def _edit_context(form: UserForm, user: User) -> dict:
    return {
        "form": form,
        "user": user,
        "can_change_access": policy.can_change_access(current_user, user),
        "can_deactivate": policy.can_deactivate(current_user, user),
        "is_locked": service.is_locked(user),
        "can_unlock": policy.can_unlock(current_user, user),
    }


@users_bp.post("/<user_id>/deactivate")
@require(*MANAGE)
def deactivate(user_id: str):
    return _set_active(user_id, False)


@users_bp.post("/<user_id>/activate")
@require(*MANAGE)
def activate(user_id: str):
    return _set_active(user_id, True)


def _set_active(user_id: str, active: bool):
    user = _load_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.set_active(user, active, by=current_user)
    except service.AccessRefused:
        abort(403)
    except service.AccountError as exc:
        flash(exc.message, "error")
        return redirect(url_for("users.edit", user_id=user.id))
    db.session.commit()
    flash(
        _("The account is active.")
        if active
        else _("The account is deactivated and its sessions ended."),
        "success",
    )
    return redirect(url_for("users.edit", user_id=user.id))


@users_bp.post("/<user_id>/reset-password")
@require(*MANAGE)
def reset_password(user_id: str):
    user = _load_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        temporary = service.reset_password(user, by=current_user)
    except service.AccessRefused:
        abort(403)
    db.session.commit()
    return render_template("admin/user_password.html", user=user, temporary=temporary)


@users_bp.post("/<user_id>/reset-second-factor")
@require(*MANAGE)
def reset_second_factor(user_id: str):
    user = _load_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        second_factor.reset(user, by=current_user)
    except second_factor.SecondFactorRefused:
        abort(403)
    db.session.commit()
    flash(
        _("The second factor was removed and the account's sessions ended."),
        "success",
    )
    return redirect(url_for("users.edit", user_id=user.id))


@users_bp.post("/<user_id>/unlock")
@require(*MANAGE)
def unlock(user_id: str):
    user = _load_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.unlock_account(user, by=current_user)
    except service.AccessRefused:
        abort(403)
    db.session.commit()
    flash(_("The account can sign in again."), "success")
    return redirect(url_for("users.edit", user_id=user.id))
