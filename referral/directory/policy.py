"""Who may see and change what in the directory.

Staff with DIRECTORY_READ see every entry; administrators change all of it; a provider
focal point changes only its own organisation's entry. A confidential address (a
shelter) is shown only to its own organisation and to administrators; the public
finder and exports never show it. Out-of-scope objects answer 404.
"""

from __future__ import annotations

import uuid

from flask import abort

from referral.auth.permissions import Permission
from referral.directory.models import Location, Organisation, Service, Site
from referral.extensions import db


def can_manage(user) -> bool:
    return user.can(Permission.DIRECTORY_MANAGE)


def can_edit_organisation(user, org: Organisation) -> bool:
    return can_manage(user) or (
        user.can(Permission.DIRECTORY_EDIT_OWN) and user.organisation_id == org.id
    )


def visible_address(user, site: Site) -> str | None:
    """The street address this user may see, or None when it is withheld."""
    if not site.is_confidential:
        return site.address
    if user is not None and (can_manage(user) or user.organisation_id == site.organisation_id):
        return site.address
    return None


def public_address(site: Site) -> str | None:
    """What the public finder and exports may show: never a confidential address."""
    return None if site.is_confidential else site.address


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
    if edit and not can_edit_organisation(user, site.organisation):
        abort(404)
    return site


def get_location_for(user, location_id: str) -> Location:
    return _load(Location, location_id)
