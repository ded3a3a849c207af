"""Every page a signed-in user reaches from their home page fits a 360 px phone screen:
nothing scrolls sideways, in any of the three languages (Kyrgyz words are the longest)."""

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.no_db

WIDTH = 360
# Who signs in with a password alone (the others need a second factor: their journeys
# belong with the second-factor tests).
USERS = ["caseworker", "police", "committee"]
# The innermost elements that reach past the screen's right edge: what to fix.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + " " + Math.round(e.getBoundingClientRect().right))"""
SKIP = ("/logout", "/export", ".csv", ".xlsx", "/print", "/slip", "/download")


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    seen = []
    for href in hrefs:
        url = href.split("#")[0]
        if urlsplit(url).netloc != urlsplit(base).netloc or any(s in url for s in SKIP):
            continue
        if url not in seen:
            seen.append(url)
    return seen


# Kyrgyz (the longest words) for every user; Russian and English for the caseworker.
CASES = [(u, "ky") for u in USERS] + [("caseworker", "ru"), ("caseworker", "en")]


@pytest.mark.parametrize(("username", "lang"), CASES)
def test_no_page_scrolls_sideways_at_360_px(page, live_url, username, lang):
    sign_in(page, live_url, username)
    page.goto(f"{live_url}/?lang={lang}")
    to_visit = _links(page, live_url)[:25]
    wide = {}
    for url in to_visit:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            wide[urlsplit(url).path] = (width, page.evaluate(WIDEST))
    print(f"[360px] {username} ({lang}): {len(to_visit)} pages, {len(wide)} wider than {WIDTH}")
    assert len(to_visit) >= 5
    for path, (width, culprits) in wide.items():
        print(f"  {path}: {width} px, {culprits}")
    assert wide == {}
