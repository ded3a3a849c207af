"""Deny by default: every endpoint declares `@require(...)` or `@public`, checked here.

The check runs before every request, so a view that forgot its declaration is refused
rather than served; tests/test_url_map.py fails on any such view.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from referral.auth.models import SessionStage
from referral.auth.permissions import Permission

PUBLIC_ATTR = "__referral_public__"
REQUIRE_ATTR = "__referral_require__"
# Endpoints Flask itself registers; declared public here, in one place.
BUILTIN_PUBLIC = frozenset({"static"})

# A session part-way through signing in reaches its own stage's page, and signing out or
# changing the language; nothing else, whatever the role (no case, referral or
# statistics data, no POST anywhere else).
STAGE_PAGES: dict[SessionStage, str] = {
    SessionStage.SECOND_FACTOR: "auth.second_factor",
    SessionStage.PASSWORD_CHANGE: "auth.change_password",
    SessionStage.ENROLMENT: "auth.enrol",
}
ANY_STAGE = frozenset({"auth.logout", "auth.set_language"})


def require(*permissions: Permission) -> Callable:
    """The signed-in user's role must hold at least one of `permissions`."""
    if not permissions:
        raise ValueError("require() needs at least one permission")

    def mark(view: Callable) -> Callable:
        setattr(view, REQUIRE_ATTR, frozenset(permissions))
        return view

    return mark


def public(view: Callable) -> Callable:
    """Reachable without signing in. Such views must show no survivor data."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def declaration(app: Flask, endpoint: str) -> frozenset[Permission] | str | None:
    """'public', the permissions required, or None when the endpoint declares nothing."""
    if endpoint in BUILTIN_PUBLIC:
        return "public"
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    if getattr(view, PUBLIC_ATTR, False):
        return "public"
    return getattr(view, REQUIRE_ATTR, None)


def enforce_declared_access():
    """before_request hook: refuse undeclared endpoints, anonymous users, wrong roles."""
    endpoint = request.endpoint
    if endpoint is None:  # 404/405 routing errors: Flask answers them itself
        return None
    declared = declaration(current_app, endpoint)
    if declared == "public":
        return None
    if declared is None:
        current_app.logger.error("endpoint %s declares no permission; refused", endpoint)
        abort(403)
    if not current_user.is_authenticated:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    stage = current_user.session_stage
    if stage != SessionStage.FULL and endpoint not in ANY_STAGE:
        page = STAGE_PAGES.get(stage)
        if page is None:  # an unknown stage lets nothing through
            abort(403)
        if endpoint != page:
            if request.method in ("GET", "HEAD"):
                return redirect(url_for(page))
            abort(403)
    if not any(current_user.can(p) for p in declared):
        # Imported here: audit imports auth models, and auth is loaded first.
        from referral.audit import service as audit
        from referral.extensions import db

        audit.record("authz_fail", outcome="denied", detail={"endpoint": endpoint})
        db.session.commit()
        abort(403)
    return None
