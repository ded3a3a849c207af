"""Foundation endpoints: sign-in, account, language, user administration, audit."""

from tests.access.matrix import (
    FORBIDDEN,
    NOT_FOUND,
    OK,
    REDIRECT,
    ROLES,
    Entry,
    everyone,
    only,
)

ENROLLED = ("supervisor", "admin", "auditor")
ENROL_OFFERED = ("caseworker", "provider", "committee_member")


def _session_url(owner: str):
    def url(world):
        from referral.auth import service

        service.start_session(world.users[owner])
        return f"/account/sessions/{service.live_sessions(world.users[owner])[0].id}/end"

    return url


def _user_url(target: str, suffix: str = ""):
    return lambda w: f"/admin/users/{w.users[target].id}{suffix}"


# Administrators manage every account, supervisors the case-role accounts of their own
# centre; an administrator may not reset or reactivate a case-role account (it would
# open case data to them), nor may a supervisor touch accounts outside their centre.
MANAGERS_GET = {"admin": OK, "supervisor": OK}
ENTRIES = [
    Entry("auth.login", "/login", {**{r: REDIRECT for r in ROLES}, "anonymous": OK}),
    Entry("auth.logout", "/logout", everyone(REDIRECT, method="POST"), method="POST"),
    Entry(
        "auth.set_language",
        "/language",
        everyone(REDIRECT, method="POST"),
        method="POST",
        data={"lang": "ky", "next": "/"},
    ),
    Entry("auth.change_password", "/account/password", everyone(OK)),
    Entry("auth.account", "/account", everyone(OK)),
    # A complete session has no code to give: sent on to its home page.
    Entry("auth.second_factor", "/login/code", everyone(REDIRECT)),
    # Roles that must have a second factor have one (enrolled): sent to the account page.
    Entry(
        "auth.enrol",
        "/account/second-factor",
        only({r: OK for r in ENROL_OFFERED} | {r: REDIRECT for r in ENROLLED}),
    ),
    Entry(
        "auth.new_recovery_codes",
        "/account/second-factor/recovery-codes",
        only({r: REDIRECT for r in ENROL_OFFERED} | {r: OK for r in ENROLLED}, method="POST"),
        method="POST",
    ),
    # Only one's own sessions: another user's session is not found, like a missing one.
    Entry(
        "auth.end_session",
        _session_url("other_caseworker"),
        everyone(NOT_FOUND, method="POST"),
        method="POST",
        scope="other_user",
    ),
    Entry(
        "auth.end_session",
        "/account/sessions/00000000-0000-0000-0000-000000000000/end",
        everyone(NOT_FOUND, method="POST"),
        method="POST",
        scope="missing",
    ),
    Entry("home.index", "/", everyone(OK)),
    Entry("users.index", "/admin/users/", only(MANAGERS_GET)),
    Entry("users.new", "/admin/users/new", only(MANAGERS_GET)),
    Entry("users.edit", _user_url("caseworker"), only(MANAGERS_GET), scope="caseworker"),
    Entry(
        "users.edit",
        _user_url("provider"),
        only({"admin": OK, "supervisor": NOT_FOUND}),
        scope="provider",
    ),
    Entry(
        "users.edit",
        "/admin/users/00000000-0000-0000-0000-000000000000",
        only({"admin": NOT_FOUND, "supervisor": NOT_FOUND}),
        scope="missing",
    ),
    Entry(
        "users.edit",
        "/admin/users/not-a-uuid",
        only({"admin": NOT_FOUND, "supervisor": NOT_FOUND}),
        scope="malformed",
    ),
    Entry(
        "users.deactivate",
        _user_url("caseworker", "/deactivate"),
        only({"admin": REDIRECT, "supervisor": REDIRECT}, method="POST"),
        method="POST",
        scope="caseworker",
    ),
    Entry(
        "users.deactivate",
        _user_url("provider", "/deactivate"),
        only({"admin": REDIRECT, "supervisor": NOT_FOUND}, method="POST"),
        method="POST",
        scope="provider",
    ),
    Entry(
        "users.activate",
        _user_url("caseworker", "/activate"),
        only({"admin": FORBIDDEN, "supervisor": REDIRECT}, method="POST"),
        method="POST",
        scope="caseworker",
    ),
    Entry(
        "users.activate",
        _user_url("provider", "/activate"),
        only({"admin": REDIRECT, "supervisor": NOT_FOUND}, method="POST"),
        method="POST",
        scope="provider",
    ),
    Entry(
        "users.reset_password",
        _user_url("caseworker", "/reset-password"),
        only({"admin": FORBIDDEN, "supervisor": OK}, method="POST"),
        method="POST",
        scope="caseworker",
    ),
    Entry(
        "users.reset_password",
        _user_url("provider", "/reset-password"),
        only({"admin": OK, "supervisor": NOT_FOUND}, method="POST"),
        method="POST",
        scope="provider",
    ),
    Entry(
        "users.reset_second_factor",
        _user_url("caseworker", "/reset-second-factor"),
        only({"admin": FORBIDDEN, "supervisor": REDIRECT}, method="POST"),
        method="POST",
        scope="caseworker",
    ),
    Entry(
        "users.reset_second_factor",
        _user_url("provider", "/reset-second-factor"),
        only({"admin": REDIRECT, "supervisor": NOT_FOUND}, method="POST"),
        method="POST",
        scope="provider",
    ),
    # Unlocking opens nothing (the password and code are still needed): whoever manages.
    Entry(
        "users.unlock",
        _user_url("caseworker", "/unlock"),
        only({"admin": REDIRECT, "supervisor": REDIRECT}, method="POST"),
        method="POST",
        scope="caseworker",
    ),
    Entry(
        "users.unlock",
        _user_url("provider", "/unlock"),
        only({"admin": REDIRECT, "supervisor": NOT_FOUND}, method="POST"),
        method="POST",
        scope="provider",
    ),
    Entry("audit.index", "/audit/", only({"auditor": OK, "admin": OK})),
    Entry("audit.verify", "/audit/verify", only({"auditor": OK})),
]
