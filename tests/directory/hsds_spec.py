"""What HSDS 3.0's compiled schemas (openreferral/specification, branch 3.0,
schema/compiled/*.json) and datapackage.json say about the objects the directory exports,
written down as our own rules: each object's properties and their JSON types, which are
required, the closed lists, and the formats. `schema(name)` builds a JSON Schema from them
with `additionalProperties: false`, stricter than the published one, so an unknown key
anywhere fails.
"""

from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker

STR, NUM = {"type": "string"}, {"type": "number"}
UUID = {
    "type": "string",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}
EMAIL = {"type": "string", "format": "email"}
URI = {"type": "string", "pattern": "^[a-z][a-z0-9+.-]*:"}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$"}  # datapackage type "time"


def _array(name):
    return {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}


def _object(name):
    return {"$ref": f"#/$defs/{name}"}


OBJECTS = {
    "organization": (
        ["id", "name", "description"],
        {
            "id": UUID,
            "name": STR,
            "alternate_name": STR,
            "description": STR,
            "email": EMAIL,
            "website": URI,
            "tax_status": STR,
            "tax_id": STR,
            "year_incorporated": NUM,
            "legal_status": STR,
            "logo": STR,
            "uri": URI,
            "parent_organization_id": UUID,
            "funding": {"type": "array"},
            "contacts": {"type": "array"},
            "phones": _array("phone"),
            "locations": _array("location"),
            "programs": {"type": "array"},
            "organization_identifiers": {"type": "array"},
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
            "services": _array("service"),
        },
    ),
    "service": (
        ["id", "name", "status"],
        {
            "id": UUID,
            "organization_id": UUID,
            "program_id": UUID,
            "name": STR,
            "alternate_name": STR,
            "description": STR,
            "url": URI,
            "email": EMAIL,
            "status": {"enum": ["active", "inactive", "defunct", "temporarily closed"]},
            "interpretation_services": STR,
            "application_process": STR,
            "fees_description": STR,
            "wait_time": STR,
            "fees": STR,
            "accreditations": STR,
            "eligibility_description": STR,
            "minimum_age": NUM,
            "maximum_age": NUM,
            "assured_date": DATE,
            "assurer_email": EMAIL,
            "licenses": STR,
            "alert": STR,
            "last_modified": STR,
            "phones": _array("phone"),
            "schedules": _array("schedule"),
            "service_areas": _array("service_area"),
            "service_at_locations": _array("service_at_location"),
            "languages": _array("language"),
            "organization": _object("organization"),
            "funding": {"type": "array"},
            "cost_options": {"type": "array"},
            "program": {"type": "object"},
            "required_documents": {"type": "array"},
            "contacts": {"type": "array"},
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "location": (
        ["id", "location_type"],
        {
            "id": UUID,
            "location_type": {"enum": ["physical", "postal", "virtual"]},
            "url": URI,
            "organization_id": UUID,
            "name": STR,
            "alternate_name": STR,
            "description": STR,
            "transportation": STR,
            "latitude": NUM,
            "longitude": NUM,
            "external_identifier": STR,
            "external_identifier_type": STR,
            "languages": _array("language"),
            "addresses": _array("address"),
            "contacts": {"type": "array"},
            "accessibility": {"type": "array"},
            "phones": _array("phone"),
            "schedules": _array("schedule"),
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "address": (
        ["id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
        {
            "id": UUID,
            "location_id": UUID,
            "attention": STR,
            "address_1": STR,
            "address_2": STR,
            "city": STR,
            "region": STR,
            "state_province": STR,
            "postal_code": STR,
            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            "address_type": {"enum": ["physical", "postal", "virtual"]},
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "phone": (
        ["id", "number"],
        {
            "id": UUID,
            "location_id": UUID,
            "service_id": UUID,
            "organization_id": UUID,
            "contact_id": UUID,
            "service_at_location_id": UUID,
            "number": STR,
            "extension": NUM,
            "type": STR,
            "description": STR,
            "languages": _array("language"),
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "schedule": (
        ["id"],
        {
            "id": UUID,
            "service_id": UUID,
            "location_id": UUID,
            "service_at_location_id": UUID,
            "valid_from": DATE,
            "valid_to": DATE,
            "dtstart": DATE,
            "timezone": NUM,
            "until": DATE,
            "count": NUM,
            "wkst": STR,
            "freq": {"enum": ["WEEKLY", "MONTHLY"]},
            "interval": NUM,
            "byday": STR,
            "byweekno": STR,
            "bymonthday": NUM,
            "byyearday": NUM,
            "description": STR,
            "opens_at": TIME,
            "closes_at": TIME,
            "schedule_link": URI,
            "attending_type": STR,
            "notes": STR,
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "language": (
        ["id"],
        {
            "id": UUID,
            "service_id": UUID,
            "location_id": UUID,
            "phone_id": UUID,
            "name": STR,
            "code": {"type": "string", "pattern": "^[a-z]{2,3}$"},
            "note": STR,
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "service_area": (
        ["id"],
        {
            "id": UUID,
            "service_id": UUID,
            "name": STR,
            "description": STR,
            "extent": STR,
            "extent_type": STR,
            "uri": STR,
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "service_at_location": (
        ["id"],
        {
            "id": UUID,
            "service_id": UUID,
            "location_id": UUID,
            "description": STR,
            "contacts": {"type": "array"},
            "phones": _array("phone"),
            "schedules": _array("schedule"),
            "location": _object("location"),
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "attribute": (
        ["id", "link_type"],
        {
            "id": UUID,
            "link_id": UUID,
            "taxonomy_term_id": UUID,
            "link_type": STR,
            "link_entity": STR,
            "value": STR,
            "taxonomy_term": _object("taxonomy_term"),
            "metadata": {"type": "array"},
        },
    ),
    "taxonomy_term": (
        ["id", "name", "description"],
        {
            "id": UUID,
            "code": STR,
            "name": STR,
            "description": STR,
            "parent_id": UUID,
            "taxonomy": {"type": "object"},
            "language": STR,
            "taxonomy_id": UUID,
            "term_uri": URI,
            "metadata": {"type": "array"},
        },
    ),
    "taxonomy": (
        ["id", "name", "description"],
        {"id": UUID, "name": STR, "description": STR, "uri": URI, "metadata": {"type": "array"}},
    ),
}

# datapackage.json: each table's resource name and file.
RESOURCES = {
    "organization": "organizations.csv",
    "service": "services.csv",
    "location": "locations.csv",
    "address": "addresses.csv",
    "service_at_location": "service_at_location.csv",
    "phone": "phones.csv",
    "schedule": "schedules.csv",
    "language": "languages.csv",
    "service_area": "service_areas.csv",
    "attribute": "attributes.csv",
    "taxonomy": "taxonomies.csv",
    "taxonomy_term": "taxonomy_terms.csv",
}


def schema(name: str) -> dict:
    defs = {
        obj: {
            "type": "object",
            "required": required,
            "properties": properties,
            "additionalProperties": False,
        }
        for obj, (required, properties) in OBJECTS.items()
    }
    return {"$ref": f"#/$defs/{name}", "$defs": defs}


def errors(name: str, instance) -> list[str]:
    """Every way `instance` breaks the rules for `name`, as readable lines."""
    validator = Draft202012Validator(schema(name), format_checker=FormatChecker())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(instance)
    ]
