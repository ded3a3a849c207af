"""What the public service finder shows: active entries only, never a confidential
address, and nothing about the visitor is kept."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from referral.directory import policy
from referral.directory.hours import hours_display
from referral.directory.models import (
    Location,
    LocationLevel,
    Organisation,
    Service,
    ServiceArea,
    ServiceStatus,
    ServiceType,
)
from referral.directory.service import ancestor_ids, descendant_ids, location_tree
from referral.extensions import db

T = ServiceType


@dataclass(frozen=True)
class Need:
    key: str
    label: object  # lazy string
    service_types: tuple[ServiceType, ...]


# Plain words a visitor chooses; the service types that answer each, most direct first.
NEEDS = (
    Need(
        "danger",
        _l("I am in danger now"),
        (
            T.POLICE_INTERNAL_AFFAIRS,
            T.POLICE_DISTRICT_INSPECTOR,
            T.CRISIS_CENTRE,
            T.PROTECTION_ORDER_ISSUING,
            T.SHELTER_SAFE_ACCOMMODATION,
            T.SINGLE_WINDOW_CENTRE,
        ),
    ),
    Need(
        "medical",
        _l("Medical help"),
        (
            T.HEALTH_SEXUAL_REPRODUCTIVE,
            T.HEALTH_PRIMARY_CARE,
            T.HEALTH_HOSPITAL,
            T.FORENSIC_MEDICAL_EXAMINATION,
            T.SINGLE_WINDOW_CENTRE,
        ),
    ),
    Need(
        "talk",
        _l("Someone to talk to"),
        (T.CRISIS_CENTRE, T.PSYCHOLOGIST_COUNSELLING, T.MENTAL_HEALTH, T.SINGLE_WINDOW_CENTRE),
    ),
    Need(
        "legal",
        _l("Legal advice"),
        (
            T.LEGAL_AID_STATE,
            T.LEGAL_AID_NGO,
            T.PROTECTION_ORDER_ISSUING,
            T.CRISIS_CENTRE,
            T.SINGLE_WINDOW_CENTRE,
        ),
    ),
    Need(
        "shelter",
        _l("A safe place to stay"),
        (T.SHELTER_SAFE_ACCOMMODATION, T.CRISIS_CENTRE),
    ),
    Need(
        "child",
        _l("Help for a child"),
        (
            T.CHILD_PROTECTION_FAMILY_SUPPORT,
            T.SOCIAL_PROTECTION_DEPARTMENT,
            T.POLICE_DISTRICT_INSPECTOR,
            T.CRISIS_CENTRE,
        ),
    ),
    Need(
        "support",
        _l("Money, documents or social support"),
        (
            T.SOCIAL_PROTECTION_DEPARTMENT,
            T.LIVELIHOODS_ECONOMIC,
            T.IDENTITY_DOCUMENTS,
            T.EDUCATION,
        ),
    ),
)
NEEDS_BY_KEY = {need.key: need for need in NEEDS}

# What a visitor picks: cities and rayons (and Bishkek's districts, towns).
FINDER_LEVELS = {
    LocationLevel.OBLAST,
    LocationLevel.CITY_NATIONAL,
    LocationLevel.RAYON,
    LocationLevel.CITY_DISTRICT,
    LocationLevel.TOWN_OBLAST,
}


def finder_locations() -> list[tuple[Location, int]]:
    """Oblasts as headings with their rayons and towns; cities with their districts."""
    return location_tree(max_level=FINDER_LEVELS)


def _public_query():
    return (
        select(Service)
        .join(Service.organisation)
        .where(Service.status == ServiceStatus.ACTIVE, Organisation.is_active.is_(True))
        .options(
            selectinload(Service.areas),
            selectinload(Service.languages),
            selectinload(Service.schedules),
            selectinload(Service.phones),
            selectinload(Service.organisation).selectinload(Organisation.sites),
        )
    )


def find_services(location: Location, need: Need | None) -> list[Service]:
    """Active services covering `location`: those whose area is the location, one of its
    parents (an oblast covers its rayons) or something inside it. Nationwide helplines
    are listed apart (see `helplines`)."""
    area_ids = set(ancestor_ids(location.id)) | descendant_ids(location.id)
    covering = select(ServiceArea.service_id).where(ServiceArea.location_id.in_(area_ids))
    types = need.service_types if need else tuple(t for t in ServiceType)
    query = _public_query().where(
        Service.service_type.in_([t for t in types if t.is_referral_destination]),
        or_(Service.id.in_(covering), Service.is_nationwide.is_(True)),
        Service.service_type != ServiceType.HELPLINE,
    )
    services = list(db.session.execute(query).scalars())
    order = {t: i for i, t in enumerate(types)}
    return sorted(
        services,
        key=lambda s: (order.get(s.service_type, 99), not s.is_24h, s.name.casefold()),
    )


def helplines() -> list[Service]:
    query = _public_query().where(Service.service_type == ServiceType.HELPLINE)
    return sorted(db.session.execute(query).scalars(), key=lambda s: s.name.casefold())


@dataclass
class PublicSite:
    name: str
    place: str
    address: str | None  # None: withheld for safety


@dataclass
class PublicService:
    """Exactly the fields the public may see of a service."""

    id: str
    name: str
    organisation: str
    type_label: str
    description: str
    phones: list[tuple[str, str]]
    hours: list[str]
    is_24h: bool
    languages: list[str]
    is_free: bool
    sites: list[PublicSite]
    is_verified: bool


def _public_site(site) -> PublicSite:
    view = policy.visible_site(None, site)  # None: the public
    if view.withheld:  # not even the place or the premises' name
        return PublicSite(name="", place="", address=None)
    return PublicSite(
        name=view.name,
        place=view.location.name if view.location else "",
        address=view.address,
    )


def public_view(service: Service) -> PublicService:
    phones = service.phones or service.organisation.phones
    sites = [s.site for s in service.at_sites if s.site.is_active] or [
        s for s in service.organisation.sites if s.is_active
    ]
    return PublicService(
        id=str(service.id),
        name=service.name,
        organisation=service.organisation.name,
        type_label=service.service_type.label,
        description=service.description,
        phones=[(p.number, p.description) for p in phones],
        hours=hours_display(service.schedules),
        is_24h=service.is_24h,
        languages=[lang.label for lang in service.languages],
        is_free=service.is_free,
        sites=[_public_site(site) for site in sites],
        is_verified=service.verified_at is not None,
    )
