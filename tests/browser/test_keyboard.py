"""The caseworker's first steps with the keyboard alone (Tab, Enter, Space, arrows): sign
in, open a case, record consent. Every element that takes the focus shows it, and the
errors of a refused form are announced and tied to their fields."""

from __future__ import annotations

import pytest

from referral.demo.service import DEMO_PASSWORD

pytestmark = pytest.mark.no_db

FOCUS_SHOWN = """() => {
  const s = getComputedStyle(document.activeElement);
  return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
}"""


class Keys:
    def __init__(self, page):
        self.page = page
        self.unseen: list[str] = []  # focused elements that showed no focus

    def tab_to(self, selector: str, limit: int = 120) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            # Past the last element the focus leaves the page (the body): nothing to show.
            if not self.page.evaluate("document.activeElement === document.body") and not (
                self.page.evaluate(FOCUS_SHOWN)
            ):
                self.unseen.append(self.page.evaluate("document.activeElement.outerHTML")[:80])
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def enter(self, selector: str) -> None:
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def choose(self, selector: str, downs: int = 1) -> None:
        """A closed select takes arrow keys: no list to open, nothing to click."""
        self.tab_to(selector)
        for _ in range(downs):
            self.page.keyboard.press("ArrowDown")


def test_a_caseworker_signs_in_opens_a_case_and_records_consent_by_keyboard(page, live_url):
    keys = Keys(page)
    page.goto(f"{live_url}/login?lang=ru")
    keys.type_into("input[name=username]", "caseworker")
    keys.type_into("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url

    keys.enter("a[href='/cases/new']")
    # Sent empty: the errors are announced and each names the field it belongs to.
    keys.enter("main form button[type=submit]")
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 1
    for field in invalid.all():
        described = (field.get_attribute("aria-describedby") or "").split()
        alerts = [i for i in described if page.locator(f"[id='{i}'][role=alert]").count()]
        assert alerts, field.get_attribute("name")
    page.locator("[aria-invalid=true]").first.focus()

    page.goto(page.url)  # a fresh form: Tab order from the top again
    keys.type_into("#full_name", "Keyboard Survivor")
    keys.type_into("#estimated_age", "25")
    keys.choose("#sex")  # female
    keys.choose("#referral_source")  # on her own
    keys.enter("main form button[type=submit]")
    assert page.locator("main [aria-invalid=true]").count() == 0, page.locator(
        "main .error"
    ).all_inner_texts()
    case_url = page.url.split("#")[0]

    keys.enter("a[href$='/consent/new']")
    keys.choose("#kind")  # consent to services
    keys.choose("#decision")  # given
    keys.choose("#given_by")  # the survivor
    keys.choose("#method")  # verbal
    keys.tab_to("#mandatory_reporting_explained")
    page.keyboard.press("Space")
    assert page.is_checked("#mandatory_reporting_explained")
    keys.enter("main form button[type=submit]")
    assert page.url.startswith(case_url)
    assert page.locator("main [aria-invalid=true]").count() == 0
    assert page.locator("a[href$='/consent/services/withdraw']").count() == 1

    print(f"[a11y] keyboard journey: {len(keys.unseen)} focused elements without a visible focus")
    assert keys.unseen == [], keys.unseen
