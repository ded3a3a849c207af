"""HSDS 3.0 exchange: round trip, confidential addresses, all-or-nothing import."""

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import delete, select, update

from referral.audit.models import AuditEvent
from referral.directory import exchange, service
from referral.directory.exchange import hsds
from referral.directory.hours import parse_hours
from referral.directory.models import (
    Organisation,
    OrganisationType,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceLanguage,
    ServiceType,
    Site,
)
from referral.extensions import db
from tests import factories
from tests.directory.conftest import CHUY, SOKULUK


@pytest.fixture
def directory(kg):
    ministry = factories.OrganisationFactory(org_type=OrganisationType.SOCIAL_PROTECTION)
    org = service.create_organisation(
        service.OrganisationInput(
            name_ky="Кризистик борбор",
            name_ru="Кризисный центр",
            name_en="Crisis centre",
            org_type=OrganisationType.CRISIS_CENTRE,
            parent_id=ministry.id,
            location_id=kg(SOKULUK).id,
            website="https://crisis.example.kg",
            phones=[service.PhoneInput("+996 312 000111", description="reception")],
        )
    )
    office = service.create_site(
        org, service.SiteInput("", "Офис", "Office", kg(SOKULUK).id, "5 Lenin St", "720000")
    )
    service.create_site(
        org,
        service.SiteInput(
            "", "", "Shelter house", kg(SOKULUK).id, "7 Hidden Lane", "", is_confidential=True
        ),
    )
    svc = service.create_service(
        org,
        service.ServiceInput(
            service_type=ServiceType.CRISIS_CENTRE,
            name_ky="Кеңеш",
            name_ru="Консультации",
            name_en="Counselling",
            minimum_age=14,
            area_ids=[kg(CHUY).id],
            language_codes=["ky", "ru"],
            hours=parse_hours("Mo-Fr 09:00-18:00; Sa 10:00-14:00"),
            site_ids=[office.id],
            phones=[service.PhoneInput("1234", description="hotline")],
        ),
    )
    svc.verified_at, svc.verified_by = date(2026, 5, 1), "admin@example.kg"
    helpline = factories.ServiceFactory(
        organisation=ministry, service_type=ServiceType.HELPLINE, name_en="111", is_24h=True
    )
    db.session.flush()
    return {"org": org, "service": svc, "helpline": helpline}


def _empty_directory():
    for model in (Phone, Schedule, ServiceLanguage, ServiceArea, ServiceAtSite, Service, Site):
        db.session.execute(delete(model))
    db.session.execute(update(Organisation).values(parent_id=None))
    db.session.execute(delete(Organisation))
    db.session.expunge_all()


@pytest.mark.parametrize("fmt", ["json", "zip"])
def test_round_trip_into_an_empty_database_gives_identical_export(directory, fmt):
    first = exchange.export(fmt)
    _empty_directory()
    assert db.session.execute(select(Service)).first() is None
    result = exchange.import_file(f"directory.{fmt}", first)
    assert result.ok, result.problems
    db.session.expire_all()
    assert exchange.export(fmt) == first
    org = db.session.get(Organisation, directory["org"].id)
    assert org.name_ky == "Кризистик борбор"
    assert org.parent_id is not None


def test_json_is_hsds_shaped_and_withholds_confidential_addresses(directory):
    document = json.loads(exchange.export("json"))
    assert document["total_items"] == 2
    org = next(o for o in document["contents"] if o["id"] == str(directory["org"].id))
    svc = org["services"][0]
    assert svc["status"] == "active"
    assert svc["minimum_age"] == 14
    assert svc["assured_date"] == "2026-05-01"
    assert {s["byday"] for s in svc["schedules"]} == {"MO,TU,WE,TH,FR", "SA"}
    assert [a["uri"] for a in svc["service_areas"]] == [f"urn:coate:{CHUY}"]
    service_type = next(a for a in svc["attributes"] if a["link_type"] == "service_type")
    assert service_type["taxonomy_term"]["taxonomy_id"] == hsds.TAXONOMY_ID
    assert service_type["taxonomy_term"]["code"] == "crisis_centre"
    kinds = sorted(loc["location_type"] for loc in org["locations"])
    assert kinds == ["physical", "virtual"]
    virtual = next(loc for loc in org["locations"] if loc["location_type"] == "virtual")
    assert virtual["addresses"] == []
    assert "external_identifier" not in virtual
    text = exchange.export("json").decode()
    assert "7 Hidden Lane" not in text
    assert "Shelter house" not in text
    assert "5 Lenin St" in text


def test_csv_package_has_every_table_and_no_confidential_address(directory):
    archive = zipfile.ZipFile(io.BytesIO(exchange.export("zip")))
    names = set(archive.namelist())
    assert {
        "datapackage.json",
        "organizations.csv",
        "services.csv",
        "locations.csv",
        "service_at_location.csv",
        "phones.csv",
        "schedules.csv",
        "languages.csv",
        "service_areas.csv",
        "addresses.csv",
    } <= names
    everything = b"".join(archive.read(n) for n in names).decode()
    assert "7 Hidden Lane" not in everything
    package = json.loads(archive.read("datapackage.json"))
    assert package["profile"] == "tabular-data-package"


def test_import_of_a_confidential_location_keeps_the_address_we_hold(directory):
    data = exchange.export("json")
    assert exchange.import_file("d.json", data).ok
    site = db.session.execute(select(Site).where(Site.is_confidential)).scalar_one()
    assert site.address == "7 Hidden Lane"


def test_bad_rows_are_all_reported_and_nothing_changes(directory):
    tables = hsds.export_tables()
    tables["services"][0]["status"] = "open"
    tables["services"][0]["minimum_age"] = "many"
    tables["phones"][0]["number"] = "call me"
    tables["service_areas"][0]["uri"] = "urn:coate:99999999999999"
    tables["organizations"][0]["kg_name_en"] = "Renamed"  # valid: changes only with the rest
    before = exchange.export("json")
    result = exchange.import_file("d.zip", hsds.to_zip(tables))
    assert not result.ok
    found = {(p.table, p.field) for p in result.problems}
    assert {
        ("services", "minimum_age"),
        ("phones", "number"),
        ("service_areas", "uri"),
    } <= found
    assert all(p.row >= 1 and p.message for p in result.problems)
    db.session.expire_all()
    assert exchange.export("json") == before


def test_unreadable_file_is_refused():
    with pytest.raises(ValueError):
        exchange.import_file("x.zip", b"PK not really a zip")
    with pytest.raises(ValueError):
        exchange.import_file("x.json", json.dumps([1, 2]).encode())


def test_export_and_import_are_audited(directory):
    data = exchange.export("json")
    exchange.import_file("d.json", data)
    actions = [e.action for e in db.session.execute(select(AuditEvent)).scalars()]
    assert "hsds_export" in actions
    assert "hsds_import" in actions


def test_admin_uploads_a_bad_file_and_sees_each_problem(login_as, directory):
    tables = hsds.export_tables()
    tables["services"][0]["kg_service_type"] = "magic"
    admin = login_as("admin")
    response = admin.post(
        "/directory/exchange/import",
        {"file": (io.BytesIO(hsds.to_json(tables)), "directory.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing was imported" in page
    assert "kg_service_type" in page


def test_admin_downloads_the_export(login_as, directory):
    admin = login_as("admin")
    response = admin.get("/directory/exchange/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    ids = {o["id"] for o in json.loads(response.data)["contents"]}
    assert str(directory["org"].id) in ids  # with the admin's own organisation
