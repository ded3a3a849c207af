"""Every role's day, through the UI only, in a real browser: the caseworker's case is the
one the police and the psychologist answer, the supervisor closes and the auditor traces.

In the suite the journeys run once, the language and screen size rotating across roles so
that ky, ru, en, 360x740 and 1280x800 are all covered; BROWSER_FULL=1 (`make
test-browser-full`) runs every journey in every language at both sizes. Selectors are
names, ids and addresses, never words, so one journey runs in any language. The database
is only read: for ids to choose from a list, and to read results back."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from itertools import product

import openpyxl
import pytest
from sqlalchemy import select

from tests.browser import checks
from tests.browser.checks import FIGURES, check, pdf_pages
from tests.browser.conftest import _LIVE, sign_in

pytestmark = pytest.mark.no_db

LANGS = ("ky", "ru", "en")
SIZES = ({"width": 360, "height": 740}, {"width": 1280, "height": 800})
ROLES = (
    "caseworker",
    "police",
    "psychologist",
    "feedback",
    "supervisor",
    "coordinator",
    "committee",
    "admin",
    "auditor",
    "visitor",
)
FULL = os.environ.get("BROWSER_FULL") == "1"
# (label, {role: (lang, size)}): all combinations, or one run rotating both.
if FULL:
    RUNS = [
        (f"{lang}-{size['width']}", dict.fromkeys(ROLES, (lang, size)))
        for lang, size in product(LANGS, SIZES)
    ]
else:
    RUNS = [
        (
            "rotating",
            {role: (LANGS[i % 3], SIZES[(i // 3) % 2]) for i, role in enumerate(ROLES)},
        )
    ]

# A name and phone of her own for each run: the same twice would (rightly) stop at the
# duplicate check.
SURVIVORS = iter(
    f"{first} {last}"
    for first, last in zip(
        ("Aigerim", "Begimai", "Cholpon", "Dinara", "Elnura", "Feruza", "Gulzat"),
        ("Asanova", "Bekova", "Chynybaeva", "Dzhumabaeva", "Esenova", "Fazylova", "Galieva"),
        strict=True,
    )
)
PHONES = iter(f"+99655512345{n}" for n in range(7))
NARRATIVE = "He pushed her against the door in the evening"


def _read(fn):
    from referral.extensions import db

    with _LIVE["app"].app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _org_of(username: str) -> str:
    from referral.auth.models import User

    return _read(
        lambda s: str(s.scalar(select(User.organisation_id).where(User.username == username)))
    )


def _location(code: str) -> str:
    from referral.directory.models.locations import Location

    return _read(lambda s: str(s.scalar(select(Location.id).where(Location.code == code))))


def _in_language(text_of, lang: str) -> str:
    from flask_babel import force_locale

    with _LIVE["app"].test_request_context(), force_locale(lang):
        return str(text_of())


class Journey:
    """One person's browser: a fresh context at the size, signed in, in the language."""

    def __init__(self, browser, base, username, lang, size):
        self.base, self.lang = base, lang
        self.context = browser.new_context(viewport=size)
        self.context.route("https://www.google.com/**", lambda r: r.fulfill(body="neutral"))
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.username = username

    def sign_in(self):
        sign_in(self.page, self.base, self.username)
        # The saved language of the account is the user's own choice: switch it here.
        self.page.locator(f"form.lang button[value={self.lang}]").click()
        self.page.wait_for_load_state()
        assert self.page.evaluate("document.documentElement.lang") == self.lang
        check(self.page, shot=f"{self.username}-home")
        return self

    def go(self, url, **kw):
        self.page.goto(url if url.startswith("http") else self.base + url)
        check(self.page, **kw)

    def click(self, selector, **kw):
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        check(self.page, **kw)

    def submit(self, form="main form[method=post]", **kw):
        self.click(f"{form} button[type=submit]", **kw)
        assert self.page.locator("main .error").count() == 0, self.page.locator(
            "main .error"
        ).all_inner_texts()

    def close(self):
        self.context.close()


def _caseworker(j: Journey, state: dict) -> None:
    p = j.page
    j.go("/cases/new")
    state["name"] = next(SURVIVORS)
    p.fill("#full_name", state["name"])
    p.fill("#estimated_age", "30")
    p.select_option("#sex", "female")
    p.select_option("#referral_source", "self")
    state["phone"] = next(PHONES)
    p.fill("#phone", state["phone"])
    # Oktyabr district of Bishkek, where the demo police and psychologist take referrals.
    p.select_option("#residence_location_id", _location("41711202000000"))
    p.fill("#note", "Intake note kept at the centre")
    j.submit(shot="case")
    state["case"] = p.url.split("#")[0]
    assert re.search(r"/cases/[0-9a-f-]{36}$", state["case"])
    # As the caseworker sees them: what the providers must not see is written the same.
    assert state["name"] in p.locator("main").inner_text()
    assert state["phone"] in p.locator("main").inner_text()

    j.click("a[href$='/consent/new']")
    p.select_option("#kind", "release")
    p.select_option("#decision", "given")
    p.select_option("#given_by", "survivor")
    p.select_option("#method", "verbal")
    p.check("#mandatory_reporting_explained")
    p.check("input[name=service_types][value=police_district_inspector]")
    p.check("input[name=service_types][value=psychologist_counselling]")
    j.submit()

    j.click("a[href$='/incidents/new']")
    today = date.today().isoformat()
    p.fill("#incident_date", today)
    p.fill("#report_date", today)
    for question in ("penetration", "sexual_contact", "forced_marriage", "denial", "psychological"):
        p.check(f"input[name=q_{question}][value=no]")
    p.check("input[name=q_physical_assault][value=yes]")
    p.select_option("#time_of_day", "evening_night")
    p.select_option("#place_type", "shared_home")
    p.select_option("#location_id", _location("41711202000000"))
    p.select_option("#perpetrator_count", "1")
    p.fill("#narrative", NARRATIVE)
    j.submit()

    j.click("a[href$='/risk/new']")
    p.check("input[name=factors][value=threats_to_kill]")
    p.select_option("#level", "high")
    # A high risk needs a safety plan.
    p.fill("#safety_concern", "He has threatened her")
    p.fill("#safety_warning_signs", "He drinks on Fridays")
    p.fill("#safety_where_to_go", "Her sister's house")
    p.fill("#safety_who_to_call", "102 and the centre")
    p.fill("#safety_items_prepared", "Passport copy")
    j.submit()

    # Both along the steps of the pathway where she lives (the national default in
    # Bishkek): the police her name and the incident type, not her phone; the
    # psychologist her age and needs, not her name.
    from referral.directory.models.services import ServiceType

    _along_step(j, state, ServiceType.POLICE_DISTRICT_INSPECTOR, _org_of("police"))
    _send(j, ["name", "incident_type"], "Please take her report")
    state["police"] = p.url
    _along_step(j, state, ServiceType.PSYCHOLOGIST_COUNSELLING, _org_of("psychologist"))
    _send(j, ["age", "psychosocial_needs"], "First session within three days")
    state["psych"] = p.url


def _along_step(j: Journey, state: dict, service_type, provider: str) -> None:
    """From the case page, the pathway's step of this service type, then the provider
    among those the step proposes."""
    p = j.page
    label = _in_language(lambda: service_type.label, j.lang)
    j.go(state["case"])
    step = p.locator("ol.pathway-steps > li").filter(has=p.locator("strong", has_text=label))
    j.click(f"ol.pathway-steps > li#{step.get_attribute('id')} a")
    j.click(f"a[href*='provider={provider}']")


def _send(j: Journey, items: list[str], summary: str) -> None:
    p = j.page
    p.select_option("#urgency", "urgent")
    for box in p.locator("input[name=shared_items]").all():
        box.set_checked(box.get_attribute("value") in items)
    p.fill("#summary", summary)
    j.submit("main form[method=post][action$='/new']")
    assert re.search(r"/referrals/[0-9a-f-]{36}$", p.url)


def _provider(j: Journey, state: dict, key: str, present: str | None, absent: list[str]):
    p = j.page
    j.go("/referrals/inbox", shot=f"{j.username}-inbox")
    referral_id = state[key].rsplit("/", 1)[1]
    j.click(f"main a[href$='/referrals/{referral_id}']", shot=f"{j.username}-referral")
    text = p.locator("main").inner_text()
    if present:
        assert present in text
    for value in absent:  # not shared: not on the page at all
        assert value not in p.content()
    for action in ("acknowledge", "accept"):
        form = f"main form[action$='/provider/{action}']"
        if p.locator(form).count():
            j.click(f"{form} button[type=submit]")
    p.fill("#service_given", f"Seen by {j.username}")
    p.fill("#outcome", f"Outcome from {j.username}")
    j.submit("main form[action$='/provider/feedback']")
    assert f"Outcome from {j.username}" in p.locator("main").inner_text()


def _feedback(j: Journey, state: dict) -> None:
    p = j.page
    for key, who in (("police", "police"), ("psych", "psychologist")):
        j.go(state[key])
        assert f"Outcome from {who}" in p.locator("main").inner_text()
    # The slip is printed for a provider without an account; any referral has one.
    j.go(state["police"] + "/slip")
    assert pdf_pages(p, "referral-slip") == 1
    j.go(state["case"] + "/print")
    pdf_pages(p, "case-summary")
    j.go(state["case"])
    j.click("a[href$='/closure/request']")
    p.select_option("#reason", "needs_met")
    for box in p.locator("input[name=checklist]").all():
        box.check()
    j.submit()


def _supervisor(j: Journey, state: dict) -> None:
    p = j.page
    j.go(state["case"])
    j.click("a[href$='/closure/review']", shot="closure-review")
    for radio in p.locator("main form[method=post] input[type=radio][value=approve]").all():
        radio.check()
    j.submit()
    from referral.cases.models import Case

    case_id = state["case"].rsplit("/", 1)[1]
    status = _read(lambda s: s.get(Case, __import__("uuid").UUID(case_id)).status.value)
    assert status == "closed"


def _coordinator(j: Journey, state: dict) -> None:
    p = j.page
    j.go("/")
    j.click("main a[href*='/committees/pathways/']")
    pathway = p.url.split("?")[0]
    j.click("main form[action$='/draft/start'] button[type=submit]", shot="pathway-draft")
    j.click("main form[action$='/draft/publish'] button[type=submit]")
    j.go(pathway)
    j.click("main a[href*='/print']")
    assert pdf_pages(p, "pathway") == 1


def _committee(j: Journey, state: dict) -> None:
    p = j.page
    j.go("/stats/", shot="statistics")
    p.select_option("#period", "last12")
    j.click("main form[method=get] button[type=submit]")
    # The demo's Sokuluk cases are above the publication threshold: figures, and the
    # link to take them away.
    assert p.locator("main table").count() >= 1
    with p.expect_download() as download:
        p.locator("main a[href*='export.xlsx']").first.click()
    with open(download.value.path(), "rb") as xlsx:
        book = openpyxl.load_workbook(io.BytesIO(xlsx.read()))
    # The workbook holds the page's figures: the six demo months, each published as 5.
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    assert cells.count(5) >= 6, cells
    j.click("main a[href$='/stats/monthly']", shot="monthly-report")
    pdf_pages(p, "monthly-report")


def _admin(j: Journey, state: dict) -> None:
    p = j.page
    sokuluk = _location("41708222000000")
    j.go("/directory/organisations/new")
    for lang in LANGS:
        p.fill(f"#name_{lang}", f"Journey Crisis Line {lang} {j.lang}")
    p.select_option("#org_type", "crisis_centre")
    p.select_option("#location_id", sokuluk)
    p.fill("#phones-0-number", "+996 312 000 111")
    j.submit()
    organisation = p.url.split("#")[0].rsplit("/", 1)[1]
    j.click("a[href$='/services/new']")
    p.select_option("#service_type", "helpline")
    for lang in LANGS:
        p.fill(f"#name_{lang}", f"Night line {lang}")
    p.check(f"input[name=area_ids][value='{sokuluk}']")
    p.check("#is_24h")
    p.check("input[name=language_codes][value=ky]")
    j.submit()
    j.go("/admin/users/new")
    p.fill("#username", f"line-{j.lang}-{p.viewport_size['width']}")
    p.fill("#full_name", "Journey Focal Point")
    p.fill("#email", f"line-{j.lang}-{p.viewport_size['width']}@example.org")
    p.select_option("#role", "provider")
    p.select_option("#organisation_id", organisation)
    j.submit(shot="user-created")
    from referral.auth.models import User

    username = f"line-{j.lang}-{p.viewport_size['width']}"
    org = _read(lambda s: s.scalar(select(User.organisation_id).where(User.username == username)))
    assert str(org) == organisation

    # A rights page changed: the earlier text is kept, and the history shows the change.
    j.go("/info/police/edit")
    added = f"Ask for the officer's name ({j.lang}, {p.viewport_size['width']} px)."
    p.fill("#body_en", p.input_value("#body_en") + "\n\n" + added)
    j.submit()
    j.click("main a[href$='/info/police/history']", shot="info-history")
    j.click("main a[href*='/info/police/history/']", shot="info-version")
    assert added in p.locator("main ins").last.inner_text()


def _auditor(j: Journey, state: dict) -> None:
    p = j.page
    case_id = state["case"].rsplit("/", 1)[1]
    j.go("/audit/")
    p.fill("#target", case_id)
    # Who opened it: the opening event of that case names the caseworker.
    opened = p.eval_on_selector_all(
        "#action option",
        "os => os.map(o => o.value).filter(v => /^(sensitive_create|case_opened)$/.test(v))",
    )
    if opened:
        p.select_option("#action", opened[0])
    j.click("main form[method=get] button[type=submit]", shot="audit-case")
    rows = p.locator("main tbody tr")
    assert rows.count() >= 1
    assert all(case_id[:8] in row.inner_text() for row in rows.all())
    assert "caseworker" in rows.first.inner_text().lower()
    j.go("/audit/verify")
    j.submit(shot="audit-verified")


def _visitor(j: Journey, state: dict) -> None:
    p = j.page
    j.go(f"/login?lang={j.lang}", public=True)
    j.click("a[href*='/find/']", public=True, shot="finder")
    p.select_option("#where", index=1)
    p.locator(".needs input[type=radio]").first.check()
    j.click(".finder-form button[type=submit]", public=True, shot="finder-results")
    p.locator("#quick-exit").click()
    p.wait_for_url("https://www.google.com/**")
    p.go_back()
    assert p.locator("#where").count() == 0


STEPS = {
    "caseworker": ("caseworker", _caseworker),
    "police": (
        "police",
        lambda j, s: _provider(j, s, "police", s["name"], [s["phone"], NARRATIVE]),
    ),
    "psychologist": (
        "psychologist",
        lambda j, s: _provider(j, s, "psych", None, [s["name"], s["phone"], NARRATIVE]),
    ),
    "feedback": ("caseworker", _feedback),
    "supervisor": ("supervisor", _supervisor),
    "coordinator": ("committee", _coordinator),
    "committee": ("committee", _committee),
    "admin": ("admin", _admin),
    "auditor": ("auditor", _auditor),
    "visitor": (None, _visitor),
}


@pytest.mark.parametrize("plan", [plan for _, plan in RUNS], ids=[label for label, _ in RUNS])
def test_every_role_does_its_day_through_the_ui(browser, live_url, plan):
    state: dict = {}
    for role in ROLES:
        username, step = STEPS[role]
        lang, size = plan[role]
        journey = Journey(browser, live_url, username, lang, size)
        try:
            if username:
                journey.sign_in()
            step(journey, state)
        finally:
            journey.close()
        print(f"[journey] {role}: {lang} at {size['width']}x{size['height']}")
    assert FIGURES.violations == {}
    assert FIGURES.wide == {}
    assert FIGURES.multiple == set()


def test_figures_of_the_journeys():
    """Printed at the end of the run (after the journeys in this module)."""
    if not FIGURES.pages:
        pytest.skip("no journey ran")
    for line in checks.report():
        print(line)
    assert FIGURES.heaviest.get("public", (0,))[0] < checks.PUBLIC_LIMIT
    assert FIGURES.heaviest.get("signed-in", (0,))[0] < checks.SIGNED_IN_LIMIT
