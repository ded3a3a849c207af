"""Know-your-rights pages: public to everyone (no sign-in); their editing, the record of
a lawyer's review and the history of the texts are for administrators only. The starter
page "police" is shipped by the migration."""

from __future__ import annotations

from tests.access.matrix import NOT_FOUND, OK, REDIRECT, ROLES, Entry, only

NEW_PAGE = {
    "slug": "matrix-page",
    "position": "1",
    "title_en": "A page",
    "body_en": "Some text.",
    "title_ky": "",
    "body_ky": "",
    "title_ru": "",
    "body_ru": "",
    "sources": "",
}

ENTRIES = [
    Entry("rights.index", "/find/rights/", dict.fromkeys(ROLES, OK)),
    Entry("rights.page", "/find/rights/police", dict.fromkeys(ROLES, OK), scope="existing"),
    Entry("rights.page", "/find/rights/missing", dict.fromkeys(ROLES, NOT_FOUND), scope="missing"),
    Entry("info.pages", "/info/", only({"admin": OK})),
    Entry("info.new", "/info/new", only({"admin": OK})),
    Entry(
        "info.new",
        "/info/new",
        only({"admin": REDIRECT}, method="POST"),
        method="POST",
        data=NEW_PAGE,
    ),
    Entry("info.edit", "/info/police/edit", only({"admin": OK}), scope="existing"),
    Entry("info.edit", "/info/missing/edit", only({"admin": NOT_FOUND}), scope="missing"),
    Entry(
        "info.edit",
        "/info/police/edit",
        only({"admin": 422}, method="POST"),  # no slug: the form asks for one
        method="POST",
        scope="existing",
    ),
    Entry(
        "info.review",
        "/info/police/review",
        only({"admin": REDIRECT}, method="POST"),
        method="POST",
        scope="existing",
        data={"reviewer": "A. Lawyer"},
    ),
    Entry(
        "info.review",
        "/info/missing/review",
        only({"admin": NOT_FOUND}, method="POST"),
        method="POST",
        scope="missing",
        data={"reviewer": "A. Lawyer"},
    ),
    Entry("info.history", "/info/police/history", only({"admin": OK}), scope="existing"),
    Entry("info.history", "/info/missing/history", only({"admin": NOT_FOUND}), scope="missing"),
    # The starter page has never been edited: no earlier text to show.
    Entry("info.version", "/info/police/history/1", only({"admin": NOT_FOUND}), scope="missing"),
]
