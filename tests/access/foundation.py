"""Foundation endpoints: sign-in, account, language, user administration, audit."""

from tests.access.matrix import (
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    REDIRECT,
    ROLES,
    Entry,
    everyone,
    only,
)

PUBLIC_GET = {role: OK for role in ROLES}


def _user_url(suffix: str = ""):
    return lambda w: f"/admin/users/{w.users['caseworker'].id}{suffix}"


ENTRIES = [
    Entry("auth.login", "/login", {**{r: REDIRECT for r in ROLES}, "anonymous": OK}),
    Entry("auth.logout", "/logout", everyone(REDIRECT, method="POST"), method="POST"),
    Entry(
        "auth.set_language",
        "/language",
        {r: REDIRECT for r in ROLES},
        method="POST",
        data={"lang": "ky", "next": "/"},
    ),
    Entry("auth.change_password", "/account/password", everyone(OK)),
    Entry("home.index", "/", everyone(OK)),
    Entry("users.index", "/admin/users/", only({"admin": OK})),
    Entry("users.new", "/admin/users/new", only({"admin": OK})),
    Entry("users.edit", _user_url(), only({"admin": OK}), scope="existing"),
    Entry(
        "users.edit",
        "/admin/users/00000000-0000-0000-0000-000000000000",
        only({"admin": NOT_FOUND}),
        scope="missing",
    ),
    Entry("users.edit", "/admin/users/not-a-uuid", only({"admin": NOT_FOUND}), scope="malformed"),
    Entry(
        "users.deactivate",
        _user_url("/deactivate"),
        only({"admin": REDIRECT}, method="POST"),
        method="POST",
        scope="existing",
    ),
    Entry(
        "users.activate",
        _user_url("/activate"),
        only({"admin": REDIRECT}, method="POST"),
        method="POST",
        scope="existing",
    ),
    Entry(
        "users.reset_password",
        _user_url("/reset-password"),
        only({"admin": OK}, method="POST"),
        method="POST",
        scope="existing",
    ),
    Entry("audit.index", "/audit/", only({"auditor": OK, "admin": OK})),
    Entry("audit.verify", "/audit/verify", only({"auditor": OK})),
]

assert LOGIN and FORBIDDEN  # re-exported names used by the tables above
