"""Staff screens: an admin builds a rayon's directory from nothing; providers edit their own
entry; bad input keeps what was typed; confidential addresses stay hidden."""

from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.directory.models import Location, Organisation, Service, ServiceType
from referral.extensions import db
from tests import factories
from tests.directory.conftest import NARYN_RAYON


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
            "hours": "Mo-Fr 09:00-18:00",
            "accepts_referrals": "y",
            "is_free": "y",
        },
    )
    assert r.status_code == 302
    page = admin.get(f"/directory/organisations/{org.id}").get_data(as_text=True)
    assert "Counselling" in page and "5 Lenin St" in page and "+996 3522 50000" in page
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
            "hours": "weekdays nine to five",
            "minimum_age": "200",
        },
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Телефон доверия района" in page
    assert "Between 0 and 120." in page
    r = admin.post(
        f"/directory/organisations/{org.id}/services/new",
        {
            "service_type": "crisis_centre",
            "name_ru": "Телефон доверия района",
            "status": "active",
            "eligible_sex": "any",
            "hours": "weekdays nine to five",
            "is_nationwide": "y",
        },
    )
    assert r.status_code == 422
    assert "is not understood" in r.get_data(as_text=True)
    assert db.session.execute(select(Service)).first() is None


def test_provider_edits_own_entry_but_not_its_type(login_as):
    org = factories.OrganisationFactory(org_type="police")
    provider = login_as(factories.UserFactory(role=Role.PROVIDER, organisation=org))
    page = provider.get(f"/directory/organisations/{org.id}/edit").get_data(as_text=True)
    assert 'name="org_type"' not in page
    r = provider.post(
        f"/directory/organisations/{org.id}/edit",
        {
            "name_ru": "Новое имя",
            "org_type": "shelter",
            "phones-0-number": "102",
            "phones-0-phone_type": "voice",
        },
    )
    assert r.status_code == 302
    org = db.session.get(Organisation, org.id)
    assert org.name_ru == "Новое имя" and org.org_type.value == "police"
    assert [p.number for p in org.phones] == ["102"]


def test_provider_confirms_own_service_is_still_correct(login_as):
    svc = factories.ServiceFactory(service_type=ServiceType.POLICE_INTERNAL_AFFAIRS)
    provider = login_as(factories.UserFactory(role=Role.PROVIDER, organisation=svc.organisation))
    assert provider.post(f"/directory/services/{svc.id}/verify").status_code == 302
    assert db.session.get(Service, svc.id).verified_at is not None


def test_confidential_address_hidden_from_other_staff(login_as):
    site = factories.SiteFactory(is_confidential=True, address="7 Hidden Lane")
    caseworker = login_as("caseworker")
    page = caseworker.get(f"/directory/organisations/{site.organisation_id}").get_data(as_text=True)
    assert "7 Hidden Lane" not in page and "withheld" in page
    own = login_as(factories.UserFactory(role=Role.PROVIDER, organisation=site.organisation))
    assert "7 Hidden Lane" in own.get(f"/directory/organisations/{site.organisation_id}").get_data(
        as_text=True
    )


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
