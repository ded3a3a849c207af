"""The public finder: no login, no cookie, only active entries, never a shelter address,
in the visitor's language, with a quick exit that works without JavaScript."""

import pytest

from referral.directory.models import ServiceStatus, ServiceType
from tests import factories
from tests.directory.conftest import CHUY, NARYN_RAYON, SOKULUK


@pytest.fixture
def sokuluk_directory(kg):
    police = factories.ServiceFactory(
        service_type=ServiceType.POLICE_INTERNAL_AFFAIRS,
        name_en="Sokuluk police",
        name_ru="Сокулукский РОВД",
        is_nationwide=False,
        is_24h=True,
    )
    factories.ServiceAreaFactory(service_id=police.id, location=kg(SOKULUK))
    crisis = factories.ServiceFactory(
        service_type=ServiceType.CRISIS_CENTRE, name_en="Chüy crisis centre", is_nationwide=False
    )
    factories.ServiceAreaFactory(service_id=crisis.id, location=kg(CHUY))  # the whole oblast
    factories.PhoneFactory(
        organisation_id=crisis.organisation_id, service_id=crisis.id, number="0312 555 111"
    )
    shelter_org = factories.OrganisationFactory(org_type="shelter")
    shelter = factories.ServiceFactory(
        organisation=shelter_org,
        service_type=ServiceType.SHELTER_SAFE_ACCOMMODATION,
        name_en="Safe house",
        is_nationwide=False,
    )
    factories.ServiceAreaFactory(service_id=shelter.id, location=kg(CHUY))
    factories.SiteFactory(
        organisation=shelter_org,
        is_confidential=True,
        address="7 Hidden Lane",
        location=kg(SOKULUK),
    )
    closed = factories.ServiceFactory(
        service_type=ServiceType.POLICE_DISTRICT_INSPECTOR,
        name_en="Closed inspector",
        status=ServiceStatus.TEMPORARILY_CLOSED,
    )
    naryn = factories.ServiceFactory(
        service_type=ServiceType.POLICE_INTERNAL_AFFAIRS,
        name_en="Naryn police",
        is_nationwide=False,
    )
    factories.ServiceAreaFactory(service_id=naryn.id, location=kg(NARYN_RAYON))
    helpline = factories.ServiceFactory(service_type=ServiceType.HELPLINE, name_en="Line 117")
    factories.PhoneFactory(
        organisation_id=helpline.organisation_id, service_id=helpline.id, number="117"
    )
    court = factories.ServiceFactory(
        service_type=ServiceType.AKSAKAL_COURT, name_en="Aksakal court", accepts_referrals=False
    )
    return {"police": police, "closed": closed, "court": court}


def _find(browser, kg, need="", lang="en"):
    return browser.post(f"/find/?lang={lang}", {"where": kg(SOKULUK).id, "need": need}, csrf=False)


def test_visitor_finds_police_crisis_centre_and_helpline_for_their_rayon(
    browser, kg, sokuluk_directory
):
    page = _find(browser, kg, "danger").get_data(as_text=True)
    assert "Sokuluk police" in page
    assert "Open 24 hours" in page
    assert "Chüy crisis centre" in page
    assert "0312 555 111" in page
    assert "Line 117" in page
    assert 'href="tel:117"' in page
    assert "Naryn police" not in page  # another oblast
    assert "Closed inspector" not in page  # not active
    assert "Aksakal court" not in _find(browser, kg).get_data(as_text=True)


def test_shelter_address_never_shown_publicly(browser, kg, sokuluk_directory):
    page = _find(browser, kg, "shelter").get_data(as_text=True)
    assert "Safe house" in page
    assert "7 Hidden Lane" not in page
    assert "given by phone" in page


def test_finder_speaks_the_visitors_language(browser, kg, sokuluk_directory):
    page = _find(browser, kg, "danger", lang="ru").get_data(as_text=True)
    assert 'lang="ru"' in page
    assert "Сокулукский РОВД" in page
    # Switching to Kyrgyz keeps the search, posted again rather than put in a link.
    assert 'action="/find/?lang=ky"' in page
    assert f'name="where" value="{kg(SOKULUK).id}"' in page


@pytest.mark.parametrize("url", ["/find/", "/find/?where=nonsense&need=x", "/find/?lang=ky"])
def test_public_pages_set_no_cookie_and_need_no_login(browser, kg, url):
    response = browser.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert "csrf_token" not in page
    assert 'id="quick-exit"' in page
    assert 'href="https://' in page
    assert "js/quick-exit.js" in page
    assert "<script>" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_results_page_sets_no_cookie_either(browser, kg, sokuluk_directory):
    response = _find(browser, kg, "medical")
    assert "Set-Cookie" not in response.headers


def test_what_the_visitor_chose_never_stands_in_a_url(browser, kg, sokuluk_directory):
    page = browser.get("/find/?lang=en").get_data(as_text=True)
    assert '<form method="post"' in page
    results = _find(browser, kg, "danger").get_data(as_text=True)
    assert "need=danger" not in results
    assert f"where={kg(SOKULUK).id}" not in results
    # An old-style link with the choice in its query string shows no results.
    linked = browser.get(f"/find/?where={kg(SOKULUK).id}&need=danger").get_data(as_text=True)
    assert "Sokuluk police" not in linked


def test_quick_exit_script_replaces_the_history_entry(app):
    script = app.static_folder + "/js/quick-exit.js"
    with open(script, encoding="utf-8") as handle:
        text = handle.read()
    assert "location.replace" in text


def test_every_need_is_offered_in_plain_words(browser):
    page = browser.get("/find/?lang=en").get_data(as_text=True)
    for words in (
        "I am in danger now",
        "Medical help",
        "Someone to talk to",
        "Legal advice",
        "A safe place to stay",
        "Help for a child",
    ):
        assert words in page


def test_the_finders_script_gets_the_results_without_the_page_again(browser, kg, sokuluk_directory):
    """After a search the script asks for the results only: the place's services and the
    language buttons that keep them, not the page, its form and its list of places a
    second time. Without the script the whole page comes, as before."""
    form = {"where": str(kg(SOKULUK).id), "need": ""}
    whole = browser.post("/find/?lang=ky", data=form)
    part = browser.post("/find/?lang=ky", data=form, headers={"X-Finder": "results"})
    assert whole.status_code == part.status_code == 200
    html = part.get_data(as_text=True)
    assert "data-results" in html
    assert 'class="public-lang"' in html
    assert f'name="where" value="{kg(SOKULUK).id}"' in html  # the language buttons
    assert "<select" not in html
    assert "<html" not in html
    assert "X-Finder" in part.headers.get("Vary", "")
    assert len(part.get_data()) < len(whole.get_data()) / 2
    assert "Set-Cookie" not in part.headers
    # A visitor's choice that finds nothing to show falls back to the whole page.
    empty = browser.post("/find/?lang=ky", data={"where": ""}, headers={"X-Finder": "results"})
    assert "<select" in empty.get_data(as_text=True)
