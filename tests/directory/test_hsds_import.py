"""A plain HSDS 3.0 file from another system (no field of our profile) imports, with each
assumption and everything not stored reported; an empty instance imports our own export."""

import io
import json
import uuid

from sqlalchemy import delete, func, select, update

from referral.directory import exchange
from referral.directory.models import (
    LegalStatus,
    Location,
    Organisation,
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
from tests.directory.conftest import SOKULUK

ORG = "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a01"
SVC = "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a02"
LOC = "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a03"
PHONE = "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a04"


def _phone():
    return {"id": PHONE, "number": "+996 555 123456", "type": "voice"}


# Modelled on the specification's service example: a service with its organization, a
# site nested in service_at_location, the same phone under organization and service.
PLAIN_SERVICE = {
    "id": SVC,
    "name": "Legal counselling for women",
    "description": "Free advice on family law.",
    "status": "active",
    "fees_description": "free",
    "minimum_age": 16,
    "organization": {
        "id": ORG,
        "name": "Women's Rights Centre",
        "description": "A charity giving legal help.",
        "legal_status": "Registered charity",
        "phones": [_phone()],
        "contacts": [{"id": "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a09", "name": "A. Persona"}],
    },
    "phones": [_phone()],
    "languages": [
        {"id": "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a05", "name": "Karakalpak", "code": "kaa"}
    ],
    "schedules": [
        {
            "id": "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a06",
            "freq": "WEEKLY",
            "byday": "MO,WE",
            "opens_at": "10:00:00",
            "closes_at": "16:30:00",
        }
    ],
    "service_at_locations": [
        {
            "id": "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a07",
            "location": {
                "id": LOC,
                "location_type": "physical",
                "name": "Главный офис",
                "external_identifier": "10092008082",
                "external_identifier_type": "UPRN",
                "accessibility": [{"id": "0b5e7f0e-3f7d-4c39-9a0b-1d2c3e4f5a08"}],
            },
        }
    ],
}


def _import(document) -> exchange.ImportResult:
    return exchange.import_file("plain.json", json.dumps(document).encode())


def _notes(result):
    return {(n.table, n.field): n.message for n in result.notes}


def test_a_plain_service_document_imports_with_its_assumptions_reported(kg):
    result = _import(PLAIN_SERVICE)
    assert result.ok, result.problems
    org = db.session.get(Organisation, uuid.UUID(ORG))
    assert (org.name_en, org.name_ru) == ("Women's Rights Centre", "")
    assert org.legal_status == LegalStatus.NGO
    svc = db.session.get(Service, uuid.UUID(SVC))
    assert svc.service_type == ServiceType.OTHER
    assert svc.accepts_referrals is False
    assert [lang.code for lang in svc.languages] == ["kaa"]
    assert [(s.byday, str(s.opens_at), str(s.closes_at)) for s in svc.schedules] == [
        ("MO,WE", "10:00:00", "16:30:00")
    ]
    site = db.session.get(Site, uuid.UUID(LOC))
    assert (site.name_ru, site.name_en, site.location_id) == ("Главный офис", "", None)
    assert [link.site_id for link in svc.at_sites] == [site.id]
    notes = _notes(result)
    assert "English" in notes[("organizations", "name")]
    assert "Russian" in notes[("locations", "name")]
    assert "Other" in notes[("services", "kg_service_type")]
    assert "UPRN" in notes[("locations", "external_identifier")]
    assert ("contacts", "") in notes
    assert ("accessibility", "") in notes


def test_the_same_phone_nested_twice_is_one_phone_of_the_service(kg):
    assert _import(PLAIN_SERVICE).ok
    phones = db.session.execute(select(Phone)).scalars().all()
    assert [(str(p.id), str(p.service_id), str(p.organisation_id)) for p in phones] == [
        (PHONE, SVC, ORG)
    ]


def test_a_free_text_legal_status_is_accepted_and_an_unknown_one_reported(kg):
    document = json.loads(json.dumps(PLAIN_SERVICE))
    document["organization"]["legal_status"] = "Limited Company"
    result = _import(document)
    assert result.ok, result.problems
    assert "Limited Company" in _notes(result)[("organizations", "legal_status")]


def test_a_coate_identifier_places_the_site_only_when_its_type_says_coate(kg):
    document = json.loads(json.dumps(PLAIN_SERVICE))
    location = document["service_at_locations"][0]["location"]
    location["external_identifier"], location["external_identifier_type"] = SOKULUK, "COATE"
    assert _import(document).ok
    assert db.session.get(Site, uuid.UUID(LOC)).location_id == kg(SOKULUK).id


def test_a_list_of_locations_is_read_as_locations(kg):
    org = factories.OrganisationFactory()
    document = [
        {
            "id": LOC,
            "location_type": "physical",
            "organization_id": str(org.id),
            "name": "Branch office",
        }
    ]
    result = _import(document)
    assert result.ok, result.problems
    assert result.counts == {"locations": 1}
    assert db.session.get(Site, uuid.UUID(LOC)).name_en == "Branch office"


def _empty_instance():
    for model in (Phone, Schedule, ServiceLanguage, ServiceArea, ServiceAtSite, Service, Site):
        db.session.execute(delete(model))
    db.session.execute(update(Organisation).values(parent_id=None))
    db.session.execute(delete(Organisation))
    db.session.execute(update(Location).values(parent_id=None))
    db.session.execute(delete(Location))
    db.session.expunge_all()


def test_an_instance_without_locations_imports_the_projects_own_export(kg):
    org = factories.OrganisationFactory(location=kg(SOKULUK))
    factories.ServiceFactory(organisation=org, is_nationwide=False)
    svc = db.session.execute(select(Service)).scalar_one()
    factories.ServiceAreaFactory(service_id=svc.id, location=kg(SOKULUK))
    db.session.flush()
    for fmt in ("json", "zip"):
        first = exchange.export(fmt)
        _empty_instance()
        assert db.session.scalar(select(func.count()).select_from(Location)) == 0
        result = exchange.import_file(f"d.{fmt}", first)
        assert result.ok, result.problems
        assert db.session.scalar(select(func.count()).select_from(Location)) > 60
        assert "locations were added" in result.notes[0].message
        db.session.expire_all()
        assert exchange.export(fmt) == first


def test_the_administrator_sees_what_was_assumed_in_their_language(login_as, kg):
    admin = login_as("admin", locale="ru")
    response = admin.post(
        "/directory/exchange/import",
        {"file": (io.BytesIO(json.dumps(PLAIN_SERVICE).encode()), "plain.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Что импорт предположил или не сохранил" in page
    assert "Название принято как английское" in page


def test_an_imported_iso_639_language_survives_editing_the_service(login_as, kg):
    assert _import(PLAIN_SERVICE).ok
    admin = login_as("admin")
    page = admin.get(f"/directory/services/{SVC}/edit")
    assert page.status_code == 200
    assert 'checked id="language_codes-5" name="language_codes" type="checkbox" value="kaa"' in (
        page.get_data(as_text=True)
    )
