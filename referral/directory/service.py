"""Directory rules: locations, organisations, their services and premises.

Services flush, never commit; every change is audited in the caller's transaction.
"""

from __future__ import annotations

import csv
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from referral.audit import service as audit
from referral.directory.hours import HoursRule
from referral.directory.models import (
    SERVICE_LANGUAGES,
    EligibleSex,
    LegalStatus,
    Location,
    LocationLevel,
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

LOCATIONS_CSV = Path(__file__).parent / "data" / "kg-locations.csv"
STALE_AFTER = timedelta(days=365)


class DirectoryError(ValueError):
    """A rule refused the change; `field` names the form field to show it on."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- locations -----------------------------------------------------------------------


def load_locations(path: Path = LOCATIONS_CSV) -> int:
    """Insert or update Kyrgyzstan's locations from the shipped CSV. Returns rows added.

    Parents come before children in the file; names, former names and dates are only
    filled, never blanked, so edits made in the UI survive a re-run.
    """
    existing = {loc.code: loc for loc in db.session.execute(select(Location)).scalars()}
    added = 0
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            loc = existing.get(row["code"])
            if loc is None:
                loc = Location(code=row["code"], level=LocationLevel(row["level"]))
                db.session.add(loc)
                existing[loc.code] = loc
                added += 1
            loc.iso_3166_2 = row["iso_3166_2"] or loc.iso_3166_2
            parent = existing.get(row["parent_code"]) if row["parent_code"] else None
            loc.parent_id = parent.id if parent else None
            for lang in ("en", "ky", "ru"):
                if row[f"name_{lang}"] and not getattr(loc, f"name_{lang}"):
                    setattr(loc, f"name_{lang}", row[f"name_{lang}"])
            if row.get("former_names") and not loc.former_names:
                loc.former_names = json.loads(row["former_names"])
            if row.get("valid_from") and loc.valid_from is None:
                loc.valid_from = date.fromisoformat(row["valid_from"])
    db.session.flush()
    return added


def location_by_code(code: str) -> Location | None:
    return db.session.execute(select(Location).where(Location.code == code)).scalar_one_or_none()


def _parent_map() -> dict[uuid.UUID, uuid.UUID | None]:
    rows = db.session.execute(select(Location.id, Location.parent_id)).all()
    return {row.id: row.parent_id for row in rows}


def descendant_ids(location_id: uuid.UUID) -> set[uuid.UUID]:
    """The location and everything under it."""
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for child, parent in _parent_map().items():
        children.setdefault(parent, []).append(child)
    found, stack = {location_id}, [location_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def ancestor_ids(location_id: uuid.UUID) -> list[uuid.UUID]:
    """The location and its parents, nearest first."""
    parents = _parent_map()
    chain, current = [], location_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def location_tree(*, max_level: set[LocationLevel] | None = None) -> list[tuple[Location, int]]:
    """Every location with its depth, each parent followed by its children."""
    locations = list(db.session.execute(select(Location)).scalars())
    children: dict[uuid.UUID | None, list[Location]] = {}
    for loc in locations:
        if max_level is None or loc.level in max_level:
            children.setdefault(loc.parent_id, []).append(loc)
    result: list[tuple[Location, int]] = []

    def walk(parent_id, depth):
        for loc in sorted(children.get(parent_id, []), key=lambda x: (x.name_en, x.code)):
            result.append((loc, depth))
            walk(loc.id, depth + 1)

    walk(None, 0)
    return result


# Which levels an administrator may add, under which parent levels.
ADDABLE_LEVELS = {
    LocationLevel.AIYL_AIMAK: {LocationLevel.RAYON, LocationLevel.TOWN_OBLAST},
    LocationLevel.VILLAGE: {
        LocationLevel.AIYL_AIMAK,
        LocationLevel.RAYON,
        LocationLevel.TOWN_OBLAST,
        LocationLevel.CITY_DISTRICT,
    },
}


@dataclass
class LocationInput:
    code: str
    level: LocationLevel
    parent_id: uuid.UUID | None
    name_ky: str
    name_ru: str
    name_en: str
    former_names: list[dict] = field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None


def _check_location(data: LocationInput, current: Location | None) -> Location | None:
    if not (data.name_ky or data.name_ru or data.name_en):
        raise DirectoryError(_l("Give the name in at least one language."), "name_ru")
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise DirectoryError(_l("“Valid until” is before “valid from”."), "valid_to")
    other = location_by_code(data.code)
    if other is not None and other is not current:
        raise DirectoryError(_l("Another location already has this code."), "code")
    if current is not None and current.level not in ADDABLE_LEVELS:
        return None  # the shipped hierarchy keeps its parent and level
    parent = db.session.get(Location, data.parent_id) if data.parent_id else None
    if data.level not in ADDABLE_LEVELS:
        raise DirectoryError(_l("Only aiyl aimaks and villages can be added."), "level")
    if parent is None or parent.level not in ADDABLE_LEVELS[data.level]:
        raise DirectoryError(
            _l("An aiyl aimak belongs to a rayon or town; a village to an aiyl aimak or rayon."),
            "parent_id",
        )
    return parent


def create_location(data: LocationInput) -> Location:
    parent = _check_location(data, None)
    loc = Location(code=data.code, level=data.level, parent_id=parent.id)
    _apply_location(loc, data)
    db.session.add(loc)
    db.session.flush()
    audit.record(
        "directory_location_created",
        target_type="location",
        target_id=loc.id,
        detail={"code": loc.code, "level": loc.level.value},
    )
    return loc


def update_location(loc: Location, data: LocationInput) -> list[str]:
    parent = _check_location(data, loc)
    before = _snapshot(loc, LOCATION_FIELDS)
    if parent is not None:
        loc.parent_id, loc.level = parent.id, data.level
    _apply_location(loc, data)
    changed = _changed(before, _snapshot(loc, LOCATION_FIELDS))
    if changed:
        db.session.flush()
        audit.record(
            "directory_location_updated",
            target_type="location",
            target_id=loc.id,
            detail={"code": loc.code, "fields": changed},
        )
    return changed


LOCATION_FIELDS = (
    "code",
    "level",
    "parent_id",
    "name_ky",
    "name_ru",
    "name_en",
    "former_names",
    "valid_from",
    "valid_to",
)


def _apply_location(loc: Location, data: LocationInput) -> None:
    loc.code = data.code
    for name in ("name_ky", "name_ru", "name_en", "valid_from", "valid_to"):
        setattr(loc, name, getattr(data, name))
    loc.former_names = list(data.former_names)


def _snapshot(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


# --- phones --------------------------------------------------------------------------


@dataclass
class PhoneInput:
    number: str
    phone_type: PhoneType = PhoneType.VOICE
    description: str = ""


def _sync_phones(org: Organisation, service: Service | None, wanted: list[PhoneInput]) -> bool:
    """Make the phones of an organisation (service None) or service equal `wanted`,
    reusing rows in order so that ids stay stable for exchange partners."""
    query = select(Phone).where(Phone.organisation_id == org.id)
    query = query.where(
        Phone.service_id == service.id if service else Phone.service_id.is_(None)
    ).order_by(Phone.position)
    current = list(db.session.execute(query).scalars())
    changed = len(current) != len(wanted)
    for position, item in enumerate(wanted):
        phone = current[position] if position < len(current) else None
        if phone is None:
            phone = Phone(organisation_id=org.id, service_id=service.id if service else None)
            db.session.add(phone)
        values = {
            "number": item.number,
            "phone_type": item.phone_type,
            "description": item.description,
            "position": position,
        }
        for name, value in values.items():
            if getattr(phone, name) != value:
                setattr(phone, name, value)
                changed = True
    for phone in current[len(wanted) :]:
        db.session.delete(phone)
    db.session.flush()
    if service is not None:
        db.session.expire(service, ["phones"])
    return changed


# --- organisations -------------------------------------------------------------------


@dataclass
class OrganisationInput:
    name_ky: str
    name_ru: str
    name_en: str
    org_type: OrganisationType
    description_ky: str = ""
    description_ru: str = ""
    description_en: str = ""
    sector: Sector | None = None
    legal_status: LegalStatus | None = None
    parent_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    website: str | None = None
    email: str | None = None
    phones: list[PhoneInput] = field(default_factory=list)


ORGANISATION_FIELDS = (
    "name_ky",
    "name_ru",
    "name_en",
    "org_type",
    "description_ky",
    "description_ru",
    "description_en",
    "sector",
    "legal_status",
    "parent_id",
    "location_id",
    "website",
    "email",
)
# Only administrators change these: accounts and the pathway depend on them.
ADMIN_ONLY_ORGANISATION_FIELDS = ("org_type", "sector", "legal_status", "parent_id")


def _check_organisation(data: OrganisationInput, org: Organisation | None) -> None:
    if not (data.name_ky or data.name_ru or data.name_en):
        raise DirectoryError(_l("Give the name in at least one language."), "name_ru")
    if data.website and not data.website.startswith(("https://", "http://")):
        raise DirectoryError(_l("A website address starts with https://"), "website")
    if data.parent_id is not None:
        if org is not None and data.parent_id == org.id:
            raise DirectoryError(_l("An organisation cannot be its own parent."), "parent_id")
        seen, current = set(), db.session.get(Organisation, data.parent_id)
        if current is None:
            raise DirectoryError(_l("Choose a parent organisation from the list."), "parent_id")
        while current is not None and current.id not in seen:
            if org is not None and current.id == org.id:
                raise DirectoryError(
                    _l("This parent would make the organisation its own ancestor."), "parent_id"
                )
            seen.add(current.id)
            current = current.parent
    if org is not None and data.org_type != org.org_type:
        from referral.auth.models import User
        from referral.auth.service import ROLE_ORG_TYPES

        roles = set(
            db.session.execute(select(User.role).where(User.organisation_id == org.id)).scalars()
        )
        if any(data.org_type not in ROLE_ORG_TYPES[role] for role in roles):
            raise DirectoryError(
                _l(
                    "Accounts of this organisation have roles that the new type does not allow. "
                    "Move or change those accounts first."
                ),
                "org_type",
            )


def create_organisation(data: OrganisationInput) -> Organisation:
    _check_organisation(data, None)
    org = Organisation(org_type=data.org_type)
    for name in ORGANISATION_FIELDS:
        setattr(org, name, getattr(data, name))
    db.session.add(org)
    db.session.flush()
    _sync_phones(org, None, data.phones)
    audit.record(
        "directory_organisation_created",
        target_type="organisation",
        target_id=org.id,
        detail={"org_type": org.org_type.value},
    )
    return org


def update_organisation(org: Organisation, data: OrganisationInput) -> list[str]:
    """Returns the names of the fields that changed (empty: nothing was saved)."""
    _check_organisation(data, org)
    before = _snapshot(org, ORGANISATION_FIELDS)
    for name in ORGANISATION_FIELDS:
        setattr(org, name, getattr(data, name))
    changed = _changed(before, _snapshot(org, ORGANISATION_FIELDS))
    if _sync_phones(org, None, data.phones):
        changed.append("phones")
    if changed:
        db.session.flush()
        audit.record(
            "directory_organisation_updated",
            target_type="organisation",
            target_id=org.id,
            detail={"fields": changed},
        )
    return changed


def set_organisation_active(org: Organisation, active: bool) -> None:
    if org.is_active == active:
        return
    org.is_active = active
    db.session.flush()
    audit.record(
        "directory_organisation_activated" if active else "directory_organisation_deactivated",
        target_type="organisation",
        target_id=org.id,
    )


def list_organisations(
    *,
    search: str = "",
    location_id: uuid.UUID | None = None,
    org_type: OrganisationType | None = None,
    active: bool | None = True,
) -> list[Organisation]:
    query = select(Organisation).options(selectinload(Organisation.services))
    if location_id is not None:
        query = query.where(Organisation.location_id.in_(descendant_ids(location_id)))
    if org_type is not None:
        query = query.where(Organisation.org_type == org_type)
    if active is not None:
        query = query.where(Organisation.is_active.is_(active))
    orgs = list(db.session.execute(query).scalars())
    orgs = [o for o in orgs if _matches(search, o.name_ky, o.name_ru, o.name_en)]
    return sorted(orgs, key=lambda o: o.name.casefold())


def _matches(search: str, *texts: str) -> bool:
    """Case-insensitive for Cyrillic too (SQLite's LIKE folds ASCII only)."""
    needle = search.strip().casefold()
    return not needle or any(needle in (t or "").casefold() for t in texts)


# --- sites (premises) ----------------------------------------------------------------


@dataclass
class SiteInput:
    name_ky: str
    name_ru: str
    name_en: str
    location_id: uuid.UUID | None
    address: str = ""
    postal_code: str = ""
    is_confidential: bool = False
    is_active: bool = True


SITE_FIELDS = (
    "name_ky",
    "name_ru",
    "name_en",
    "location_id",
    "address",
    "postal_code",
    "is_confidential",
    "is_active",
)


def _check_site(data: SiteInput) -> None:
    if not (data.name_ky or data.name_ru or data.name_en):
        raise DirectoryError(_l("Give the name in at least one language."), "name_ru")
    if data.location_id is None:
        raise DirectoryError(_l("Choose where the premises are."), "location_id")


def create_site(org: Organisation, data: SiteInput) -> Site:
    _check_site(data)
    site = Site(organisation_id=org.id)
    for name in SITE_FIELDS:
        setattr(site, name, getattr(data, name))
    db.session.add(site)
    db.session.flush()
    audit.record(
        "directory_site_created",
        target_type="site",
        target_id=site.id,
        detail={"organisation_id": org.id, "is_confidential": site.is_confidential},
    )
    return site


def update_site(site: Site, data: SiteInput) -> list[str]:
    _check_site(data)
    before = _snapshot(site, SITE_FIELDS)
    for name in SITE_FIELDS:
        setattr(site, name, getattr(data, name))
    changed = _changed(before, _snapshot(site, SITE_FIELDS))
    if changed:
        db.session.flush()
        audit.record(
            "directory_site_updated",
            target_type="site",
            target_id=site.id,
            detail={"fields": changed, "is_confidential": site.is_confidential},
        )
    return changed


# --- services ------------------------------------------------------------------------


@dataclass
class ServiceInput:
    service_type: ServiceType
    name_ky: str
    name_ru: str
    name_en: str
    description_ky: str = ""
    description_ru: str = ""
    description_en: str = ""
    status: ServiceStatus = ServiceStatus.ACTIVE
    eligible_sex: EligibleSex = EligibleSex.ANY
    minimum_age: int | None = None
    maximum_age: int | None = None
    is_free: bool = True
    is_24h: bool = False
    accepts_referrals: bool = True
    is_nationwide: bool = False
    area_ids: list[uuid.UUID] = field(default_factory=list)
    language_codes: list[str] = field(default_factory=list)
    hours: list[HoursRule] = field(default_factory=list)
    site_ids: list[uuid.UUID] = field(default_factory=list)
    phones: list[PhoneInput] = field(default_factory=list)


SERVICE_FIELDS = (
    "service_type",
    "name_ky",
    "name_ru",
    "name_en",
    "description_ky",
    "description_ru",
    "description_en",
    "status",
    "eligible_sex",
    "minimum_age",
    "maximum_age",
    "is_free",
    "is_24h",
    "accepts_referrals",
    "is_nationwide",
)


def _check_service(org: Organisation, data: ServiceInput) -> None:
    if not (data.name_ky or data.name_ru or data.name_en):
        raise DirectoryError(_l("Give the name in at least one language."), "name_ru")
    ages = (data.minimum_age, data.maximum_age)
    if any(a is not None and not 0 <= a <= 120 for a in ages):
        raise DirectoryError(_l("Ages are between 0 and 120."), "minimum_age")
    if None not in ages and data.minimum_age > data.maximum_age:
        raise DirectoryError(_l("The minimum age is above the maximum age."), "maximum_age")
    if not data.is_nationwide and not data.area_ids:
        raise DirectoryError(
            _l("Choose the area the service covers, or mark it as nationwide."), "area_ids"
        )
    if data.accepts_referrals and not data.service_type.is_referral_destination:
        raise DirectoryError(
            _l("Violence cases are never referred to this type of service."), "accepts_referrals"
        )
    unknown = set(data.language_codes) - set(SERVICE_LANGUAGES)
    if unknown:
        raise DirectoryError(_l("Choose languages from the list."), "language_codes")
    own_sites = {site.id for site in org.sites}
    if set(data.site_ids) - own_sites:
        raise DirectoryError(_l("Choose premises of this organisation."), "site_ids")


def _sync_children(service: Service, data: ServiceInput) -> list[str]:
    changed = []
    wanted_codes = list(dict.fromkeys(data.language_codes))
    if sorted(lang.code for lang in service.languages) != sorted(wanted_codes):
        service.languages = [lang for lang in service.languages if lang.code in wanted_codes]
        have = {lang.code for lang in service.languages}
        service.languages += [ServiceLanguage(code=c) for c in wanted_codes if c not in have]
        changed.append("languages")
    wanted_areas = set(data.area_ids)
    if {a.location_id for a in service.areas} != wanted_areas:
        service.areas = [a for a in service.areas if a.location_id in wanted_areas]
        have = {a.location_id for a in service.areas}
        service.areas += [ServiceArea(location_id=i) for i in wanted_areas - have]
        changed.append("areas")
    current_hours = [(s.byday, s.opens_at, s.closes_at) for s in service.schedules]
    wanted_hours = [(",".join(r.days), r.opens_at, r.closes_at) for r in data.hours]
    if current_hours != wanted_hours:
        kept = service.schedules[: len(wanted_hours)]
        for position, (schedule, (byday, opens, closes)) in enumerate(
            zip(kept, wanted_hours, strict=False)
        ):
            schedule.byday, schedule.opens_at, schedule.closes_at = byday, opens, closes
            schedule.position = position
        service.schedules = kept + [
            Schedule(byday=byday, opens_at=opens, closes_at=closes, position=position)
            for position, (byday, opens, closes) in enumerate(wanted_hours)
            if position >= len(kept)
        ]
        changed.append("hours")
    wanted_sites = set(data.site_ids)
    if {s.site_id for s in service.at_sites} != wanted_sites:
        service.at_sites = [s for s in service.at_sites if s.site_id in wanted_sites]
        have = {s.site_id for s in service.at_sites}
        service.at_sites += [ServiceAtSite(site_id=i) for i in wanted_sites - have]
        changed.append("sites")
    return changed


def create_service(org: Organisation, data: ServiceInput) -> Service:
    _check_service(org, data)
    service = Service(organisation_id=org.id, service_type=data.service_type)
    for name in SERVICE_FIELDS:
        setattr(service, name, getattr(data, name))
    db.session.add(service)
    db.session.flush()
    _sync_children(service, data)
    _sync_phones(org, service, data.phones)
    audit.record(
        "directory_service_created",
        target_type="service",
        target_id=service.id,
        detail={"organisation_id": org.id, "service_type": service.service_type.value},
    )
    return service


def update_service(service: Service, data: ServiceInput) -> list[str]:
    _check_service(service.organisation, data)
    before = _snapshot(service, SERVICE_FIELDS)
    for name in SERVICE_FIELDS:
        setattr(service, name, getattr(data, name))
    changed = _changed(before, _snapshot(service, SERVICE_FIELDS))
    changed += _sync_children(service, data)
    if _sync_phones(service.organisation, service, data.phones):
        changed.append("phones")
    if changed:
        db.session.flush()
        audit.record(
            "directory_service_updated",
            target_type="service",
            target_id=service.id,
            detail={"fields": sorted(changed)},
        )
    return sorted(changed)


def verify_service(service: Service, by, today: date | None = None) -> None:
    """Record that someone confirmed the entry is still true today."""
    service.verified_at = today or date.today()
    service.verified_by = by.email or by.username
    db.session.flush()
    audit.record("directory_service_verified", target_type="service", target_id=service.id)


def is_stale(service: Service, today: date | None = None) -> bool:
    today = today or date.today()
    return service.verified_at is None or service.verified_at < today - STALE_AFTER


def list_services(
    *,
    search: str = "",
    location_id: uuid.UUID | None = None,
    service_type: ServiceType | None = None,
    active: bool | None = True,
    stale: bool = False,
    organisation_id: uuid.UUID | None = None,
) -> list[Service]:
    """Services for the staff list. A location filter keeps services whose organisation,
    premises or area lie in that location or anywhere under it."""
    query = (
        select(Service)
        .join(Service.organisation)
        .options(selectinload(Service.areas), selectinload(Service.organisation))
    )
    if location_id is not None:
        ids = descendant_ids(location_id)
        in_area = select(ServiceArea.service_id).where(ServiceArea.location_id.in_(ids))
        at_site = (
            select(ServiceAtSite.service_id)
            .join(Site, Site.id == ServiceAtSite.site_id)
            .where(Site.location_id.in_(ids))
        )
        query = query.where(
            or_(
                Organisation.location_id.in_(ids),
                Service.id.in_(in_area),
                Service.id.in_(at_site),
            )
        )
    if service_type is not None:
        query = query.where(Service.service_type == service_type)
    if active is True:
        query = query.where(Service.status == ServiceStatus.ACTIVE, Organisation.is_active)
    elif active is False:
        query = query.where(
            or_(Service.status != ServiceStatus.ACTIVE, Organisation.is_active.is_(False))
        )
    if stale:
        cutoff = date.today() - STALE_AFTER
        query = query.where(or_(Service.verified_at.is_(None), Service.verified_at < cutoff))
    if organisation_id is not None:
        query = query.where(Service.organisation_id == organisation_id)
    services = [
        s
        for s in db.session.execute(query).scalars()
        if _matches(
            search,
            s.name_ky,
            s.name_ru,
            s.name_en,
            s.organisation.name_ky,
            s.organisation.name_ru,
            s.organisation.name_en,
        )
    ]
    return sorted(services, key=lambda s: (s.organisation.name.casefold(), s.name.casefold()))


def count_stale_services() -> int:
    return len(list_services(stale=True))


def parse_former_names(text: str) -> list[dict]:
    """One former name per line, optionally "| until YYYY-MM-DD": "Kara-Buura | 2023-04-10"."""
    names = []
    for line in (text or "").splitlines():
        name, _sep, until = (part.strip() for part in line.partition("|"))
        if not name:
            continue
        if until:
            try:
                until = date.fromisoformat(until).isoformat()
            except ValueError:
                raise DirectoryError(
                    _l("Write the date as YYYY-MM-DD, e.g. Kara-Buura | 2023-04-10"),
                    "former_names",
                ) from None
        names.append({"name": name[:200], "until": until or None})
    return names


def former_names_text(names: list[dict]) -> str:
    return "\n".join(
        f"{item['name']} | {item['until']}" if item.get("until") else item["name"]
        for item in names or []
    )
