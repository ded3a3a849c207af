"""The staff lists of organisations and services, with their filters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.orm import selectinload

from referral.directory import policy
from referral.directory.models import (
    Location,
    Organisation,
    OrganisationType,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceStatus,
    ServiceType,
    Site,
    names,
)
from referral.directory.models.i18n import current_language
from referral.directory.service.locations import descendant_ids
from referral.directory.service.services import STALE_AFTER
from referral.extensions import db

# Rows per page: a phone on a slow line gets a page it can load, not the whole country.
PAGE_SIZE = 50


@dataclass
class Page:
    """One page of a list: its rows, which page it is (from 1) of how many, and the count
    of every row that matches."""

    rows: list
    number: int
    pages: int
    total: int


def _page(query, count_query, number: int, per_page: int, scalars: bool = True) -> Page:
    """Counted first so that a page beyond the end shows the last one, not an empty list."""
    total = db.session.execute(count_query).scalar_one()
    pages = max(1, -(-total // per_page))
    number = min(max(number, 1), pages)
    rows = db.session.execute(query.limit(per_page).offset((number - 1) * per_page))
    return Page(
        rows=list(rows.scalars() if scalars else rows), number=number, pages=pages, total=total
    )


def _name_matches(needle: str | None, *models):
    """Names of any of `models` (ky, ru or en) contain the folded needle."""
    if needle is None:
        return true()
    if "\n" in needle:
        return false()
    return or_(*(model.search_text.contains(needle, autoescape=True) for model in models))


def _organisation_filters(
    search: str, location_id: uuid.UUID | None, org_type: OrganisationType | None, active
) -> list:
    where = [_name_matches(names.search_needle(search), Organisation)]
    if location_id is not None:
        where.append(Organisation.location_id.in_(descendant_ids(location_id)))
    if org_type is not None:
        where.append(Organisation.org_type == org_type)
    if active is not None:
        where.append(Organisation.is_active.is_(active))
    return where


def list_organisations(
    *,
    search: str = "",
    location_id: uuid.UUID | None = None,
    org_type: OrganisationType | None = None,
    active: bool | None = True,
    lang: str | None = None,
) -> list[Organisation]:
    """Every matching organisation, in name order for `lang` (the request's language)."""
    key = getattr(Organisation, f"sort_{lang or current_language()}")
    query = (
        select(Organisation)
        .where(*_organisation_filters(search, location_id, org_type, active))
        .order_by(key, Organisation.id)
    )
    return list(db.session.execute(query).scalars())


def page_organisations(
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    search: str = "",
    location_id: uuid.UUID | None = None,
    org_type: OrganisationType | None = None,
    active: bool | None = True,
    lang: str | None = None,
) -> Page:
    """One page of the staff list of organisations; each row knows its services' count as
    `service_count`."""
    where = _organisation_filters(search, location_id, org_type, active)
    key = getattr(Organisation, f"sort_{lang or current_language()}")
    query = (
        select(Organisation)
        .where(*where)
        .options(selectinload(Organisation.location))
        .order_by(key, Organisation.id)
    )
    found = _page(query, select(func.count(Organisation.id)).where(*where), page, per_page)
    ids = [org.id for org in found.rows]
    counts = dict(
        db.session.execute(
            select(Service.organisation_id, func.count(Service.id))
            .where(Service.organisation_id.in_(ids))
            .group_by(Service.organisation_id)
        ).all()
    )
    found.rows = [(org, counts.get(org.id, 0)) for org in found.rows]
    return found


def _service_filters(
    *,
    search: str,
    location_id: uuid.UUID | None,
    service_type: ServiceType | None,
    active: bool | None,
    stale: bool,
    organisation_id: uuid.UUID | None,
    user,
) -> list:
    where = [_name_matches(names.search_needle(search), Service, Organisation)]
    if location_id is not None:
        ids = descendant_ids(location_id)
        in_area = select(ServiceArea.service_id).where(ServiceArea.location_id.in_(ids))
        at_site = (
            select(ServiceAtSite.service_id)
            .join(Site, Site.id == ServiceAtSite.site_id)
            .where(Site.location_id.in_(ids), policy.site_place_visible(user))
        )
        where.append(
            or_(
                Organisation.location_id.in_(ids),
                Service.id.in_(in_area),
                Service.id.in_(at_site),
            )
        )
    if service_type is not None:
        where.append(Service.service_type == service_type)
    if active is True:
        where += [Service.status == ServiceStatus.ACTIVE, Organisation.is_active]
    elif active is False:
        where.append(or_(Service.status != ServiceStatus.ACTIVE, Organisation.is_active.is_(False)))
    if stale:
        where.append(_stale(date.today()))
    if organisation_id is not None:
        where.append(Service.organisation_id == organisation_id)
    return where


def _services_query(where: list, lang: str | None):
    key = getattr(Service, f"sort_{lang or current_language()}")
    return (
        select(Service)
        .join(Service.organisation)
        .where(*where)
        .options(selectinload(Service.areas), selectinload(Service.organisation))
        .order_by(key, Service.id)
    )


def list_services(
    *,
    search: str = "",
    location_id: uuid.UUID | None = None,
    service_type: ServiceType | None = None,
    active: bool | None = True,
    stale: bool = False,
    organisation_id: uuid.UUID | None = None,
    user=None,
    lang: str | None = None,
) -> list[Service]:
    """Services for the staff list, by organisation then service name in `lang` (the
    request's language). A location filter keeps services whose organisation, premises or
    area lie in that location or anywhere under it; premises count only when `user` may see
    their place (`policy.site_place_visible`: without a user, no confidential premises), so
    the filter never reveals where a shelter is."""
    where = _service_filters(
        search=search,
        location_id=location_id,
        service_type=service_type,
        active=active,
        stale=stale,
        organisation_id=organisation_id,
        user=user,
    )
    return list(db.session.execute(_services_query(where, lang)).scalars())


def page_services(
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    search: str = "",
    location_id: uuid.UUID | None = None,
    service_type: ServiceType | None = None,
    active: bool | None = True,
    stale: bool = False,
    user=None,
    lang: str | None = None,
) -> Page:
    """One page of `list_services`, counted and cut in the database. Rows are
    `ServiceRow`s: the columns the list shows, read without loading whole services."""
    lang = lang or current_language()
    where = _service_filters(
        search=search,
        location_id=location_id,
        service_type=service_type,
        active=active,
        stale=stale,
        organisation_id=None,
        user=user,
    )
    query = (
        select(*_ROW_COLUMNS)
        .join(Service.organisation)
        .where(*where)
        .order_by(getattr(Service, f"sort_{lang}"), Service.id)
    )
    count = select(func.count(Service.id)).join(Service.organisation).where(*where)
    found = _page(query, count, page, per_page, scalars=False)
    areas: dict[uuid.UUID, list[str]] = {}
    if found.rows:
        for service_id, *location_names in db.session.execute(
            select(ServiceArea.service_id, *_name_columns(Location))
            .join(Location, Location.id == ServiceArea.location_id)
            .where(ServiceArea.service_id.in_([row.id for row in found.rows]))
        ):
            areas.setdefault(service_id, []).append(_name(location_names, lang))
    cutoff = date.today() - STALE_AFTER
    found.rows = [
        ServiceRow(
            id=row.id,
            organisation_id=row.organisation_id,
            name=_name(row[2:5], lang),
            organisation_name=_name(row[5:8], lang),
            service_type=row.service_type,
            status=row.status,
            organisation_active=row.is_active,
            is_nationwide=row.is_nationwide,
            area_names=sorted(areas.get(row.id, [])),
            verified_at=row.verified_at,
            is_stale=row.verified_at is None or row.verified_at < cutoff,
        )
        for row in found.rows
    ]
    return found


@dataclass(frozen=True)
class ServiceRow:
    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    organisation_name: str
    service_type: ServiceType
    status: ServiceStatus
    organisation_active: bool
    is_nationwide: bool
    area_names: list[str]
    verified_at: date | None
    is_stale: bool


def _name_columns(model) -> list:
    return [getattr(model, column) for column in names.NAME_COLUMNS]


def _name(values, lang: str) -> str:
    """As `localised` picks a name, from (ky, ru, en) values read as columns."""
    by_code = dict(zip(names.LANGUAGES, values, strict=True))
    return next((by_code[c] for c in (lang, *names.FALLBACK) if by_code[c]), "")


_ROW_COLUMNS = (
    Service.id,
    Service.organisation_id,
    *_name_columns(Service),
    *_name_columns(Organisation),
    Service.service_type,
    Service.status,
    Organisation.is_active,
    Service.is_nationwide,
    Service.verified_at,
)


def _stale(today: date):
    cutoff = today - STALE_AFTER
    return or_(Service.verified_at.is_(None), Service.verified_at < cutoff)


def count_organisation_services(organisation_id: uuid.UUID, today: date | None = None):
    """(services listed, of which not verified for STALE_AFTER) for one organisation's
    home panel, in one statement."""
    stale = _stale(today or date.today())
    listed, to_confirm = db.session.execute(
        select(func.count(Service.id), func.count(Service.id).filter(stale)).where(
            Service.organisation_id == organisation_id
        )
    ).one()
    return listed, to_confirm


def count_stale_services(today: date | None = None) -> int:
    """Active services of active organisations not verified for STALE_AFTER: counted in
    the database (the admin's home page asks on every visit)."""
    query = (
        select(func.count(Service.id))
        .join(Service.organisation)
        .where(
            Service.status == ServiceStatus.ACTIVE,
            Organisation.is_active,
            _stale(today or date.today()),
        )
    )
    return db.session.execute(query).scalar_one()
