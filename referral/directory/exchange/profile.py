"""Our profile of Open Referral HSDS 3.0: the tables, their columns and types, and the
ids and URIs both serialisations share.

`kg_*` fields carry what HSDS has no place for (names in ky/ru/en, organisation type,
sector, flags).
"""

from __future__ import annotations

import uuid
from datetime import date, time

from referral.directory.models import ServiceType

HSDS_VERSION = "3.0"
PROFILE_URI = "https://referral.example.kg/hsds-profile/kg-gbv/1.0"
TAXONOMY = "kg-gbv-service-types"
NS = uuid.UUID("6f1c7a52-3d0e-4b8e-9a55-2f2b1c0d9e11")  # derives ids of generated rows
NATIONWIDE_URI = "urn:iso:std:iso:3166:KG"
COATE_URI = "urn:coate:"

LANGS = ("ky", "ru", "en")  # of the kg_name_* and kg_description_* columns, in this order

S, INT, B, D, T = "string", "integer", "boolean", "date", "time"
_NAMES = {f"kg_name_{lang}": S for lang in LANGS}
_DESCRIPTIONS = {f"kg_description_{lang}": S for lang in LANGS}

# HSDS tabular files in dependency order, with their columns and types.
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
        "number": S,
        "type": S,
        "description": S,
        "kg_last_verified": D,
    },
    "schedules": {
        "id": S,
        "service_id": S,
        "freq": S,
        "byday": S,
        "opens_at": T,
        "closes_at": T,
    },
    "languages": {"id": S, "service_id": S, "name": S, "code": S},
    "service_areas": {"id": S, "service_id": S, "name": S, "uri": S},
    "taxonomies": {"id": S, "name": S, "description": S, "uri": S, "version": S},
    "taxonomy_terms": {
        "id": S,
        "code": S,
        "name": S,
        "description": S,
        "taxonomy": S,
        "taxonomy_id": S,
    },
    "attributes": {
        "id": S,
        "link_id": S,
        "link_type": S,
        "link_entity": S,
        "taxonomy_term_id": S,
    },
}
# HSDS's own CSV file name where it differs from the table key.
CSV_NAMES = {"service_at_locations": "service_at_location"}

Tables = dict[str, list[dict]]


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


TAXONOMY_ID = derived_id("taxonomy", TAXONOMY)


def term_id(service_type: ServiceType) -> str:
    return derived_id("term", TAXONOMY, service_type.value)


def json_value(value):
    """Times as HH:MM and dates as ISO 8601, in JSON and CSV alike."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_name(table: str) -> str:
    return CSV_NAMES.get(table, table)
