"""Open Referral HSDS 3.0: the directory as flat tables, and their two serialisations.

One in-memory form, `Tables` (HSDS tabular file name -> list of rows), is produced from
the database by `export_tables`; JSON nests it as HSDS objects (organization with its
phones, locations and services; service with phones, schedules, service_areas,
languages, service_at_locations and attributes), and the Tabular Data Package writes one
CSV per table plus datapackage.json. Import parses either back into `Tables`.

Local profile (PROFILE_URI): `kg_*` fields carry what HSDS has no place for (names in
ky/ru/en, organisation type, sector, flags). A confidential site is exported as a
`virtual` location with no address, no place code and no name of its own.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import date, time

from flask_babel import force_locale
from sqlalchemy import select

from referral.directory.models import (
    SERVICE_LANGUAGES,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceType,
    Site,
)
from referral.extensions import db

HSDS_VERSION = "3.0"
PROFILE_URI = "https://referral.example.kg/hsds-profile/kg-gbv/1.0"
TAXONOMY = "kg-gbv-service-types"
NS = uuid.UUID("6f1c7a52-3d0e-4b8e-9a55-2f2b1c0d9e11")  # derives ids of generated rows
NATIONWIDE_URI = "urn:iso:std:iso:3166:KG"
COATE_URI = "urn:coate:"

S, INT, B, D, T = "string", "integer", "boolean", "date", "time"
_NAMES = {f"kg_name_{lang}": S for lang in ("ky", "ru", "en")}
_DESCRIPTIONS = {f"kg_description_{lang}": S for lang in ("ky", "ru", "en")}

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


def _first(*values: str) -> str:
    return next((v for v in values if v), "")


def _oblast_of(location: Location | None, by_id: dict) -> Location | None:
    current = location
    while current is not None and current.parent_id is not None:
        current = by_id.get(current.parent_id)
    return current


def export_tables() -> Tables:
    """Every organisation, active or not, with what the profile allows. Rows are sorted
    so that the same directory always gives the same bytes."""
    with force_locale("en"):
        return _export_tables()


def _export_tables() -> Tables:
    locations = {loc.id: loc for loc in db.session.execute(select(Location)).scalars()}
    orgs = sorted(db.session.execute(select(Organisation)).scalars(), key=lambda o: str(o.id))
    tables: Tables = {name: [] for name in FIELDS}
    for org in orgs:
        loc = locations.get(org.location_id)
        tables["organizations"].append(
            {
                "id": str(org.id),
                "name": _first(org.name_en, org.name_ru, org.name_ky),
                "description": _first(org.description_en, org.description_ru, org.description_ky)
                or _first(org.name_en, org.name_ru, org.name_ky),
                "email": org.email,
                "website": org.website,
                "legal_status": org.legal_status.value if org.legal_status else None,
                "parent_organization_id": str(org.parent_id) if org.parent_id else None,
                **{f"kg_name_{lang}": getattr(org, f"name_{lang}") for lang in ("ky", "ru", "en")},
                **{
                    f"kg_description_{lang}": getattr(org, f"description_{lang}")
                    for lang in ("ky", "ru", "en")
                },
                "kg_org_type": org.org_type.value,
                "kg_sector": org.sector.value if org.sector else None,
                "kg_location_code": loc.code if loc else None,
                "kg_is_active": org.is_active,
            }
        )
        for site in sorted(org.sites, key=lambda s: str(s.id)):
            _export_site(tables, org, site, locations)
    services = sorted(db.session.execute(select(Service)).scalars(), key=lambda s: str(s.id))
    for svc in services:
        _export_service(tables, svc, locations)
    phones = db.session.execute(
        select(Phone).order_by(Phone.organisation_id, Phone.service_id, Phone.position)
    ).scalars()
    for phone in sorted(
        phones, key=lambda p: (str(p.organisation_id), str(p.service_id or ""), p.position)
    ):
        tables["phones"].append(
            {
                "id": str(phone.id),
                "organization_id": str(phone.organisation_id) if not phone.service_id else None,
                "service_id": str(phone.service_id) if phone.service_id else None,
                "number": phone.number,
                "type": phone.phone_type.value,
                "description": phone.description or None,
                "kg_last_verified": phone.last_verified_at,
            }
        )
    tables["taxonomies"].append(
        {
            "id": TAXONOMY_ID,
            "name": TAXONOMY,
            "description": "Kinds of service on Kyrgyzstan's GBV referral pathway",
            "uri": PROFILE_URI + "#" + TAXONOMY,
            "version": "1",
        }
    )
    for service_type in ServiceType:
        tables["taxonomy_terms"].append(
            {
                "id": term_id(service_type),
                "code": service_type.value,
                "name": str(service_type.label),
                "description": str(service_type.label),
                "taxonomy": TAXONOMY,
                "taxonomy_id": TAXONOMY_ID,
            }
        )
    return tables


def _export_site(tables: Tables, org: Organisation, site: Site, locations: dict) -> None:
    if site.is_confidential:
        # Never the address, the place or a name that could point to it.
        tables["locations"].append(
            {
                "id": str(site.id),
                "organization_id": str(org.id),
                "location_type": "virtual",
                "name": _first(org.name_en, org.name_ru, org.name_ky),
                "external_identifier": None,
                "external_identifier_type": None,
                **{f"kg_name_{lang}": "" for lang in ("ky", "ru", "en")},
                "kg_confidential": True,
                "kg_is_active": site.is_active,
            }
        )
        return
    place = locations.get(site.location_id)
    tables["locations"].append(
        {
            "id": str(site.id),
            "organization_id": str(org.id),
            "location_type": "physical",
            "name": _first(site.name_en, site.name_ru, site.name_ky),
            "external_identifier": place.code if place else None,
            "external_identifier_type": "COATE" if place else None,
            **{f"kg_name_{lang}": getattr(site, f"name_{lang}") for lang in ("ky", "ru", "en")},
            "kg_confidential": False,
            "kg_is_active": site.is_active,
        }
    )
    if site.address or site.postal_code:
        oblast = _oblast_of(place, locations)
        tables["addresses"].append(
            {
                "id": derived_id("address", site.id),
                "location_id": str(site.id),
                "address_1": site.address,
                "city": place.name_en if place else "",
                "state_province": oblast.name_en if oblast else "",
                "postal_code": site.postal_code,
                "country": "KG",
                "address_type": "physical",
            }
        )


def _export_service(tables: Tables, svc: Service, locations: dict) -> None:
    sid = str(svc.id)
    tables["services"].append(
        {
            "id": sid,
            "organization_id": str(svc.organisation_id),
            "name": _first(svc.name_en, svc.name_ru, svc.name_ky),
            "description": _first(svc.description_en, svc.description_ru, svc.description_ky),
            "status": svc.status.value,
            "minimum_age": svc.minimum_age,
            "maximum_age": svc.maximum_age,
            "fees_description": "free" if svc.is_free else "paid",
            "assured_date": svc.verified_at,
            "assurer_email": svc.verified_by,
            **{f"kg_name_{lang}": getattr(svc, f"name_{lang}") for lang in ("ky", "ru", "en")},
            **{
                f"kg_description_{lang}": getattr(svc, f"description_{lang}")
                for lang in ("ky", "ru", "en")
            },
            "kg_service_type": svc.service_type.value,
            "kg_eligible_sex": svc.eligible_sex.value,
            "kg_is_free": svc.is_free,
            "kg_is_24h": svc.is_24h,
            "kg_accepts_referrals": svc.accepts_referrals,
        }
    )
    for link in sorted(svc.at_sites, key=lambda a: str(a.id)):
        tables["service_at_locations"].append(
            {"id": str(link.id), "service_id": sid, "location_id": str(link.site_id)}
        )
    for schedule in svc.schedules:
        tables["schedules"].append(
            {
                "id": str(schedule.id),
                "service_id": sid,
                "freq": "WEEKLY",
                "byday": schedule.byday,
                "opens_at": schedule.opens_at,
                "closes_at": schedule.closes_at,
            }
        )
    for lang in sorted(svc.languages, key=lambda x: x.code):
        tables["languages"].append(
            {
                "id": str(lang.id),
                "service_id": sid,
                "name": str(SERVICE_LANGUAGES.get(lang.code, lang.code)),
                "code": lang.code,
            }
        )
    if svc.is_nationwide:
        tables["service_areas"].append(
            {
                "id": derived_id("nationwide", sid),
                "service_id": sid,
                "name": "Kyrgyzstan",
                "uri": NATIONWIDE_URI,
            }
        )
    for area in sorted(svc.areas, key=lambda a: str(a.id)):
        loc = locations[area.location_id]
        tables["service_areas"].append(
            {
                "id": str(area.id),
                "service_id": sid,
                "name": loc.name_en or loc.name_ru,
                "uri": COATE_URI + loc.code,
            }
        )
    tables["attributes"].append(
        {
            "id": derived_id("service_type", sid),
            "link_id": sid,
            "link_type": "service",
            "link_entity": "service",
            "taxonomy_term_id": term_id(svc.service_type),
        }
    )


# --- serialisations ------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _plain(row: dict) -> dict:
    return {key: _json_value(value) for key, value in row.items()}


def _children(tables: Tables, name: str, key: str, parent_id: str) -> list[dict]:
    return [_plain(r) for r in tables[name] if r.get(key) == parent_id]


def to_json(tables: Tables) -> bytes:
    """An HSDS page of organizations (the shape of GET /organizations), each complete."""
    terms = {t["id"]: _plain(t) for t in tables["taxonomy_terms"]}
    contents = []
    for org in tables["organizations"]:
        item = _plain(org)
        item["phones"] = _children(tables, "phones", "organization_id", org["id"])
        item["locations"] = []
        for site in tables["locations"]:
            if site["organization_id"] == org["id"]:
                loc = _plain(site)
                loc["addresses"] = _children(tables, "addresses", "location_id", site["id"])
                item["locations"].append(loc)
        item["services"] = []
        for svc in tables["services"]:
            if svc["organization_id"] != org["id"]:
                continue
            entry = _plain(svc)
            for child in ("phones", "schedules", "languages", "service_areas"):
                entry[child] = _children(tables, child, "service_id", svc["id"])
            entry["service_at_locations"] = _children(
                tables, "service_at_locations", "service_id", svc["id"]
            )
            entry["attributes"] = []
            for attr in _children(tables, "attributes", "link_id", svc["id"]):
                attr["taxonomy_term"] = terms.get(attr["taxonomy_term_id"])
                entry["attributes"].append(attr)
            item["services"].append(entry)
        contents.append(item)
    page = {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
        "hsds_version": HSDS_VERSION,
        "profile": PROFILE_URI,
    }
    return json.dumps(page, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


NESTED = {
    "organizations": ("phones", "locations", "services"),
    "locations": ("addresses",),
    "services": (
        "phones",
        "schedules",
        "languages",
        "service_areas",
        "service_at_locations",
        "attributes",
    ),
}


def from_json(data: bytes) -> Tables:
    """Flatten a page of organizations (or a single organization) back into tables.
    Raises ValueError when the file is not JSON of that shape."""
    document = json.loads(data.decode("utf-8"))
    if isinstance(document, dict) and "contents" in document:
        items = document["contents"]
    elif isinstance(document, dict) and "id" in document:
        items = [document]
    else:
        raise ValueError("expected an HSDS page of organizations")
    if not isinstance(items, list):
        raise ValueError("expected a list of organizations")
    tables: Tables = {name: [] for name in FIELDS}

    def walk(name: str, row: dict, parent: tuple[str, str] | None):
        if not isinstance(row, dict):
            raise ValueError(f"{name}: expected objects")
        flat = {k: v for k, v in row.items() if k not in NESTED.get(name, ())}
        if parent and not flat.get(parent[0]):
            flat[parent[0]] = parent[1]
        if name == "attributes":
            term = flat.pop("taxonomy_term", None)
            if isinstance(term, dict) and term.get("id"):
                if all(t.get("id") != term["id"] for t in tables["taxonomy_terms"]):
                    tables["taxonomy_terms"].append(term)
                flat.setdefault("taxonomy_term_id", term["id"])
        tables.setdefault(name, []).append(flat)
        for child in NESTED.get(name, ()):
            key = "location_id" if child == "addresses" else f"{name[:-1]}_id"
            if name == "services" and child == "attributes":
                key = "link_id"
            for item in row.get(child) or []:
                walk(child, item, (key, row.get("id")))

    for item in items:
        walk("organizations", item, None)
    return tables


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(_json_value(value))


def to_zip(tables: Tables) -> bytes:
    """The Tabular Data Package: one CSV per table and datapackage.json."""
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, fields in FIELDS.items():
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(fields)
            for row in tables[name]:
                writer.writerow([_csv_text(row.get(f)) for f in fields])
            filename = f"{CSV_NAMES.get(name, name)}.csv"
            _write(archive, filename, out.getvalue().encode("utf-8"))
            resources.append(
                {
                    "name": CSV_NAMES.get(name, name),
                    "path": filename,
                    "profile": "tabular-data-resource",
                    "schema": {
                        "fields": [{"name": f, "type": t} for f, t in fields.items()],
                        "primaryKey": "id",
                    },
                }
            )
        package = {
            "name": "kg-gbv-directory",
            "profile": "tabular-data-package",
            "hsds_version": HSDS_VERSION,
            "hsds_profile": PROFILE_URI,
            "resources": resources,
        }
        _write(archive, "datapackage.json", json.dumps(package, indent=2).encode("utf-8"))
    return buffer.getvalue()


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # same bytes every time
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


MAX_UNCOMPRESSED = 50 * 1024 * 1024


def from_zip(data: bytes) -> Tables:
    """Read a data package; missing files are empty tables. Raises ValueError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("not a zip file") from exc
    if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
        raise ValueError("the package is too large")
    names = {info.filename.rsplit("/", 1)[-1]: info.filename for info in archive.infolist()}
    tables: Tables = {name: [] for name in FIELDS}
    for name in FIELDS:
        filename = f"{CSV_NAMES.get(name, name)}.csv"
        if filename not in names:
            continue
        text = archive.read(names[filename]).decode("utf-8-sig")
        tables[name] = [
            {k: (v if v != "" else None) for k, v in row.items() if k is not None}
            for row in csv.DictReader(io.StringIO(text))
        ]
    return tables
