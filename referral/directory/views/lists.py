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


def _page_number() -> int:
    """?page=N, from 1; anything else is the first page (past the end shows the last)."""
    raw = request.args.get("page", "1")
    return min(int(raw), 10**9) if raw.isascii() and raw.isdigit() else 1


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
    )
    return render_template(
        "directory/index.html",
        page=page,
        filters=filters,
        tree=service.location_tree(),
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
    )
    return render_template(
        "directory/organisations.html",
        page=page,
        filters=filters,
        tree=service.location_tree(),
        org_types=list(OrganisationType),
    )
