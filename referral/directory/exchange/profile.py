"""Our profile of Open Referral HSDS 3.0: the tables, their columns and types, the ids and
URIs both serialisations share, and where the directory's own fields travel.

Inside the application a row may carry `kg_*` fields for what HSDS has no place for (names
in ky/ru/en, organisation type, sector, flags). They never leave as bare keys: `publish`
turns each into an HSDS `attribute` of a term of our own taxonomy (PROFILE_TAXONOMY) whose
`value` is the field's value, which the core schemas allow on organization, service,
location and phone, also with `additionalProperties: false`. `lift` reads them back.
"""

from __future__ import annotations

import copy
import uuid
from datetime import date, time

from referral.directory.models import ServiceType

HSDS_VERSION = "3.0"
PROFILE_URI = "https://referral.example.kg/hsds-profile/kg-gbv/1.0"
TAXONOMY = "kg-gbv-service-types"
PROFILE_TAXONOMY = "kg-gbv-directory-fields"
NS = uuid.UUID("6f1c7a52-3d0e-4b8e-9a55-2f2b1c0d9e11")  # derives ids of generated rows
NATIONWIDE_URI = "urn:iso:std:iso:3166:KG"
COATE_URI = "urn:coate:"
COATE = "COATE"  # location.external_identifier_type of our place codes

LANGS = ("ky", "ru", "en")  # of the kg_name_* and kg_description_* columns, in this order

S, INT, B, D, T = "string", "integer", "boolean", "date", "time"
_NAMES = {f"kg_name_{lang}": S for lang in LANGS}
_DESCRIPTIONS = {f"kg_description_{lang}": S for lang in LANGS}

# HSDS tables in dependency order, with the columns read and written and their types.
FIELDS: dict[str, dict[str, str]] = {
    "organizations": {
        "id": S,
        "name": S,
        "description": S,
        "email": S,
        "website": S,
        "legal_status": S,
        "parent_organization_id": S,
        **_NAMES,
        **_DESCRIPTIONS,
        "kg_org_type": S,
        "kg_sector": S,
        "kg_location_code": S,
        "kg_is_active": B,
    },
    "locations": {
        "id": S,
        "organization_id": S,
        "location_type": S,
        "name": S,
        "external_identifier": S,
        "external_identifier_type": S,
        **_NAMES,
        "kg_confidential": B,
        "kg_is_active": B,
        "kg_address": S,  # only when the address cannot be a valid HSDS address
        "kg_postal_code": S,
    },
    "addresses": {
        "id": S,
        "location_id": S,
        "address_1": S,
        "city": S,
        "state_province": S,
        "postal_code": S,
        "country": S,
        "address_type": S,
    },
    "services": {
        "id": S,
        "organization_id": S,
        "name": S,
        "description": S,
        "status": S,
        "minimum_age": INT,
        "maximum_age": INT,
        "fees_description": S,
        "assured_date": D,
        "assurer_email": S,
        **_NAMES,
        **_DESCRIPTIONS,
        "kg_service_type": S,
        "kg_eligible_sex": S,
        "kg_is_free": B,
        "kg_is_24h": B,
        "kg_accepts_referrals": B,
    },
    "service_at_locations": {"id": S, "service_id": S, "location_id": S},
    "phones": {
        "id": S,
        "organization_id": S,
        "service_id": S,
        "location_id": S,
        "number": S,
        "type": S,
        "description": S,
        "kg_last_verified": D,
    },
    "schedules": {
        "id": S,
        "service_id": S,
        "service_at_location_id": S,
        "location_id": S,
        "freq": S,
        "byday": S,
        "opens_at": T,
        "closes_at": T,
    },
    "languages": {"id": S, "service_id": S, "name": S, "code": S},
    "service_areas": {"id": S, "service_id": S, "name": S, "uri": S},
    "taxonomies": {"id": S, "name": S, "description": S, "uri": S},
    "taxonomy_terms": {
        "id": S,
        "code": S,
        "name": S,
        "description": S,
        "taxonomy_id": S,
        "term_uri": S,
    },
    "attributes": {
        "id": S,
        "link_id": S,
        "link_type": S,
        "link_entity": S,
        "taxonomy_term_id": S,
        "value": S,
    },
}

# What the specification calls each table: its datapackage resource name and CSV file.
RESOURCES: dict[str, tuple[str, str]] = {
    "organizations": ("organization", "organizations.csv"),
    "locations": ("location", "locations.csv"),
    "addresses": ("address", "addresses.csv"),
    "services": ("service", "services.csv"),
    "service_at_locations": ("service_at_location", "service_at_location.csv"),
    "phones": ("phone", "phones.csv"),
    "schedules": ("schedule", "schedules.csv"),
    "languages": ("language", "languages.csv"),
    "service_areas": ("service_area", "service_areas.csv"),
    "taxonomies": ("taxonomy", "taxonomies.csv"),
    "taxonomy_terms": ("taxonomy_term", "taxonomy_terms.csv"),
    "attributes": ("attribute", "attributes.csv"),
}
# Other file names packages in the wild use for the same tables (earlier drafts of the
# specification, other tools): read, never written.
CSV_ALIASES = {
    "service_at_locations.csv": "service_at_locations",
    "addresss.csv": "addresses",
}
# The object an attribute's link_entity names, per table.
ENTITIES = {
    "organizations": "organization",
    "locations": "location",
    "services": "service",
    "phones": "phone",
}

Tables = dict[str, list[dict]]


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


TAXONOMY_ID = derived_id("taxonomy", TAXONOMY)
PROFILE_TAXONOMY_ID = derived_id("taxonomy", PROFILE_TAXONOMY)


def term_id(service_type: ServiceType) -> str:
    return derived_id("term", TAXONOMY, service_type.value)


def field_term_id(field: str) -> str:
    return derived_id("term", PROFILE_TAXONOMY, field)


def kg_fields(table: str) -> list[str]:
    return [f for f in FIELDS.get(table, {}) if f.startswith("kg_")]


def columns(table: str) -> list[str]:
    """The HSDS columns of a table as written: no local `kg_*` field."""
    return [f for f in FIELDS[table] if not f.startswith("kg_")]


FIELD_TERMS = {field_term_id(f): f for table in ENTITIES for f in kg_fields(table)}


def json_value(value):
    """Times as HH:MM:SS and dates as ISO 8601, in JSON and CSV alike."""
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(json_value(value))


def publish(tables: Tables) -> Tables:
    """The tables as HSDS: every `kg_*` value moved into an attribute of our field
    taxonomy, which is added with its terms. The input is left as it was."""
    out = copy.deepcopy(tables)
    fields_used: set[str] = set()
    for table, entity in ENTITIES.items():
        for row in out[table]:
            for field in kg_fields(table):
                value = row.pop(field, None)
                if value is None or value == "":
                    continue
                fields_used.add(field)
                out["attributes"].append(
                    {
                        "id": derived_id("attribute", row["id"], field),
                        "link_id": row["id"],
                        "link_type": "profile_field",
                        "link_entity": entity,
                        "taxonomy_term_id": field_term_id(field),
                        "value": _text(value),
                    }
                )
    out["taxonomies"].append(
        {
            "id": PROFILE_TAXONOMY_ID,
            "name": PROFILE_TAXONOMY,
            "description": "Fields of Kyrgyzstan's GBV referral directory that HSDS has no "
            "place for; an attribute's value is the field's value",
            "uri": f"{PROFILE_URI}#{PROFILE_TAXONOMY}",
        }
    )
    for field in sorted(fields_used):
        out["taxonomy_terms"].append(
            {
                "id": field_term_id(field),
                "code": field,
                "name": field.removeprefix("kg_").replace("_", " "),
                "description": f"The directory's {field.removeprefix('kg_')} field",
                "taxonomy_id": PROFILE_TAXONOMY_ID,
                "term_uri": f"{PROFILE_URI}#{field}",
            }
        )
    return out


def lift(tables: Tables) -> None:
    """Read our field attributes back onto their rows as `kg_*` values (in place) and drop
    those attributes; any other attribute stays for the importer to consider."""
    terms = {r.get("id"): r for r in tables.get("taxonomy_terms", [])}
    by_id = {table: {str(r.get("id")): r for r in tables.get(table, [])} for table in ENTITIES}
    kept = []
    for attr in tables.get("attributes", []):
        field = FIELD_TERMS.get(attr.get("taxonomy_term_id"))
        term = terms.get(attr.get("taxonomy_term_id")) or {}
        if field is None and term.get("taxonomy_id") == PROFILE_TAXONOMY_ID:
            field = term.get("code")
        table = next((t for t, e in ENTITIES.items() if e == attr.get("link_entity")), None)
        if field is None or table is None or field not in FIELDS[table]:
            kept.append(attr)
            continue
        row = by_id[table].get(str(attr.get("link_id")))
        if row is None:
            kept.append(attr)  # reported as a reference to nothing
            continue
        row[field] = attr.get("value")
    tables["attributes"] = kept
    ours = {PROFILE_TAXONOMY_ID}
    tables["taxonomy_terms"] = [
        t for t in tables.get("taxonomy_terms", []) if t.get("taxonomy_id") not in ours
    ]
    tables["taxonomies"] = [t for t in tables.get("taxonomies", []) if t.get("id") not in ours]
