"""The directory as HSDS tables, read from the database (what both exports serialise).

A confidential site is exported as a `virtual` location with no address, no place code
and no name of its own. An address is exported only when it can be a valid HSDS address
(every required field filled): the street and postal code as held, `city` the site's place
(its most precise known location: a city, rayon or district) and `state_province` the
oblast above it (a city of national significance is its own). A site without a street,
place or postal code keeps what it has on the location as profile attributes instead.
"""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from referral.auth.models import User
from referral.directory import policy
from referral.directory.exchange.profile import (
    COATE,
    COATE_URI,
    FIELDS,
    LANGS,
    NATIONWIDE_URI,
    PROFILE_URI,
    TAXONOMY,
    TAXONOMY_ID,
    Tables,
    derived_id,
    term_id,
)
from referral.directory.exchange.validation import EMAIL_RE
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


def _hsds_text(obj, prefix: str = "name") -> str:
    """HSDS has one name and one description: English, else Russian, else Kyrgyz."""
    texts = (getattr(obj, f"{prefix}_{lang}") for lang in ("en", "ru", "ky"))
    return next((text for text in texts if text), "")


def _kg_texts(obj, prefix: str = "name") -> dict[str, str]:
    return {f"kg_{prefix}_{lang}": getattr(obj, f"{prefix}_{lang}") for lang in LANGS}


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
                "name": _hsds_text(org),
                "description": _hsds_text(org, "description") or _hsds_text(org),
                "email": org.email,
                "website": org.website,
                "legal_status": org.legal_status.value if org.legal_status else None,
                "parent_organization_id": str(org.parent_id) if org.parent_id else None,
                **_kg_texts(org),
                **_kg_texts(org, "description"),
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
                "location_id": None,
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
        }
    )
    for service_type in ServiceType:
        tables["taxonomy_terms"].append(
            {
                "id": term_id(service_type),
                "code": service_type.value,
                "name": str(service_type.label),
                "description": str(service_type.label),
                "taxonomy_id": TAXONOMY_ID,
                "term_uri": f"{PROFILE_URI}#{TAXONOMY}/{service_type.value}",
            }
        )
    return tables


def _export_site(tables: Tables, org: Organisation, site: Site, locations: dict) -> None:
    if policy.visible_site(None, site).withheld:  # None: the public
        # Never the address, the place or a name that could point to it.
        tables["locations"].append(
            {
                "id": str(site.id),
                "organization_id": str(org.id),
                "location_type": "virtual",
                "name": _hsds_text(org),
                "external_identifier": None,
                "external_identifier_type": None,
                **{f"kg_name_{lang}": "" for lang in LANGS},
                "kg_confidential": True,
                "kg_is_active": site.is_active,
            }
        )
        return
    place = locations.get(site.location_id)
    row = {
        "id": str(site.id),
        "organization_id": str(org.id),
        "location_type": "physical",
        "name": _hsds_text(site),
        "external_identifier": place.code if place else None,
        "external_identifier_type": COATE if place else None,
        **_kg_texts(site),
        "kg_confidential": False,
        "kg_is_active": site.is_active,
    }
    tables["locations"].append(row)
    oblast = _oblast_of(place, locations)
    address = {
        "id": derived_id("address", site.id),
        "location_id": str(site.id),
        "address_1": site.address,
        "city": _place_name(place),
        "state_province": _place_name(oblast),
        "postal_code": site.postal_code,
        "country": "KG",
        "address_type": "physical",
    }
    if all(address.values()):
        tables["addresses"].append(address)
    else:  # HSDS requires every one of them: keep what we hold on the location instead
        row["kg_address"], row["kg_postal_code"] = site.address, site.postal_code


def _place_name(place: Location | None) -> str:
    return (place.name_en or place.name_ru or place.name_ky) if place else ""


def _assurer_email(verified_by: str | None) -> str | None:
    """HSDS wants the assurer's e-mail: the one recorded, or the e-mail of the account whose
    username was recorded; never the username itself."""
    if not verified_by:
        return None
    if EMAIL_RE.match(verified_by):
        return verified_by
    email = db.session.scalar(select(User.email).where(User.username == verified_by))
    return email if email and EMAIL_RE.match(email) else None


def _export_service(tables: Tables, svc: Service, locations: dict) -> None:
    sid = str(svc.id)
    tables["services"].append(
        {
            "id": sid,
            "organization_id": str(svc.organisation_id),
            "name": _hsds_text(svc),
            "description": _hsds_text(svc, "description"),
            "status": svc.status.value,
            "minimum_age": svc.minimum_age,
            "maximum_age": svc.maximum_age,
            "fees_description": "free" if svc.is_free else "paid",
            "assured_date": svc.verified_at,
            "assurer_email": _assurer_email(svc.verified_by),
            **_kg_texts(svc),
            **_kg_texts(svc, "description"),
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
                "service_at_location_id": None,
                "location_id": None,
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
            "link_type": "service_type",
            "link_entity": "service",
            "taxonomy_term_id": term_id(svc.service_type),
            "value": None,
        }
    )
