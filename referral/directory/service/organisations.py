"""Organisations: their details, parent, type and phones, and switching them off."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.audit import service as audit
from referral.directory.models import LegalStatus, Organisation, OrganisationType, Sector
from referral.directory.service.phones import PhoneInput, sync_phones
from referral.directory.service.rules import (
    DirectoryError,
    assign,
    check_website,
    require_location,
    require_name,
)
from referral.extensions import db


@dataclass
class OrganisationInput:
    name_ky: str
    name_ru: str
    name_en: str
    org_type: OrganisationType
    description_ky: str = ""
    description_ru: str = ""
    description_en: str = ""
    sector: Sector | None = None
    legal_status: LegalStatus | None = None
    parent_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    website: str | None = None
    email: str | None = None
    phones: list[PhoneInput] = field(default_factory=list)


ORGANISATION_FIELDS = (
    "name_ky",
    "name_ru",
    "name_en",
    "org_type",
    "description_ky",
    "description_ru",
    "description_en",
    "sector",
    "legal_status",
    "parent_id",
    "location_id",
    "website",
    "email",
)
# Only administrators change these: accounts and the pathway depend on them.
ADMIN_ONLY_ORGANISATION_FIELDS = ("org_type", "sector", "legal_status", "parent_id")


def _check_organisation(data: OrganisationInput, org: Organisation | None) -> None:
    require_name(data)
    require_location(data.location_id)
    check_website(data.website)
    if data.parent_id is not None:
        if org is not None and data.parent_id == org.id:
            raise DirectoryError(_l("An organisation cannot be its own parent."), "parent_id")
        seen, current = set(), db.session.get(Organisation, data.parent_id)
        if current is None:
            raise DirectoryError(_l("Choose a parent organisation from the list."), "parent_id")
        while current is not None and current.id not in seen:
            if org is not None and current.id == org.id:
                raise DirectoryError(
                    _l("This parent would make the organisation its own ancestor."), "parent_id"
                )
            seen.add(current.id)
            current = current.parent
    if org is not None and data.org_type != org.org_type:
        from referral.auth.models import User
        from referral.auth.service import ROLE_ORG_TYPES

        roles = set(
            db.session.execute(select(User.role).where(User.organisation_id == org.id)).scalars()
        )
        if any(data.org_type not in ROLE_ORG_TYPES[role] for role in roles):
            raise DirectoryError(
                _l(
                    "Accounts of this organisation have roles that the new type does not allow. "
                    "Move or change those accounts first."
                ),
                "org_type",
            )


def create_organisation(data: OrganisationInput) -> Organisation:
    _check_organisation(data, None)
    org = Organisation(org_type=data.org_type)
    assign(org, data, ORGANISATION_FIELDS)
    db.session.add(org)
    db.session.flush()
    sync_phones(org, None, data.phones)
    audit.record(
        "directory_organisation_created",
        target_type="organisation",
        target_id=org.id,
        detail={"org_type": org.org_type.value},
    )
    return org


def update_organisation(org: Organisation, data: OrganisationInput) -> list[str]:
    """Returns the names of the fields that changed (empty: nothing was saved)."""
    _check_organisation(data, org)
    changed = assign(org, data, ORGANISATION_FIELDS)
    if sync_phones(org, None, data.phones):
        changed.append("phones")
    if changed:
        db.session.flush()
        audit.record(
            "directory_organisation_updated",
            target_type="organisation",
            target_id=org.id,
            detail={"fields": changed},
        )
    return changed


def set_organisation_active(org: Organisation, active: bool) -> None:
    if org.is_active == active:
        return
    org.is_active = active
    db.session.flush()
    audit.record(
        "directory_organisation_activated" if active else "directory_organisation_deactivated",
        target_type="organisation",
        target_id=org.id,
    )
