"""HSDS import: check every record first, report every bad one, then change all or nothing.

Rows are matched by id: an existing organisation, site or service is updated, a new id
is created. For each imported organisation and service, its phones, languages, areas,
opening hours and premises links become exactly those of the file. A confidential site
never has its address, place or names overwritten by an import (exports leave them out).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.audit import service as audit
from referral.directory.exchange.hsds import (
    COATE_URI,
    FIELDS,
    NATIONWIDE_URI,
    TAXONOMY,
    Tables,
    term_id,
)
from referral.directory.hours import DAYS
from referral.directory.models import (
    SERVICE_LANGUAGES,
    EligibleSex,
    LegalStatus,
    Location,
    Organisation,
    OrganisationType,
    Phone,
    PhoneType,
    Schedule,
    Sector,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceLanguage,
    ServiceStatus,
    ServiceType,
    Site,
)
from referral.extensions import db

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{1,38}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Problem:
    table: str
    row: int  # 1-based record number in that table (CSV: data row, header not counted)
    field: str
    message: str


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Checker:
    def __init__(self, tables: Tables):
        self.tables = tables
        self.problems: list[Problem] = []
        self.rows: dict[str, list[dict]] = {}  # typed, valid rows
        self.codes = {loc.code: loc.id for loc in db.session.execute(select(Location)).scalars()}
        self.ids: dict[str, set[str]] = {name: set() for name in FIELDS}

    def fail(self, table, row, column, message):
        self.problems.append(Problem(table, row, column, str(message)))

    def typed(self, table: str) -> list[tuple[int, dict]]:
        """Rows converted to Python types; bad values reported. Ids must be UUIDs."""
        out = []
        for number, raw in enumerate(self.tables.get(table, []), start=1):
            row, good = {}, True
            for column, kind in FIELDS[table].items():
                value = raw.get(column)
                try:
                    row[column] = _convert(value, kind)
                except ValueError:
                    self.fail(
                        table,
                        number,
                        column,
                        _l("“%(v)s” is not a %(k)s.", v=str(value)[:40], k=kind),
                    )
                    good = False
            try:
                row["id"] = str(uuid.UUID(str(raw.get("id"))))
            except ValueError:
                self.fail(table, number, "id", _l("The id is missing or not a UUID."))
                good = False
            else:
                if row["id"] in self.ids[table]:
                    self.fail(table, number, "id", _l("The same id appears twice."))
                    good = False
                self.ids[table].add(row["id"])
            if good:
                out.append((number, row))
        return out

    def ref(self, table, number, row, column, target_table, model=None, required=True) -> bool:
        value = row.get(column)
        if not value:
            if required:
                self.fail(table, number, column, _l("This reference is required."))
            return not required
        try:
            known = value in self.ids[target_table] or (
                model is not None and db.session.get(model, uuid.UUID(value)) is not None
            )
        except ValueError:
            known = False
        if not known:
            self.fail(table, number, column, _l("It refers to a record that does not exist."))
        return known

    def enum(self, table, number, row, column, enum_cls, required=True) -> bool:
        value = row.get(column)
        if value in (None, ""):
            if required:
                self.fail(table, number, column, _l("This value is required."))
            return not required
        if value not in enum_cls._value2member_map_:
            self.fail(
                table, number, column, _l("“%(v)s” is not an allowed value.", v=str(value)[:40])
            )
            return False
        return True


def _convert(value, kind):
    if value is None or value == "":
        return None
    if kind == "string":
        return str(value)
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError
        return int(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes"):
            return True
        if str(value).lower() in ("false", "0", "no"):
            return False
        raise ValueError
    if kind == "date":
        return date.fromisoformat(str(value)[:10])
    if kind == "time":
        return time.fromisoformat(str(value)[:8])
    raise ValueError


def _has_name(row) -> bool:
    return any(row.get(k) for k in ("kg_name_ky", "kg_name_ru", "kg_name_en", "name"))


def check(tables: Tables) -> tuple[list[Problem], dict[str, list[tuple[int, dict]]]]:
    c = _Checker(tables)
    typed = {name: c.typed(name) for name in FIELDS}
    valid: dict[str, list[tuple[int, dict]]] = {}

    for number, row in typed["organizations"]:
        t = "organizations"
        good = c.enum(t, number, row, "kg_org_type", OrganisationType)
        good &= c.enum(t, number, row, "kg_sector", Sector, required=False)
        good &= c.enum(t, number, row, "legal_status", LegalStatus, required=False)
        if not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))
            good = False
        if row.get("kg_location_code") and row["kg_location_code"] not in c.codes:
            c.fail(t, number, "kg_location_code", _l("Unknown location code."))
            good = False
        if row.get("email") and not EMAIL_RE.match(row["email"]):
            c.fail(t, number, "email", _l("Not an e-mail address."))
            good = False
        if row.get("website") and not row["website"].startswith(("https://", "http://")):
            c.fail(t, number, "website", _l("A website address starts with https://"))
            good = False
        if row.get("parent_organization_id"):
            good &= c.ref(t, number, row, "parent_organization_id", t, Organisation)
            if row["parent_organization_id"] == row["id"]:
                c.fail(
                    t,
                    number,
                    "parent_organization_id",
                    _l("An organisation cannot be its own parent."),
                )
                good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    for number, row in typed["locations"]:
        t = "locations"
        good = c.ref(t, number, row, "organization_id", "organizations", Organisation)
        if row.get("location_type") not in ("physical", "postal", "virtual"):
            c.fail(t, number, "location_type", _l("Use physical, postal or virtual."))
            good = False
        code = row.get("external_identifier")
        if code and code not in c.codes:
            c.fail(t, number, "external_identifier", _l("Unknown location code."))
            good = False
        if not row.get("kg_confidential") and not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))
            good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    confidential = {r["id"] for _n, r in typed["locations"] if r.get("kg_confidential")}
    for number, row in typed["addresses"]:
        t = "addresses"
        good = c.ref(t, number, row, "location_id", "locations", Site)
        if row.get("location_id") in confidential:
            c.fail(t, number, "location_id", _l("A confidential location cannot have an address."))
            good = False
        if row.get("country") not in (None, "KG"):
            c.fail(t, number, "country", _l("Only addresses in Kyrgyzstan (KG)."))
            good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    term_types = {term_id(st): st for st in ServiceType}
    attr_types = {}
    for _number, row in typed["attributes"]:
        if row.get("taxonomy_term_id") in term_types:
            attr_types[row.get("link_id")] = term_types[row["taxonomy_term_id"]].value
    for number, row in typed["services"]:
        t = "services"
        good = c.ref(t, number, row, "organization_id", "organizations", Organisation)
        if not row.get("kg_service_type") and row["id"] in attr_types:
            row["kg_service_type"] = attr_types[row["id"]]
        good &= c.enum(t, number, row, "kg_service_type", ServiceType)
        good &= c.enum(t, number, row, "status", ServiceStatus)
        good &= c.enum(t, number, row, "kg_eligible_sex", EligibleSex, required=False)
        if not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))
            good = False
        ages = [row.get("minimum_age"), row.get("maximum_age")]
        if any(a is not None and not 0 <= a <= 120 for a in ages):
            c.fail(t, number, "minimum_age", _l("Ages are between 0 and 120."))
            good = False
        elif None not in ages and ages[0] > ages[1]:
            c.fail(t, number, "maximum_age", _l("The minimum age is above the maximum age."))
            good = False
        if (
            row.get("kg_accepts_referrals")
            and row.get("kg_service_type") in ServiceType._value2member_map_
            and not ServiceType(row["kg_service_type"]).is_referral_destination
        ):
            c.fail(
                t,
                number,
                "kg_accepts_referrals",
                _l("Violence cases are never referred to this type of service."),
            )
            good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    for number, row in typed["service_at_locations"]:
        t = "service_at_locations"
        good = c.ref(t, number, row, "service_id", "services", Service)
        good &= c.ref(t, number, row, "location_id", "locations", Site)
        if good:
            valid.setdefault(t, []).append((number, row))

    for number, row in typed["phones"]:
        t = "phones"
        owners = [k for k in ("organization_id", "service_id") if row.get(k)]
        good = len(owners) == 1
        if not good:
            c.fail(
                t,
                number,
                "organization_id",
                _l("A phone belongs to one organisation or one service."),
            )
        else:
            target = "organizations" if owners[0] == "organization_id" else "services"
            good = c.ref(
                t,
                number,
                row,
                owners[0],
                target,
                Organisation if target == "organizations" else Service,
            )
        if not PHONE_RE.match(row.get("number") or ""):
            c.fail(
                t,
                number,
                "number",
                _l("Digits, spaces, brackets and dashes only, e.g. +996 312 123456"),
            )
            good = False
        if row.get("type") and row["type"] not in PhoneType._value2member_map_:
            c.fail(t, number, "type", _l("“%(v)s” is not an allowed value.", v=row["type"][:40]))
            good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    for number, row in typed["schedules"]:
        t = "schedules"
        good = c.ref(t, number, row, "service_id", "services", Service)
        if (row.get("freq") or "WEEKLY").upper() != "WEEKLY":
            c.fail(t, number, "freq", _l("Only weekly opening hours are supported."))
            good = False
        days = [d.strip().upper() for d in (row.get("byday") or "").split(",") if d.strip()]
        if not days or any(d not in DAYS for d in days):
            c.fail(
                t, number, "byday", _l("Days are MO, TU, WE, TH, FR, SA, SU, separated by commas.")
            )
            good = False
        else:
            row["byday"] = ",".join(d for d in DAYS if d in days)
        if not row.get("opens_at") or not row.get("closes_at"):
            c.fail(t, number, "opens_at", _l("Opening and closing times are required."))
            good = False
        elif row["closes_at"] <= row["opens_at"]:
            c.fail(t, number, "closes_at", _l("The closing time is not after the opening time."))
            good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    for number, row in typed["languages"]:
        t = "languages"
        good = c.ref(t, number, row, "service_id", "services", Service)
        if row.get("code") not in SERVICE_LANGUAGES:
            c.fail(t, number, "code", _l("Unsupported language code."))
            good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    for number, row in typed["service_areas"]:
        t = "service_areas"
        good = c.ref(t, number, row, "service_id", "services", Service)
        uri = row.get("uri") or ""
        if uri != NATIONWIDE_URI and not (
            uri.startswith(COATE_URI) and uri[len(COATE_URI) :] in c.codes
        ):
            c.fail(t, number, "uri", _l("Give the area as urn:coate:<known code> or the country."))
            good = False
        if good:
            valid.setdefault(t, []).append((number, row))

    for number, row in typed["attributes"]:
        if row.get("taxonomy_term_id") not in term_types and row.get("link_entity") == "service":
            # Other taxonomies are allowed and ignored; ours must name a known term.
            terms = {r.get("id"): r for r in tables.get("taxonomy_terms", [])}
            if (terms.get(row.get("taxonomy_term_id")) or {}).get("taxonomy") == TAXONOMY:
                c.fail("attributes", number, "taxonomy_term_id", _l("Unknown service type."))

    return c.problems, valid


def import_tables(tables: Tables, *, source: str) -> ImportResult:
    """Check everything; apply only when nothing is wrong. The caller commits (or rolls
    back). `source` is "json" or "csv" (recorded in the audit event)."""
    problems, valid = check(tables)
    result = ImportResult(problems=problems)
    if problems:
        return result
    _apply(valid, {code: lid for code, lid in _codes().items()})
    result.counts = {name: len(rows) for name, rows in valid.items()}
    audit.record(
        "hsds_import",
        detail={"format": source, **{k: v for k, v in sorted(result.counts.items())}},
    )
    return result


def _codes() -> dict[str, uuid.UUID]:
    return {loc.code: loc.id for loc in db.session.execute(select(Location)).scalars()}


def _get_or_new(model, row_id: str, **required):
    obj = db.session.get(model, uuid.UUID(row_id))
    if obj is None:
        obj = model(id=uuid.UUID(row_id), **required)
        db.session.add(obj)
    return obj


def _names(obj, row, *, descriptions: bool = False) -> None:
    has_kg = any(row.get(f"kg_name_{lang}") for lang in ("ky", "ru", "en"))
    for lang in ("ky", "ru", "en"):
        setattr(obj, f"name_{lang}", row.get(f"kg_name_{lang}") or "")
        if descriptions:
            setattr(obj, f"description_{lang}", row.get(f"kg_description_{lang}") or "")
    if not has_kg:  # plain HSDS from elsewhere: the name is taken as Russian
        obj.name_ru = row.get("name") or ""
        if descriptions:
            obj.description_ru = row.get("description") or ""


def _uuid(value):
    return uuid.UUID(value) if value else None


def _apply(valid: dict[str, list[tuple[int, dict]]], codes: dict[str, uuid.UUID]) -> None:
    rows = {name: [row for _n, row in valid.get(name, [])] for name in FIELDS}
    parents = {}
    for row in rows["organizations"]:
        org = _get_or_new(Organisation, row["id"], org_type=OrganisationType(row["kg_org_type"]))
        _names(org, row, descriptions=True)
        org.org_type = OrganisationType(row["kg_org_type"])
        org.sector = Sector(row["kg_sector"]) if row.get("kg_sector") else None
        org.legal_status = LegalStatus(row["legal_status"]) if row.get("legal_status") else None
        org.website, org.email = row.get("website"), row.get("email")
        org.location_id = codes.get(row.get("kg_location_code") or "")
        org.is_active = row.get("kg_is_active") is not False
        parents[org.id] = _uuid(row.get("parent_organization_id"))
    db.session.flush()
    for org_id, parent_id in parents.items():  # after every organisation exists
        db.session.get(Organisation, org_id).parent_id = parent_id
    db.session.flush()

    addresses = {row["location_id"]: row for row in rows["addresses"]}
    for row in rows["locations"]:
        site = _get_or_new(Site, row["id"], organisation_id=uuid.UUID(row["organization_id"]))
        site.organisation_id = uuid.UUID(row["organization_id"])
        site.is_active = row.get("kg_is_active") is not False
        if row.get("kg_confidential"):
            site.is_confidential = True
            continue  # keep whatever address, place and names we already hold
        site.is_confidential = False
        _names(site, row)
        site.location_id = codes.get(row.get("external_identifier") or "")
        address = addresses.get(row["id"], {})
        site.address = address.get("address_1") or ""
        site.postal_code = address.get("postal_code") or ""
    db.session.flush()

    for row in rows["services"]:
        svc = _get_or_new(
            Service,
            row["id"],
            organisation_id=uuid.UUID(row["organization_id"]),
            service_type=ServiceType(row["kg_service_type"]),
        )
        svc.organisation_id = uuid.UUID(row["organization_id"])
        svc.service_type = ServiceType(row["kg_service_type"])
        _names(svc, row, descriptions=True)
        svc.status = ServiceStatus(row["status"])
        svc.eligible_sex = EligibleSex(row.get("kg_eligible_sex") or "any")
        svc.minimum_age, svc.maximum_age = row.get("minimum_age"), row.get("maximum_age")
        svc.is_free = (
            row["kg_is_free"]
            if row.get("kg_is_free") is not None
            else (row.get("fees_description") or "free").lower() == "free"
        )
        svc.is_24h = bool(row.get("kg_is_24h"))
        svc.accepts_referrals = bool(row.get("kg_accepts_referrals"))
        svc.verified_at, svc.verified_by = row.get("assured_date"), row.get("assurer_email")
        svc.is_nationwide = any(
            a["service_id"] == row["id"] and a["uri"] == NATIONWIDE_URI
            for a in rows["service_areas"]
        )
    db.session.flush()

    imported_services = {uuid.UUID(r["id"]) for r in rows["services"]}
    imported_orgs = {uuid.UUID(r["id"]) for r in rows["organizations"]}
    _replace(
        ServiceLanguage,
        imported_services,
        rows["languages"],
        lambda r: {"service_id": uuid.UUID(r["service_id"]), "code": r["code"]},
    )
    _replace(
        ServiceArea,
        imported_services,
        [r for r in rows["service_areas"] if r["uri"] != NATIONWIDE_URI],
        lambda r: {
            "service_id": uuid.UUID(r["service_id"]),
            "location_id": codes[r["uri"][len(COATE_URI) :]],
        },
    )
    positions: dict[str, int] = {}

    def schedule_values(r):
        positions[r["service_id"]] = positions.get(r["service_id"], -1) + 1
        return {
            "service_id": uuid.UUID(r["service_id"]),
            "byday": r["byday"],
            "opens_at": r["opens_at"],
            "closes_at": r["closes_at"],
            "position": positions[r["service_id"]],
        }

    _replace(Schedule, imported_services, rows["schedules"], schedule_values)
    _replace(
        ServiceAtSite,
        imported_services,
        rows["service_at_locations"],
        lambda r: {
            "service_id": uuid.UUID(r["service_id"]),
            "site_id": uuid.UUID(r["location_id"]),
        },
    )
    _replace_phones(imported_orgs, imported_services, rows["phones"])


def _replace(model, service_ids: set[uuid.UUID], rows: list[dict], values) -> None:
    wanted = {uuid.UUID(r["id"]): values(r) for r in rows}
    existing = db.session.execute(select(model).where(model.service_id.in_(service_ids))).scalars()
    for obj in existing:
        if obj.id not in wanted:
            db.session.delete(obj)
    db.session.flush()
    for row_id, fields in wanted.items():
        obj = db.session.get(model, row_id) or model(id=row_id, **fields)
        for name, value in fields.items():
            setattr(obj, name, value)
        db.session.add(obj)
    db.session.flush()


def _replace_phones(org_ids, service_ids, rows: list[dict]) -> None:
    existing = db.session.execute(
        select(Phone).where(
            (Phone.service_id.in_(service_ids))
            | (Phone.organisation_id.in_(org_ids) & Phone.service_id.is_(None))
        )
    ).scalars()
    wanted = {uuid.UUID(r["id"]) for r in rows}
    for phone in existing:
        if phone.id not in wanted:
            db.session.delete(phone)
    db.session.flush()
    positions: dict[str, int] = {}
    for row in rows:
        owner = row.get("service_id") or row.get("organization_id")
        positions[owner] = positions.get(owner, -1) + 1
        service = (
            db.session.get(Service, uuid.UUID(row["service_id"])) if row.get("service_id") else None
        )
        phone = db.session.get(Phone, uuid.UUID(row["id"])) or Phone(id=uuid.UUID(row["id"]))
        phone.service_id = service.id if service else None
        phone.organisation_id = (
            service.organisation_id if service else uuid.UUID(row["organization_id"])
        )
        phone.number = row["number"]
        phone.phone_type = PhoneType(row.get("type") or "voice")
        phone.description = row.get("description") or ""
        phone.last_verified_at = row.get("kg_last_verified")
        phone.position = positions[owner]
        db.session.add(phone)
    db.session.flush()
