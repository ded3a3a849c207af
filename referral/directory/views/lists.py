"""The staff lists of services and organisations, with their filters."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from referral.auth.access import require
from referral.directory import service
from referral.directory.models import OrganisationType, ServiceType
from referral.directory.views import READ, bp, enum_or_none, uuid_or_none

# The status filter's choices; "all" (or anything else) shows both.
ACTIVE = {"active": True, "inactive": False}
# Rows per page: a phone on a slow line gets a page it can load, not the whole country.
PAGE_SIZE = 50


def _page(items: list) -> dict:
    """One page of `items` (?page=N, from 1; anything else is the first or last page)."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    try:
        number = min(max(int(request.args.get("page", "1")), 1), pages)
    except ValueError:
        number = 1
    start = (number - 1) * PAGE_SIZE
    return {"rows": items[start : start + PAGE_SIZE], "number": number, "pages": pages}


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
    services = service.list_services(
        search=filters["q"],
        location_id=uuid_or_none(filters["location"]),
        service_type=enum_or_none(ServiceType, filters["type"]),
        active=ACTIVE.get(filters["status"]),
        stale=filters["stale"],
        user=current_user,
    )
    return render_template(
        "directory/index.html",
        services=services,
        page=_page(services),
        filters=filters,
        tree=service.location_tree(),
        service_types=list(ServiceType),
        is_stale=service.is_stale,
    )


@bp.get("/organisations")
@require(READ)
def organisations():
    filters = _filters()
    orgs = service.list_organisations(
        search=filters["q"],
        location_id=uuid_or_none(filters["location"]),
        org_type=enum_or_none(OrganisationType, filters["type"]),
        active=ACTIVE.get(filters["status"]),
    )
    return render_template(
        "directory/organisations.html",
        organisations=orgs,
        page=_page(orgs),
        filters=filters,
        tree=service.location_tree(),
        org_types=list(OrganisationType),
    )
