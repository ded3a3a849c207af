"""Staff screens: an admin builds a rayon's directory from nothing; providers edit their own
entry; bad input keeps what was typed; confidential addresses stay hidden."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.directory.models import Location, Organisation, Service, ServiceType
from referral.extensions import db
from tests import factories
from tests.directory.conftest import HIDDEN_SITE, NARYN_RAYON, READERS, SEES_CONFIDENTIAL


def _actions():
    return [e.action for e in db.session.execute(select(AuditEvent)).scalars()]


def test_admin_builds_a_rayon_directory_from_nothing(login_as, kg):
    admin = login_as("admin")
    naryn = kg(NARYN_RAYON)
    r = admin.post(
        "/directory/locations/new",
        {
            "code": "41704245800001",
            "level": "aiyl_aimak",
            "parent_id": str(naryn.id),
            "name_ky": "Ортосу",
            "name_ru": "Орто-Суу",
            "name_en": "Orto-Suu",
            "former_names": "",
        },
    )
    assert r.status_code == 302
    aimak = db.session.execute(
        select(Location).where(Location.code == "41704245800001")
    ).scalar_one()
    r = admin.post(
        "/directory/organisations/new",
        {
            "name_ru": "Нарынский кризисный центр",
            "name_en": "Naryn Crisis Centre",
            "org_type": "crisis_centre",
            "legal_status": "ngo",
            "location_id": str(naryn.id),
            "website": "https://example.kg",
            "phones-0-number": "+996 3522 50000",
            "phones-0-phone_type": "voice",
        },
    )
    assert r.status_code == 302
    org = db.session.execute(
        select(Organisation).where(Organisation.name_en == "Naryn Crisis Centre")
    ).scalar_one()
    r = admin.post(
        f"/directory/organisations/{org.id}/sites/new",
        {"name_en": "Office", "location_id": str(aimak.id), "address": "5 Lenin St"},
    )
    assert r.status_code == 302
    r = admin.post(
        f"/directory/organisations/{org.id}/services/new",
        {
            "service_type": "crisis_centre",
            "name_ru": "Консультации",
            "name_en": "Counselling",
            "status": "active",
            "eligible_sex": "female",
            "area_ids": [str(naryn.id)],
            "language_codes": ["ky", "ru"],
            "hours_rows-0-days": ["MO", "TU", "WE", "TH", "FR"],
            "hours_rows-0-opens_at": "09:00",
            "hours_rows-0-closes_at": "18:00",
            "hours_rows-1-days": ["SA"],
            "hours_rows-1-opens_at": "10:00",
            "hours_rows-1-closes_at": "14:00",
            "hours_rows-2-opens_at": "",
            "accepts_referrals": "y",
            "is_free": "y",
        },
    )
    assert r.status_code == 302
    page = admin.get(f"/directory/organisations/{org.id}").get_data(as_text=True)
    assert "Counselling" in page
    assert "Mon-Fri 09:00–18:00" in page
    assert "Sat 10:00–14:00" in page
    assert "5 Lenin St" in page
    assert "+996 3522 50000" in page
    listed = admin.get(f"/directory/?location={naryn.id}").get_data(as_text=True)
    assert "Counselling" in listed
    assert {
        "directory_location_created",
        "directory_organisation_created",
        "directory_site_created",
        "directory_service_created",
    } <= set(_actions())


def test_bad_input_keeps_what_was_typed_and_says_why(login_as, kg):
    admin = login_as("admin")
    org = factories.OrganisationFactory()
    r = admin.post(
        f"/directory/organisations/{org.id}/services/new",
        {
            "service_type": "crisis_centre",
            "name_ru": "Телефон доверия района",
            "status": "active",
            "eligible_sex": "any",
            "hours_rows-0-opens_at": "09:00",
            "minimum_age": "200",
        },
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Телефон доверия района" in page
    assert "Between 0 and 120." in page
    assert "Tick the days these hours apply to." in page
    r = admin.post(
        f"/directory/organisations/{org.id}/services/new",
        {
            "service_type": "crisis_centre",
            "name_ru": "Телефон доверия района",
            "status": "active",
            "eligible_sex": "any",
            "hours_rows-0-days": ["MO"],
            "hours_rows-0-opens_at": "18:00",
            "hours_rows-0-closes_at": "09:00",
            "is_nationwide": "y",
        },
    )
    assert r.status_code == 422
    assert "The closing time is not after the opening time." in r.get_data(as_text=True)
    assert db.session.execute(select(Service)).first() is None


def test_provider_edits_own_entry_but_not_its_type(login_as):
    org = factories.OrganisationFactory(org_type="police", location=factories.LocationFactory())
    provider = login_as(factories.UserFactory(role=Role.PROVIDER, organisation=org))
    page = provider.get(f"/directory/organisations/{org.id}/edit").get_data(as_text=True)
    assert 'name="org_type"' not in page
    r = provider.post(
        f"/directory/organisations/{org.id}/edit",
        {
            "name_ru": "Новое имя",
            "org_type": "shelter",
            "location_id": str(org.location_id),
            "phones-0-number": "102",
            "phones-0-phone_type": "voice",
        },
    )
    assert r.status_code == 302
    org = db.session.get(Organisation, org.id)
    assert org.name_ru == "Новое имя"
    assert org.org_type.value == "police"
    assert [p.number for p in org.phones] == ["102"]


def test_provider_confirms_own_service_is_still_correct(login_as):
    svc = factories.ServiceFactory(service_type=ServiceType.POLICE_INTERNAL_AFFAIRS)
    provider = login_as(factories.UserFactory(role=Role.PROVIDER, organisation=svc.organisation))
    assert provider.post(f"/directory/services/{svc.id}/verify").status_code == 302
    assert db.session.get(Service, svc.id).verified_at is not None


def _found(page: str) -> set[str]:
    """Which parts of the confidential site stand in the page."""
    return {part for part, text in HIDDEN_SITE.items() if text in page}


def _pathway_with_the_shelter(shelter) -> str:
    step = factories.PathwayStepFactory(service_type=ServiceType.SHELTER_SAFE_ACCOMMODATION)
    factories.PathwayStepProviderFactory(step=step, organisation=shelter["org"])
    return str(step.version.pathway_id)


def test_every_page_shows_a_confidential_site_only_to_its_organisation_and_admins(
    login_as, shelter, reader
):
    """Each page that shows premises, for every kind of reader: the shelter's own staff
    and administrators see the site's name, place, street and postal code; anyone else sees
    none of them (nor the rayon), only that the address is withheld, and cannot open the
    forms. The ordinary office stays visible to all."""
    org, site, svc = shelter["org"], shelter["site"], shelter["service"]
    pathway_id = _pathway_with_the_shelter(shelter)
    whole = {"name", "place", "street", "postal code"}
    refused = {403, 404}  # 403: the role may not edit at all; 404: not this entry
    # page, url, what its own staff and admins see there (at least: the forms' location
    # pickers list every place), what the others get
    pages = [
        ("organisation", f"/directory/organisations/{org.id}", whole, {200}),
        ("service form", f"/directory/services/{svc.id}/edit", {"name"}, refused),
        ("premises form", f"/directory/sites/{site.id}/edit", whole, refused),
        ("new service form", f"/directory/organisations/{org.id}/services/new", {"name"}, refused),
        # Pages that show no premises, and must keep it so: home panels, the pathway
        # (it names the shelter as a provider, never its premises) and its print page.
        ("home", "/", set(), {200}),
        ("pathway", f"/committees/pathways/{pathway_id}", set(), {200}),
        ("pathway print", f"/committees/pathways/{pathway_id}/print", set(), {200}),
    ]
    problems = []
    for kind in READERS:
        browser = login_as(reader(kind))
        for name, url, seen_by_own, others_status in pages:
            response = browser.get(url)
            page = response.get_data(as_text=True)
            found = _found(page)
            if kind in SEES_CONFIDENTIAL:
                if response.status_code != 200 or not seen_by_own <= found:
                    problems.append(f"{kind} on {name}: {response.status_code}, saw {found}")
                continue
            if response.status_code not in others_status or found:
                problems.append(f"{kind} on {name}: {response.status_code}, saw {found}")
            if name == "organisation" and not (
                "Address withheld for safety" in page
                and "Open Office" in page
                and "1 Open Street" in page
            ):
                problems.append(f"{kind} on {name}: no withheld notice or no ordinary office")
    assert not problems, "\n".join(problems)


def test_location_filter_does_not_reveal_where_a_confidential_site_is(login_as, shelter, reader):
    """A shelter's service is found by its confidential site's village (or that village's
    rayon) only by those who may see the site; the service list itself is open to all."""
    entry_link = f'href="/directory/organisations/{shelter["org"].id}"'
    problems = []
    for kind in READERS:
        browser = login_as(reader(kind))
        if "Night refuge" not in browser.get("/directory/").get_data(as_text=True):
            problems.append(f"{kind}: the service is missing from the unfiltered list")
        for where in ("village", "rayon"):
            url = f"/directory/?location={shelter[where].id}"
            listed = "Night refuge" in browser.get(url).get_data(as_text=True)
            if listed is not (kind in SEES_CONFIDENTIAL):
                problems.append(f"{kind}: filtering by the {where} lists the service: {listed}")
            orgs = browser.get(f"/directory/organisations?location={shelter[where].id}")
            if entry_link in orgs.get_data(as_text=True):
                problems.append(f"{kind}: filtering organisations by the {where} lists it")
    assert not problems, "\n".join(problems)


def test_admin_deactivates_an_organisation(login_as):
    org = factories.OrganisationFactory()
    admin = login_as("admin")
    assert admin.post(f"/directory/organisations/{org.id}/deactivate").status_code == 302
    assert not db.session.get(Organisation, org.id).is_active
    assert "directory_organisation_deactivated" in _actions()


def test_stale_filter_and_admin_panel(login_as):
    old = factories.ServiceFactory(name_en="Never checked")
    admin = login_as("admin")
    assert "Never checked" in admin.get("/directory/?stale=1").get_data(as_text=True)
    home = admin.get("/").get_data(as_text=True)
    assert "Services not verified for 12 months" in home
    assert old.verified_at is None


def test_provider_home_shows_own_entry_panel(login_as):
    provider = login_as("provider")
    assert "Your organisation" in provider.get("/").get_data(as_text=True)


def test_renamed_rayon_shows_its_former_name(login_as, kg):
    admin = login_as("admin")
    assert "Kara-Buura" in admin.get("/directory/locations").get_data(as_text=True)


def test_an_organisation_with_the_phone_12_and_no_location_is_refused_with_both_reasons(login_as):
    admin = login_as("admin")
    r = admin.post(
        "/directory/organisations/new?lang=ky",
        {
            "name_ru": "Центр",
            "org_type": "crisis_centre",
            "phones-0-number": "12",
            "phones-0-phone_type": "voice",
        },
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Бул телефон номерин колдонууга болбойт" in page
    assert "Уюм кайсы жерде экенин тандаңыз" in page
    assert (
        db.session.execute(select(Organisation).where(Organisation.name_ru == "Центр")).first()
        is None
    )


def test_the_service_list_comes_in_pages_that_keep_the_filters(login_as):
    org = factories.OrganisationFactory(org_type="police")
    for n in range(53):
        factories.ServiceFactory(organisation=org, name_en=f"Desk {n:02d}")
    admin = login_as("admin")
    first = admin.get("/directory/?lang=en&q=Desk").get_data(as_text=True)
    second = admin.get("/directory/?lang=en&q=Desk&page=2").get_data(as_text=True)
    beyond = admin.get("/directory/?lang=en&q=Desk&page=99")
    assert first.count(">Desk ") == 50
    assert second.count(">Desk ") == 3
    assert "Page 1 of 2" in first
    assert "page=2" in first
    assert "q=Desk" in first
    assert beyond.status_code == 200
    assert "Page 2 of 2" in beyond.get_data(as_text=True)
    assert admin.get("/directory/?page=abc").status_code == 200


def test_the_count_of_services_to_verify_matches_the_list(login_as):
    from referral.directory import service as directory

    for verified in (None, date.today() - timedelta(days=400), date.today()):
        factories.ServiceFactory(verified_at=verified)
    listed = directory.list_services(stale=True)
    assert directory.count_stale_services() == len(listed)
    assert len(listed) >= 2


def test_opening_hours_need_no_syntax_and_come_back_as_rows_in_the_readers_language(login_as):
    svc = factories.ServiceFactory()
    admin = login_as("admin")
    form = admin.get(f"/directory/services/{svc.id}/edit?lang=ru").get_data(as_text=True)
    assert 'name="hours_rows-0-days"' in form
    assert "Пн" in form
    data = {
        "service_type": svc.service_type.value,
        "name_ru": "Приём",
        "status": "active",
        "eligible_sex": "any",
        "is_nationwide": "y",
        "hours_rows-0-days": ["MO", "WE", "FR"],
        "hours_rows-0-opens_at": "08:30",
        "hours_rows-0-closes_at": "12:00",
    }
    assert admin.post(f"/directory/services/{svc.id}/edit", data).status_code == 302
    again = admin.get(f"/directory/services/{svc.id}/edit?lang=en").get_data(as_text=True)
    assert 'value="08:30"' in again
    assert re.search(r'value="WE"[^>]*checked|checked[^>]*value="WE"', again)
    assert not re.search(r'value="TU"[^>]*checked|checked[^>]*value="TU"', again)
