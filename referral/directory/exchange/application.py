"""Applying checked HSDS rows to the directory (only ever after `validation.check` found
nothing wrong).

Rows are matched by id: an existing organisation, site or service is updated, a new id
is created. For each imported organisation and service, its phones, languages, areas,
opening hours and premises links become exactly those of the file. A confidential site
never has its address, place or names overwritten by an import (exports leave them out).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from referral.directory.exchange.profile import COATE_URI, FIELDS, LANGS, NATIONWIDE_URI
from referral.directory.exchange.validation import Valid
from referral.directory.models import (
    EligibleSex,
    LegalStatus,
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


def _get_or_new(model, row_id: str, **required):
    obj = db.session.get(model, uuid.UUID(row_id))
    if obj is None:
        obj = model(id=uuid.UUID(row_id), **required)
        db.session.add(obj)
    return obj


def _names(obj, row, *, descriptions: bool = False) -> None:
    # The check put a plain HSDS name under the language its script shows.
    for lang in LANGS:
        setattr(obj, f"name_{lang}", row.get(f"kg_name_{lang}") or "")
        if descriptions:
            setattr(obj, f"description_{lang}", row.get(f"kg_description_{lang}") or "")


def _uuid(value):
    return uuid.UUID(value) if value else None


def apply_valid(valid: Valid, codes: dict[str, uuid.UUID]) -> None:
    """Write the checked rows; `codes` maps location codes to ids. Flushes, never commits."""
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
        site.address = address.get("address_1") or row.get("kg_address") or ""
        site.postal_code = address.get("postal_code") or row.get("kg_postal_code") or ""
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
        phone.number = row["number"].strip()
        phone.phone_type = PhoneType(row.get("type") or "voice")
        phone.description = row.get("description") or ""
        phone.last_verified_at = row.get("kg_last_verified")
        phone.position = positions[owner]
        db.session.add(phone)
    db.session.flush()
