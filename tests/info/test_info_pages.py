"""Know-your-rights pages: public without a cookie and with the quick exit, in three
languages, escaped, and marked unreviewed until an administrator records a lawyer's review;
a changed text is unreviewed again."""

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.extensions import db
from referral.info import service
from referral.info.models import InfoPage


@pytest.fixture
def pages(app):
    # The migration ships the starter pages; `flask info seed` then adds nothing.
    assert [p.slug for p in service.list_pages()][:2] == ["protection-order", "police"]
    assert service.seed_starter_pages() == 0
    return service.list_pages()


def _form(page: InfoPage, **changes) -> dict:
    data = {name: getattr(page, name) for name in ("slug", "sources", *service.TEXT_FIELDS)}
    data["position"] = str(page.position)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ky", "Коргоо ордери деген эмне"),
        ("ru", "Что такое охранный ордер"),
        ("en", "What a protection order is"),
    ],
)
def test_public_pages_in_each_language_set_no_cookie_and_show_the_quick_exit(
    browser, pages, lang, expected
):
    urls = (f"/find/rights/?lang={lang}", f"/find/rights/protection-order?lang={lang}")
    for url in (*urls, "/find/rights/police"):
        response = browser.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        text = response.get_data(as_text=True)
        assert 'id="quick-exit"' in text
        assert "csrf_token" not in text
    page = browser.get(urls[1]).get_data(as_text=True)
    assert expected in page
    assert "No. 63" in page  # the source is named
    assert "<li>" in page  # the "- " lines are a list
    finder = browser.get(f"/find/?lang={lang}").get_data(as_text=True)
    assert f"/find/rights/?lang={lang}" in finder


def test_unknown_page_is_404(browser, pages):
    assert browser.get("/find/rights/no-such-page").status_code == 404


def test_review_flow_and_editing_resets_the_review(app, pages, login_as):
    admin = login_as(Role.ADMIN)
    page = service.get_by_slug("police")
    public = admin.get("/find/rights/police?lang=en").get_data(as_text=True)
    assert "Not yet reviewed by a lawyer." in public

    refused = admin.post("/info/police/review", {"reviewer": ""})
    assert refused.status_code == 422
    assert admin.post("/info/police/review", {"reviewer": "A. Lawyer"}).status_code == 302
    public = admin.get("/find/rights/police?lang=en").get_data(as_text=True)
    assert "Reviewed by A. Lawyer on" in public
    assert "Not yet reviewed" not in public

    # Saving the same text keeps the review; a changed body does not.
    assert admin.post("/info/police/edit", _form(page)).status_code == 302
    assert service.get_by_slug("police").is_reviewed
    changed = _form(page, body_en=page.body_en + "\n\nA new paragraph.")
    saved = admin.post("/info/police/edit", changed, follow_redirects=True)
    assert "until a lawyer confirms the new text" in saved.get_data(as_text=True)
    page = service.get_by_slug("police")
    assert not page.is_reviewed
    assert page.version == 2
    assert "Not yet reviewed by a lawyer." in admin.get("/find/rights/police").get_data(
        as_text=True
    )
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == str(page.id))
    ).all()
    assert sorted(actions) == ["info_page_reviewed", "info_page_updated"]


def test_body_is_escaped_and_an_empty_language_falls_back_with_a_note(app, login_as, browser):
    admin = login_as(Role.ADMIN)
    data = {
        "slug": "test-page",
        "position": "9",
        "title_ky": "",
        "body_ky": "",
        "title_ru": "Заголовок",
        "body_ru": "<script>alert(1)</script>\n\n- один\n- два",
        "title_en": "",
        "body_en": "",
        "sources": "Bad | javascript:alert(1)",
    }
    assert admin.post("/info/new", data).status_code == 302
    page = browser.get("/find/rights/test-page?lang=ky").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<li>один</li>" in page
    assert "Бул барак сиздин тилиңизде али жазыла элек" in page
    assert 'href="javascript' not in page
    form = admin.get("/info/test-page/edit").get_data(as_text=True)
    assert "No text in Кыргызча" in form


def test_bad_input_is_422_and_keeps_what_was_typed(app, login_as, pages):
    admin = login_as(Role.ADMIN)
    data = {
        "slug": "police",
        "position": "1",
        "title_en": "Kept title",
        "body_en": "Kept",
        "title_ky": "",
        "body_ky": "",
        "title_ru": "",
        "body_ru": "",
        "sources": "",
    }
    response = admin.post("/info/new", data)
    assert response.status_code == 422
    assert "Kept title" in response.get_data(as_text=True)
    response = admin.post("/info/new", {**data, "slug": "Bad Slug!"})
    assert response.status_code == 422


def test_only_admins_edit(app, login_as, pages):
    for role in (
        Role.CASEWORKER,
        Role.SUPERVISOR,
        Role.PROVIDER,
        Role.COMMITTEE_MEMBER,
        Role.AUDITOR,
    ):
        user = login_as(role)
        assert user.get("/info/").status_code == 403
        assert user.post("/info/police/review", {"reviewer": "X"}).status_code == 403
    assert not service.get_by_slug("police").is_reviewed


def test_flask_info_seed_restores_a_missing_starter_page_and_keeps_local_edits(app, pages):
    db.session.delete(service.get_by_slug("police"))
    edited = service.get_by_slug("legal-aid")
    edited.title_en = "Edited locally"
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["info", "seed"])
    assert result.exit_code == 0, result.output
    assert "Added 1 information page(s)." in result.output
    restored = service.get_by_slug("police")
    assert restored.title_en == "What happens at the police"
    assert not restored.is_reviewed
    assert service.get_by_slug("legal-aid").title_en == "Edited locally"


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_every_edit_keeps_the_earlier_text_and_the_history_shows_what_changed(app, pages, login_as):
    admin = login_as(Role.ADMIN, full_name="Aizada Editor")
    page = service.get_by_slug("police")
    first_body = page.body_en
    assert "No earlier text" in admin.get("/info/police/history?lang=en").get_data(as_text=True)
    assert admin.post("/info/police/review", {"reviewer": "A. Lawyer"}).status_code == 302
    second = _form(page, body_en=first_body + "\n\nCall 112 first.")
    assert admin.post("/info/police/edit", second).status_code == 302
    third = _form(page, body_en=first_body + "\n\nCall 102 or 112 first.", title_ru="Новый")
    assert admin.post("/info/police/edit", third).status_code == 302

    history = admin.get("/info/police/history?lang=en").get_data(as_text=True)
    assert "Version 3 (shown now)" in history
    assert 'href="/info/police/history/1"' in history
    assert 'href="/info/police/history/2"' in history
    # Version 1 had the lawyer's review; the texts after it have not.
    row_1 = history[history.index('id="version-1"') :]
    assert "Reviewed by A. Lawyer" in row_1[: row_1.index("</tr>")]

    # Version 2's page: its own text, and what the edit to version 3 changed.
    kept = admin.get("/info/police/history/2?lang=en").get_data(as_text=True)
    assert "Call 112 first." in kept
    assert "What changed in version 3" in kept
    assert "Removed: </span>Call 112 first.</del>" in kept
    assert "Added: </span>Call 102 or 112 first.</ins>" in kept
    assert "Title in Russian" in kept  # the other field the edit changed
    assert "Aizada Editor" in _main(kept)  # who wrote version 2
    version_1 = admin.get("/info/police/history/1?lang=en").get_data(as_text=True)
    assert "Added: </span>Call 112 first.</ins>" in version_1
    assert first_body.splitlines()[0] in version_1
    assert "Aizada Editor" not in _main(version_1)  # the shipped text: no user wrote it

    assert admin.get("/info/police/history/3").status_code == 404  # shown now, not kept
    assert admin.get("/info/police/history/9").status_code == 404
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.target_id == str(page.id), AuditEvent.action == "info_page_updated"
        )
    ).all()
    assert sorted(d["kept"] for d in details) == [1, 2]
    for role in (Role.CASEWORKER, Role.COMMITTEE_MEMBER, Role.AUDITOR):
        assert login_as(role).get("/info/police/history").status_code == 403
