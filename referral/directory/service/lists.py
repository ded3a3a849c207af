"""The staff lists of organisations and services, with their filters."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from referral.directory import policy
from referral.directory.models import (
    Organisation,
    OrganisationType,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceStatus,
    ServiceType,
    Site,
)
from referral.directory.service.locations import descendant_ids
from referral.directory.service.services import STALE_AFTER
from referral.extensions import db


def _matches(search: str, *texts: str) -> bool:
    """Case-insensitive for Cyrillic too (SQLite's LIKE folds ASCII only)."""
    needle = search.strip().casefold()
    return not needle or any(needle in (t or "").casefold() for t in texts)


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


def list_services(
    *,
    search: str = "",
    location_id: uuid.UUID | None = None,
    service_type: ServiceType | None = None,
    active: bool | None = True,
    stale: bool = False,
    organisation_id: uuid.UUID | None = None,
    user=None,
) -> list[Service]:
    """Services for the staff list. A location filter keeps services whose organisation,
    premises or area lie in that location or anywhere under it; premises count only when
    `user` may see their place (`policy.site_place_visible`: without a user, no
    confidential premises), so the filter never reveals where a shelter is."""
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
            .where(Site.location_id.in_(ids), policy.site_place_visible(user))
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


def count_stale_services(today: date | None = None) -> int:
    """Active services of active organisations not verified for STALE_AFTER: counted in
    the database (the admin's home page asks on every visit)."""
    cutoff = (today or date.today()) - STALE_AFTER
    query = (
        select(func.count(Service.id))
        .join(Service.organisation)
        .where(
            Service.status == ServiceStatus.ACTIVE,
            Organisation.is_active,
            or_(Service.verified_at.is_(None), Service.verified_at < cutoff),
        )
    )
    return db.session.execute(query).scalar_one()
