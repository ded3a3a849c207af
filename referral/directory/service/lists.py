"""The staff lists of organisations and services, with their filters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, func, or_, select, true, tuple_
from sqlalchemy.orm import selectinload

from referral.dates import format_date
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
# Rows a list counts at most. Counting every active service of the country joined to its
# organisation was most of page 1's database time; up to here the count is exact, beyond
# it the list says "more than", and the pages past it are reached by "Next".
COUNT_LIMIT = 1000


@dataclass
class Page:
    """One page of a list: its rows, which page it is (from 1), and the count of every row
    that matches up to COUNT_LIMIT (`total` None: more). `after` and `before` are the
    cursors of the next and the previous page, None where there is none."""

    rows: list
    number: int
    total: int | None
    per_page: int = PAGE_SIZE
    count_limit: int = COUNT_LIMIT
    after: str | None = None
    before: str | None = None

    @property
    def pages(self) -> int | None:
        """How many pages, when the count is exact."""
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    """The row id a cursor stands for; None for anything else (the list then starts at the
    top, as for no cursor)."""
    if not cursor or len(cursor) != 32 or not cursor.isascii():
        return None
    try:
        return uuid.UUID(hex=cursor)
    except ValueError:
        return None


def _page(
    query,
    count_query,
    *,
    model,
    key,
    number: int,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    scalars: bool = True,
) -> Page:
    """One page of `query` in (key, id) order. With a cursor (the id of the row the page
    follows or precedes) the page is found by keyset, so a deep page costs what page 1
    costs; the cursor's row is read for its key, and a cursor that names no row is no
    cursor. Without one, `number` is reached by offset within the counted rows; a number
    beyond them shows the last page they hold."""
    counted = db.session.execute(
        select(func.count()).select_from(count_query.limit(COUNT_LIMIT + 1).subquery())
    ).scalar_one()
    total = counted if counted <= COUNT_LIMIT else None
    ident = model.id
    anchor_id = decode_cursor(after) or decode_cursor(before)
    anchor = None
    if anchor_id is not None:
        anchor = db.session.execute(select(key, ident).where(ident == anchor_id)).one_or_none()
    if (after or before) and anchor is None:
        number = 1  # the number went with the cursor
    fetch = per_page + 1
    if anchor is not None and decode_cursor(after) is not None:
        found = _rows(
            query.where(tuple_(key, ident) > tuple(anchor)).order_by(key, ident).limit(fetch),
            scalars,
        )
        more, earlier, number = len(found) > per_page, True, max(number, 2)
        found = found[:per_page]
    else:
        found = []
        if anchor is not None:
            found = _rows(
                query.where(tuple_(key, ident) < tuple(anchor))
                .order_by(key.desc(), ident.desc())
                .limit(fetch),
                scalars,
            )
        if len(found) > per_page:
            more, earlier, number = True, True, max(number, 2)
            found = found[:per_page][::-1]
        else:
            # No cursor, or "Previous" reached the top: the first page is the full one.
            if anchor is not None:
                number = 1
            reachable = max(1, -(-(counted if total is not None else COUNT_LIMIT) // per_page))
            number = min(max(number, 1), reachable)
            found = _rows(
                query.order_by(key, ident).limit(fetch).offset((number - 1) * per_page), scalars
            )
            more, earlier = len(found) > per_page, number > 1
            found = found[:per_page]
    return Page(
        rows=found,
        number=number,
        total=total,
        per_page=per_page,
        count_limit=COUNT_LIMIT,
        after=found[-1].id.hex if more and found else None,
        before=found[0].id.hex if earlier and found else None,
    )


def _rows(query, scalars: bool) -> list:
    result = db.session.execute(query)
    return list(result.scalars() if scalars else result)


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
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """One page of the staff list of organisations; each row knows its services' count as
    `service_count`."""
    where = _organisation_filters(search, location_id, org_type, active)
    query = select(Organisation).where(*where).options(selectinload(Organisation.location))
    found = _page(
        query,
        select(Organisation.id).where(*where),
        model=Organisation,
        key=getattr(Organisation, f"sort_{lang or current_language()}"),
        number=page,
        per_page=per_page,
        after=after,
        before=before,
    )
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
    # A service's search text holds its organisation's names too (`names.refresh_service`):
    # one indexed column to search rather than an OR across the join.
    where = [_name_matches(names.search_needle(search), Service)]
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
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """One page of `list_services`, counted (up to COUNT_LIMIT) and cut in the database. Rows are
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
    found = _page(
        select(*_ROW_COLUMNS).join(Service.organisation).where(*where),
        select(Service.id).join(Service.organisation).where(*where),
        model=Service,
        key=getattr(Service, f"sort_{lang}"),
        number=page,
        per_page=per_page,
        after=after,
        before=before,
        scalars=False,
    )
    areas: dict[uuid.UUID, list[str]] = {}
    if found.rows:
        for service_id, *location_names in db.session.execute(
            select(ServiceArea.service_id, *_name_columns(Location))
            .join(Location, Location.id == ServiceArea.location_id)
            .where(ServiceArea.service_id.in_([row.id for row in found.rows]))
        ):
            areas.setdefault(service_id, []).append(_name(location_names, lang))
    cutoff = date.today() - STALE_AFTER
    # A page shows a handful of distinct types, statuses and dates: each label and date is
    # translated or formatted once per page rather than once per row.
    labels: dict = {}

    def label(value) -> str:
        if value not in labels:
            labels[value] = value.label
        return labels[value]

    dates: dict = {}

    def shown(day: date | None) -> str:
        if day not in dates:
            dates[day] = format_date(day)
        return dates[day]

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
            type_label=label(row.service_type),
            status_label=label(row.status),
            verified_text=shown(row.verified_at),
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
    type_label: str = ""
    status_label: str = ""
    verified_text: str = ""


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


def count_stale_services(today: date | None = None) -> int | None:
    """Active services of active organisations not verified for STALE_AFTER, counted in
    the database up to COUNT_LIMIT (the admin's home page asks on every visit); None for
    more."""
    query = (
        select(Service.id)
        .join(Service.organisation)
        .where(
            Service.status == ServiceStatus.ACTIVE,
            Organisation.is_active,
            _stale(today or date.today()),
        )
        .limit(COUNT_LIMIT + 1)
    )
    counted = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return counted if counted <= COUNT_LIMIT else None
