"""Services: what an organisation offers, to whom, where, when and in which languages, and
when someone last confirmed the entry is true."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from referral.audit import service as audit
from referral.directory.hours import HoursRule
from referral.directory.models import (
    SERVICE_LANGUAGES,
    EligibleSex,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceLanguage,
    ServiceStatus,
    ServiceType,
)
from referral.directory.service.phones import PhoneInput, sync_phones
from referral.directory.service.rules import DirectoryError, assign, check_ages, require_name
from referral.extensions import db

STALE_AFTER = timedelta(days=365)


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


def _check_service(org: Organisation, data: ServiceInput, kept_codes=()) -> None:
    require_name(data)
    check_ages(data.minimum_age, data.maximum_age)
    if not data.is_nationwide and not data.area_ids:
        raise DirectoryError(
            _l("Choose the area the service covers, or mark it as nationwide."), "area_ids"
        )
    if data.accepts_referrals and not data.service_type.is_referral_destination:
        raise DirectoryError(
            _l("Violence cases are never referred to this type of service."), "accepts_referrals"
        )
    # Codes an import brought (any ISO 639 code) stay choosable on the service's own form.
    unknown = set(data.language_codes) - set(SERVICE_LANGUAGES) - set(kept_codes)
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
    assign(service, data, SERVICE_FIELDS)
    db.session.add(service)
    db.session.flush()
    _sync_children(service, data)
    sync_phones(org, service, data.phones)
    audit.record(
        "directory_service_created",
        target_type="service",
        target_id=service.id,
        detail={"organisation_id": org.id, "service_type": service.service_type.value},
    )
    return service


def update_service(service: Service, data: ServiceInput) -> list[str]:
    _check_service(service.organisation, data, [lang.code for lang in service.languages])
    changed = assign(service, data, SERVICE_FIELDS)
    changed += _sync_children(service, data)
    if sync_phones(service.organisation, service, data.phones):
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
