"""Premises of an organisation; a confidential one is a shelter whose address is withheld."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from referral.audit import service as audit
from referral.directory.models import Organisation, Site
from referral.directory.service.rules import DirectoryError, assign, require_name
from referral.extensions import db


@dataclass
class SiteInput:
    name_ky: str
    name_ru: str
    name_en: str
    location_id: uuid.UUID | None
    address: str = ""
    postal_code: str = ""
    is_confidential: bool = False
    is_active: bool = True


SITE_FIELDS = (
    "name_ky",
    "name_ru",
    "name_en",
    "location_id",
    "address",
    "postal_code",
    "is_confidential",
    "is_active",
)


def _check_site(data: SiteInput) -> None:
    require_name(data)
    if data.location_id is None:
        raise DirectoryError(_l("Choose where the premises are."), "location_id")


def create_site(org: Organisation, data: SiteInput) -> Site:
    _check_site(data)
    site = Site(organisation_id=org.id)
    assign(site, data, SITE_FIELDS)
    db.session.add(site)
    db.session.flush()
    audit.record(
        "directory_site_created",
        target_type="site",
        target_id=site.id,
        detail={"organisation_id": org.id, "is_confidential": site.is_confidential},
    )
    return site


def update_site(site: Site, data: SiteInput) -> list[str]:
    _check_site(data)
    changed = assign(site, data, SITE_FIELDS)
    if changed:
        db.session.flush()
        audit.record(
            "directory_site_updated",
            target_type="site",
            target_id=site.id,
            detail={"fields": changed, "is_confidential": site.is_confidential},
        )
    return changed
