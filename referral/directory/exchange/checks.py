"""The rules an HSDS import's records must meet, table by table (the machinery is in
`validation`). A plain HSDS file without our profile's fields gets sensible defaults, each
reported as a note on its record."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l

from referral.directory.exchange import assumptions
from referral.directory.exchange.profile import (
    COATE,
    COATE_URI,
    FIELDS,
    NATIONWIDE_URI,
    TAXONOMY_ID,
    Tables,
    lift,
    term_id,
)
from referral.directory.exchange.validation import (
    EMAIL_RE,
    Note,
    Problem,
    Valid,
    _Checker,
    _has_name,
    not_stored,
)
from referral.directory.hours import DAYS
from referral.directory.models import (
    EligibleSex,
    Location,
    Organisation,
    OrganisationType,
    PhoneType,
    Sector,
    Service,
    ServiceStatus,
    ServiceType,
    Site,
)
from referral.directory.service.rules import (
    PHONE_MESSAGE,
    check_ages,
    check_website,
    phone_is_valid,
)
from referral.extensions import db


def check(tables: Tables) -> tuple[list[Problem], list[Note], Valid]:
    """Every problem in the file (values that do not convert first, then the rules, table
    by table), every note, and the rows to apply."""
    lift(tables)
    c = _Checker(tables)
    c.notes += not_stored(tables)
    typed = {name: c.typed(name) for name in FIELDS}
    service_types = _service_types(c, typed)
    _organizations(c, typed, service_types)
    _locations(c, typed)
    _services(c, typed, service_types)
    _links(c, typed)
    _phones(c, typed)
    _schedules(c, typed)
    _languages(c, typed)
    _areas(c, typed)
    return c.problems, c.notes, c.valid


def _service_types(c: _Checker, typed) -> dict[str, str]:
    """Service id -> service type, from our taxonomy's attributes. Attributes of other
    taxonomies are noted as not stored."""
    term_types = {term_id(st): st.value for st in ServiceType}
    terms = {r.get("id"): r for r in c.tables.get("taxonomy_terms", [])}
    found, others = {}, 0
    for number, row in typed["attributes"]:
        value = term_types.get(row.get("taxonomy_term_id"))
        if value and row.get("link_entity") in (None, "service"):
            found[row.get("link_id")] = value
        elif (terms.get(row.get("taxonomy_term_id")) or {}).get("taxonomy_id") == TAXONOMY_ID:
            c.fail("attributes", number, "taxonomy_term_id", _l("Unknown service type."))
        else:
            others += 1
    if others:
        c.note("attributes", 0, "taxonomy_term_id", _l("Not stored: %(n)d records.", n=others))
    return found


def _organizations(c: _Checker, typed, service_types) -> None:
    types_by_org: dict[str, list[str]] = {}
    for _n, svc in typed["services"]:
        kind = svc.get("kg_service_type") or service_types.get(svc["id"])
        if kind:
            types_by_org.setdefault(svc.get("organization_id"), []).append(kind)
    t = "organizations"
    for number, row in c.checked(t, typed[t]):
        if not row.get("kg_org_type"):
            org_type = assumptions.organisation_type(types_by_org.get(row["id"], []))
            row["kg_org_type"] = org_type.value
            c.note(
                t,
                number,
                "kg_org_type",
                _l("No organisation type given: taken as “%(v)s”.", v=org_type.label),
            )
        c.enum(t, number, row, "kg_org_type", OrganisationType)
        c.enum(t, number, row, "kg_sector", Sector, required=False)
        if row.get("legal_status"):
            status = assumptions.legal_status(row["legal_status"])
            if status is None:
                c.note(
                    t,
                    number,
                    "legal_status",
                    _l(
                        "“%(v)s” is not one of the directory's legal statuses: not stored.",
                        v=row["legal_status"][:60],
                    ),
                )
            row["legal_status"] = status.value if status else None
        if not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))
        c.texts(t, number, row, descriptions=True)
        if row.get("kg_location_code") and row["kg_location_code"] not in c.codes:
            c.fail(t, number, "kg_location_code", _l("Unknown location code."))
        if row.get("email") and not EMAIL_RE.match(row["email"]):
            c.fail(t, number, "email", _l("Not an e-mail address."))
        c.obey(t, number, check_website, row.get("website"))
        if row.get("parent_organization_id"):
            c.ref(t, number, row, "parent_organization_id", t, Organisation)
            if row["parent_organization_id"] == row["id"]:
                c.fail(
                    t,
                    number,
                    "parent_organization_id",
                    _l("An organisation cannot be its own parent."),
                )


def _locations(c: _Checker, typed) -> None:
    t = "locations"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "organization_id", "organizations", Organisation)
        if row.get("location_type") not in ("physical", "postal", "virtual"):
            c.fail(t, number, "location_type", _l("Use physical, postal or virtual."))
        code, kind = row.get("external_identifier"), row.get("external_identifier_type")
        if code and (kind or "").strip().upper() != COATE:
            # Another scheme's identifier (UPRN, what3words...) says nothing about our places.
            c.note(
                t,
                number,
                "external_identifier",
                _l(
                    "An identifier of type “%(v)s” is not a place code: not stored.",
                    v=(kind or "—")[:40],
                ),
            )
            row["external_identifier"] = None
        elif code and code not in c.codes:
            c.fail(t, number, "external_identifier", _l("Unknown location code."))
        if not row.get("kg_confidential"):
            if not _has_name(row):
                c.fail(t, number, "name", _l("The name is missing."))
            c.texts(t, number, row)

    confidential = {r["id"] for _n, r in typed[t] if r.get("kg_confidential")}
    t = "addresses"
    seen: set[str] = set()
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "location_id", "locations", Site)
        if row.get("location_id") in confidential:
            c.fail(t, number, "location_id", _l("A confidential location cannot have an address."))
        elif row.get("country") not in (None, "KG"):
            c.skip(t, number, "country", _l("Not in Kyrgyzstan (KG): not stored."))
        elif row.get("location_id") in seen:
            c.skip(t, number, "location_id", _l("A second address of the location: not stored."))
        seen.add(row.get("location_id"))


def _services(c: _Checker, typed, service_types) -> None:
    t = "services"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "organization_id", "organizations", Organisation)
        if not row.get("kg_service_type"):
            row["kg_service_type"] = service_types.get(row["id"]) or ServiceType.OTHER.value
            if row["id"] not in service_types:
                c.note(
                    t,
                    number,
                    "kg_service_type",
                    _l("No service type given: taken as “%(v)s”.", v=ServiceType.OTHER.label),
                )
        c.enum(t, number, row, "kg_service_type", ServiceType)
        c.enum(t, number, row, "status", ServiceStatus)
        c.enum(t, number, row, "kg_eligible_sex", EligibleSex, required=False)
        if not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))
        c.texts(t, number, row, descriptions=True)
        c.obey(t, number, check_ages, row.get("minimum_age"), row.get("maximum_age"))
        if row.get("kg_is_free") is None:
            fees = (row.get("fees_description") or "free").strip().lower()
            row["kg_is_free"] = fees in ("free", "free of charge", "бесплатно", "акысыз")
            if fees != "free" or row.get("fees_description") is None:
                c.note(
                    t,
                    number,
                    "fees_description",
                    _l("Taken as free of charge.")
                    if row["kg_is_free"]
                    else _l("Taken as paid (the fees are not described as free)."),
                )
        if row.get("kg_accepts_referrals") is None:
            row["kg_accepts_referrals"] = False
            c.note(
                t,
                number,
                "kg_accepts_referrals",
                _l("Not offered for referrals until an administrator checks the service."),
            )
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


def _links(c: _Checker, typed) -> None:
    t = "service_at_locations"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "service_id", "services", Service)
        c.ref(t, number, row, "location_id", "locations", Site)


def _phones(c: _Checker, typed) -> None:
    services = {r["id"]: r for _n, r in typed["services"]}
    site_orgs = {r["id"]: r.get("organization_id") for _n, r in typed["locations"]}
    t = "phones"
    for number, row in c.checked(t, typed[t]):
        if not row.get("organization_id") and not row.get("service_id"):
            owner = site_orgs.get(row.get("location_id"))
            if owner is None and row.get("location_id"):
                site = db.session.get(Site, _uuid(row["location_id"]))
                owner = str(site.organisation_id) if site else None
            if owner is None:
                c.skip(
                    t,
                    number,
                    "organization_id",
                    _l("Not the phone of an organisation, service or location: not stored."),
                )
                continue
            row["organization_id"] = owner
            c.note(
                t, number, "location_id", _l("The location's phone is kept as its organisation's.")
            )
        if row.get("service_id"):
            c.ref(t, number, row, "service_id", "services", Service)
            service = services.get(row["service_id"])
            org_id = service.get("organization_id") if service else _service_org(row["service_id"])
            if row.get("organization_id") and org_id and row["organization_id"] != org_id:
                c.fail(
                    t,
                    number,
                    "organization_id",
                    _l("The phone's service belongs to another organisation."),
                )
        else:
            c.ref(t, number, row, "organization_id", "organizations", Organisation)
        if not phone_is_valid(row.get("number") or ""):
            c.fail(t, number, "number", PHONE_MESSAGE)
        if row.get("type") and row["type"] not in PhoneType._value2member_map_:
            c.fail(t, number, "type", _l("“%(v)s” is not an allowed value.", v=row["type"][:40]))


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _service_org(service_id: str) -> str | None:
    service = db.session.get(Service, _uuid(service_id)) if _uuid(service_id) else None
    return str(service.organisation_id) if service else None


def _schedules(c: _Checker, typed) -> None:
    link_services = {r["id"]: r.get("service_id") for _n, r in typed["service_at_locations"]}
    t = "schedules"
    for number, row in c.checked(t, typed[t]):
        if not row.get("service_id") and row.get("service_at_location_id") in link_services:
            row["service_id"] = link_services[row["service_at_location_id"]]
        if not row.get("service_id"):
            c.skip(
                t,
                number,
                "service_id",
                _l("Only a service's opening hours are stored: not stored."),
            )
            continue
        c.ref(t, number, row, "service_id", "services", Service)
        if (row.get("freq") or "WEEKLY").upper() != "WEEKLY":
            c.skip(t, number, "freq", _l("Only weekly opening hours are stored: not stored."))
            continue
        if not row.get("opens_at") or not row.get("closes_at"):
            c.skip(t, number, "opens_at", _l("Without opening and closing times: not stored."))
            continue
        days = [d.strip().upper() for d in (row.get("byday") or "").split(",") if d.strip()]
        if not days or any(d not in DAYS for d in days):
            c.fail(
                t, number, "byday", _l("Days are MO, TU, WE, TH, FR, SA, SU, separated by commas.")
            )
        else:
            row["byday"] = ",".join(d for d in DAYS if d in days)
        if row["closes_at"] <= row["opens_at"]:
            c.fail(t, number, "closes_at", _l("The closing time is not after the opening time."))


def _languages(c: _Checker, typed) -> None:
    t = "languages"
    seen: set[tuple[str, str]] = set()
    for number, row in c.checked(t, typed[t]):
        if not row.get("service_id"):
            c.skip(
                t,
                number,
                "service_id",
                _l("Only the languages of a service are stored: not stored."),
            )
            continue
        c.ref(t, number, row, "service_id", "services", Service)
        code = (row.get("code") or "").strip().lower()
        if not code and assumptions.LANGUAGE_CODE.match((row.get("name") or "").strip().lower()):
            code = row["name"].strip().lower()  # HSDS 3.0 once put the code in `name`
        if not assumptions.LANGUAGE_CODE.match(code):
            c.fail(t, number, "code", _l("Give the language as an ISO 639 code, e.g. ky or rus."))
        elif (row["service_id"], code) in seen:
            c.skip(t, number, "code", _l("The service already has this language: not stored."))
        row["code"] = code
        seen.add((row["service_id"], code))


def _areas(c: _Checker, typed) -> None:
    names = {}
    for loc in db.session.execute(db.select(Location)).scalars():
        for name in (loc.name_en, loc.name_ru, loc.name_ky):
            if name:
                names.setdefault(name.strip().lower(), loc.code)
    t = "service_areas"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "service_id", "services", Service)
        uri = row.get("uri") or ""
        if uri == NATIONWIDE_URI:
            continue
        if uri.startswith(COATE_URI):
            if uri[len(COATE_URI) :] not in c.codes:
                c.fail(
                    t, number, "uri", _l("Give the area as urn:coate:<known code> or the country.")
                )
            continue
        code = names.get((row.get("name") or "").strip().lower())
        if code:
            row["uri"] = COATE_URI + code
            c.note(t, number, "name", _l("The area is taken as the location of that name."))
        else:
            c.skip(t, number, "uri", _l("Not an area the directory knows: not stored."))
