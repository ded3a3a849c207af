"""The staff lists of services and organisations, with their filters."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask_login import current_user

from referral.auth.access import require
from referral.directory import service
from referral.directory.models import OrganisationType, ServiceType
from referral.directory.views import READ, bp, enum_or_none, uuid_or_none

# The status filter's choices; "all" (or anything else) shows both.
ACTIVE = {"active": True, "inactive": False}


def _page_number() -> int:
    """?page=N, from 1; anything else is the first page (past the end shows the last)."""
    raw = request.args.get("page", "1")
    return min(int(raw), 10**9) if raw.isascii() and raw.isdigit() else 1


# Where a list is in its pages; the pager replaces them and keeps every other argument.
_PLACE = ("page", "after", "before")


def _cursors() -> dict:
    return {"after": request.args.get("after"), "before": request.args.get("before")}


def _pager(page) -> dict:
    """The pager's links (None where there is none), built once rather than per link in
    the template. The query string is built here rather than by url_for(**args): an
    argument named like one of url_for's own (endpoint, _external) would break the page."""
    base = url_for(request.endpoint)
    kept = [(k, v) for k, v in request.args.items() if k not in _PLACE]

    def link(**place) -> str:
        return f"{base}?{urlencode(kept + list(place.items()))}"

    last = page.pages
    return {
        "first": link() if page.number > 2 else None,
        "previous": link(before=page.before, page=page.number - 1) if page.before else None,
        "next": link(after=page.after, page=page.number + 1) if page.after else None,
        "last": link(page=last) if last is not None and page.number < last - 1 else None,
    }


def _location_options() -> list[tuple[str, str]]:
    """(value, indented label) of each location for the filter, made here once: the
    template would otherwise translate and stringify 66 places per page."""
    return [(str(loc.id), "\u2003" * depth + loc.label) for loc, depth in service.location_tree()]


def _filters() -> dict:
    args = request.args
    return {
        "q": args.get("q", "")[:100],
        "location": args.get("location", ""),
        "type": args.get("type", ""),
        "status": args.get("status", "active"),
    }


@bp.get("/")
@require(READ)
def index():
    filters = {**_filters(), "stale": request.args.get("stale") == "1"}
    page = service.page_services(
        page=_page_number(),
        search=filters["q"],
        location_id=uuid_or_none(filters["location"]),
        service_type=enum_or_none(ServiceType, filters["type"]),
        active=ACTIVE.get(filters["status"]),
        stale=filters["stale"],
        user=current_user,
        **_cursors(),
    )
    return render_template(
        "directory/index.html",
        page=page,
        pager_links=_pager(page),
        filters=filters,
        tree=_location_options(),
        service_types=list(ServiceType),
    )


@bp.get("/organisations")
@require(READ)
def organisations():
    filters = _filters()
    page = service.page_organisations(
        page=_page_number(),
        search=filters["q"],
        location_id=uuid_or_none(filters["location"]),
        org_type=enum_or_none(OrganisationType, filters["type"]),
        active=ACTIVE.get(filters["status"]),
        **_cursors(),
    )
    return render_template(
        "directory/organisations.html",
        page=page,
        pager_links=_pager(page),
        filters=filters,
        tree=_location_options(),
        org_types=list(OrganisationType),
        type_labels={t: t.label for t in OrganisationType},
    )
