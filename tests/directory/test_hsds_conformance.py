"""The export is valid HSDS 3.0 by the rules in hsds_spec (the compiled schemas with
`additionalProperties: false`), in JSON and in the CSV data package."""

import csv
import io
import json
import zipfile
from datetime import date

import pytest

from referral.directory import exchange, service
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from tests import factories
from tests.directory import hsds_spec
from tests.directory.conftest import BISHKEK, SOKULUK

TABLE_OBJECTS = {file: obj for obj, file in hsds_spec.RESOURCES.items()}


@pytest.fixture
def directory(kg):
    org = service.create_organisation(
        service.OrganisationInput(
            name_ky="Кризистик борбор",
            name_ru="Кризисный центр",
            name_en="",
            org_type=OrganisationType.CRISIS_CENTRE,
            location_id=kg(SOKULUK).id,
            phones=[service.PhoneInput("+996 312 000111")],  # no description
        )
    )
    office = service.create_site(
        org, service.SiteInput("", "Офис", "Office", kg(BISHKEK).id, "5 Chui Ave", "720001")
    )
    service.create_site(  # no postal code: cannot be a valid HSDS address
        org, service.SiteInput("", "", "Branch", kg(SOKULUK).id, "12 Main St", "")
    )
    service.create_site(
        org,
        service.SiteInput(
            "", "", "Shelter", kg(SOKULUK).id, "7 Hidden Lane", "720099", is_confidential=True
        ),
    )
    svc = service.create_service(
        org,
        service.ServiceInput(
            service_type=ServiceType.CRISIS_CENTRE,
            name_ky="",
            name_ru="Консультации",
            name_en="",
            is_nationwide=True,
            site_ids=[office.id],
            phones=[service.PhoneInput("1234")],
        ),
    )
    verifier = factories.UserFactory(username="aida", email=None)
    svc.verified_at, svc.verified_by = date(2026, 5, 1), verifier.username
    factories.ServiceFactory(organisation=org, minimum_age=None, maximum_age=None)
    db.session.flush()
    return org


def _objects(document):
    for org in document["contents"]:
        yield "organization", org


def test_every_exported_organization_validates_with_no_unknown_key(directory):
    document = json.loads(exchange.export("json"))
    assert document["contents"]
    for name, instance in _objects(document):
        assert hsds_spec.errors(name, instance) == []


def _keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def test_the_export_has_no_null_and_no_local_key(directory):
    text = exchange.export("json").decode()
    assert "null" not in text
    assert [k for k in _keys(json.loads(text)) if k.startswith("kg_")] == []


def test_assurer_email_is_never_a_username(directory):
    svc = next(
        s
        for org in json.loads(exchange.export("json"))["contents"]
        for s in org["services"]
        if s.get("assured_date")
    )
    assert "assurer_email" not in svc  # aida has no e-mail: nothing, not "aida"


def test_times_are_hours_minutes_seconds(kg):
    from referral.directory.hours import parse_hours

    org = factories.OrganisationFactory()
    service.create_service(
        org,
        service.ServiceInput(
            service_type=ServiceType.HELPLINE,
            name_ky="",
            name_ru="",
            name_en="Line",
            is_nationwide=True,
            hours=parse_hours("Mo-Fr 09:00-18:00"),
        ),
    )
    document = json.loads(exchange.export("json"))
    schedules = [s for o in document["contents"] for v in o["services"] for s in v["schedules"]]
    assert [(s["opens_at"], s["closes_at"]) for s in schedules] == [("09:00:00", "18:00:00")]


def test_an_address_is_exported_only_when_every_required_field_is_filled(directory):
    document = json.loads(exchange.export("json"))
    (org,) = [o for o in document["contents"] if o["id"] == str(directory.id)]
    addresses = [a for loc in org["locations"] for a in loc.get("addresses", [])]
    assert [
        (a["address_1"], a["city"], a["state_province"], a["postal_code"]) for a in addresses
    ] == [("5 Chui Ave", "Bishkek", "Bishkek", "720001")]


def _package(data: bytes):
    archive = zipfile.ZipFile(io.BytesIO(data))
    package = json.loads(archive.read("datapackage.json"))
    tables = {
        r["name"]: list(csv.DictReader(io.StringIO(archive.read(r["path"]).decode())))
        for r in package["resources"]
    }
    return package, tables


def test_csv_resources_are_named_and_filed_as_the_specification_does(directory):
    package, _tables = _package(exchange.export("zip"))
    assert {r["name"]: r["path"] for r in package["resources"]} == hsds_spec.RESOURCES


def test_every_csv_column_is_an_hsds_field_and_required_ones_are_never_empty(directory):
    _descriptor, tables = _package(exchange.export("zip"))
    for name, rows in tables.items():
        required, properties = hsds_spec.OBJECTS[name]
        for row in rows:
            assert set(row) <= set(properties), name
            assert [f for f in required if not row.get(f)] == [], (name, row["id"])


def test_confidential_location_is_virtual_without_identifier_or_address(directory):
    document = json.loads(exchange.export("json"))
    (org,) = [o for o in document["contents"] if o["id"] == str(directory.id)]
    virtual = [loc for loc in org["locations"] if loc["location_type"] == "virtual"]
    assert len(virtual) == 1
    assert (
        set(virtual[0])
        - {"id", "organization_id", "location_type", "name", "addresses", "attributes"}
        == set()
    )
    assert virtual[0]["addresses"] == []
    assert "Hidden" not in exchange.export("zip").decode("latin-1")


def test_the_demo_directory_exports_valid_hsds_and_reads_back_whole(session):
    from referral.directory import demo

    service.load_locations()
    demo.seed()
    data = exchange.export("json")
    document = json.loads(data)
    assert len(document["contents"]) > 10
    assert [e for org in document["contents"] for e in hsds_spec.errors("organization", org)] == []
    assert exchange.import_file("demo.json", data).ok
    db.session.expire_all()
    assert exchange.export("json") == data
