"""The public finder in a real browser on a phone-sized screen: a survivor reaches it in
one tap from the sign-in page, searches, and after "Quick exit" Back does not show it."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.no_db

CONTRAST = (Path(__file__).parent / "contrast.js").read_text()


def _search(page, need_index: int) -> None:
    page.select_option("#where", index=1)
    page.locator(".needs input[type=radio]").nth(need_index).check()
    page.locator(".finder-form button[type=submit]").click()
    page.locator("section[aria-live] h2").wait_for()


def test_back_after_quick_exit_lands_before_the_finder(page, live_url):
    page.goto(f"{live_url}/login?lang=en")
    page.get_by_role("link", name="Looking for help? Find services near you").click()
    page.wait_for_url("**/find/**")
    entries = page.evaluate("history.length")
    _search(page, 0)
    _search(page, 1)
    page.locator(".public-lang button", has_text="Русский").click()
    page.get_by_role("heading", name="Найдите помощь рядом с вами").wait_for()
    assert page.evaluate("history.length") == entries
    assert page.locator("section[aria-live] h2").count() == 1

    page.locator("#quick-exit").click()
    page.wait_for_url("https://www.google.com/**")
    page.go_back()
    assert "/login" in page.url
    assert page.locator("#where").count() == 0


def test_results_language_buttons_are_readable_and_nothing_scrolls_sideways(page, live_url):
    page.goto(f"{live_url}/find/?lang=ky")
    _search(page, 0)
    ratios = [b.evaluate(CONTRAST) for b in page.locator(".public-lang button").all()]
    print(f"[a11y] finder language buttons: contrast {min(ratios):.2f}:1 at least")
    assert len(ratios) == 3
    assert min(ratios) >= 4.5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_finder_sets_no_cookie(page, live_url):
    page.goto(f"{live_url}/find/?lang=en")
    _search(page, 0)
    assert page.context.cookies() == []
