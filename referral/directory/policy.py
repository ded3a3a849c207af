"""Who may see and change what in the directory.

Staff with DIRECTORY_READ see every entry; administrators change all of it; a provider
focal point changes only its own organisation's entry. A confidential site (a shelter's
premises) is shown only to its own organisation and to administrators: to everyone else
not its street, not its place (town, rayon, village: with village-level locations the place
is the address) and not its name, only that its address is withheld for safety. The
public finder and exports never show any of it. `visible_site()` is that one rule for
every screen; `site_place_visible()` keeps list filters from revealing the place by what
they find. Out-of-scope objects answer 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import abort
from sqlalchemy import ColumnElement, or_, true

from referral.auth.permissions import Permission
from referral.directory.models import Location, Organisation, Service, Site
from referral.extensions import db


def can_manage(user) -> bool:
    return user.can(Permission.DIRECTORY_MANAGE)


def can_edit_organisation(user, org: Organisation) -> bool:
    return can_manage(user) or (
        user.can(Permission.DIRECTORY_EDIT_OWN) and user.organisation_id == org.id
    )


def _signed_in(user) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def may_see_confidential_sites_of(user, organisation_id: uuid.UUID | None) -> bool:
    """Administrators, and the staff of the organisation itself; nobody else, and never
    the public (`user` None or anonymous)."""
    if not _signed_in(user):
        return False
    return can_manage(user) or (
        user.organisation_id is not None and user.organisation_id == organisation_id
    )


@dataclass(frozen=True)
class SiteView:
    """What one reader may see of a site. When `withheld` (a confidential site this reader
    may not see), name, location, address and postal code are all empty: the screen says
    only that the address is withheld for safety."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    is_confidential: bool
    is_active: bool
    withheld: bool
    name: str = ""
    location: Location | None = None
    address: str = ""
    postal_code: str = ""


def visible_site(user, site: Site) -> SiteView:
    """The one rule for showing a site: `user` None is the public (finder, exports)."""
    shown = not site.is_confidential or may_see_confidential_sites_of(user, site.organisation_id)
    base = {
        "id": site.id,
        "organisation_id": site.organisation_id,
        "is_confidential": site.is_confidential,
        "is_active": site.is_active,
    }
    if not shown:
        return SiteView(**base, withheld=True)
    return SiteView(
        **base,
        withheld=False,
        name=site.name,
        location=site.location,
        address=site.address or "",
        postal_code=site.postal_code or "",
    )


def visible_sites(user, sites) -> list[SiteView]:
    """Withheld sites last, so that their place in the list says nothing of their names."""
    return sorted((visible_site(user, site) for site in sites), key=lambda view: view.withheld)


def site_place_visible(user) -> ColumnElement[bool]:
    """SQL condition on `Site`: premises whose place may be used to find entries for this
    user. A list filtered by a village must not show a shelter only because its
    confidential site lies there."""
    if _signed_in(user) and can_manage(user):
        return true()
    own = user.organisation_id if _signed_in(user) else None
    if own is None:
        return Site.is_confidential.is_(False)
    return or_(Site.is_confidential.is_(False), Site.organisation_id == own)


def visible_address(user, site: Site) -> str | None:
    """The street address this user may see, or None when it is withheld."""
    view = visible_site(user, site)
    return None if view.withheld else view.address


def public_address(site: Site) -> str | None:
    """What the public finder and exports may show: never a confidential address."""
    return visible_address(None, site)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        abort(404)


def _load(model, object_id: str):
    obj = db.session.get(model, _uuid(object_id))
    if obj is None:
        abort(404)
    return obj


def get_organisation_for(user, org_id: str, *, edit: bool = False) -> Organisation:
    org = _load(Organisation, org_id)
    if edit and not can_edit_organisation(user, org):
        abort(404)
    return org


def get_service_for(user, service_id: str, *, edit: bool = False) -> Service:
    service = _load(Service, service_id)
    if edit and not can_edit_organisation(user, service.organisation):
        abort(404)
    return service


def get_site_for(user, site_id: str, *, edit: bool = False) -> Site:
    site = _load(Site, site_id)
    # Editing shows every field: never for premises whose details this user may not see.
    if edit and (
        not can_edit_organisation(user, site.organisation) or visible_site(user, site).withheld
    ):
        abort(404)
    return site


def get_location_for(user, location_id: str) -> Location:
    return _load(Location, location_id)
