"""Organisations, their premises (sites) and phone numbers."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.db import TimestampMixin, UUIDPrimaryKey, str_enum
from referral.directory.models import names
from referral.directory.models.i18n import localised
from referral.directory.models.locations import Location
from referral.directory.models.names import SortKey
from referral.extensions import db

if TYPE_CHECKING:
    from referral.directory.models.services import Service


class Sector(StrEnum):
    HEALTH = "health"
    JUSTICE_POLICING = "justice_policing"
    SOCIAL_SERVICES = "social_services"
    COORDINATION = "coordination"
    CIVIL_SOCIETY = "civil_society"
    COMMUNITY = "community"

    @property
    def label(self) -> str:
        return str(SECTOR_LABELS[self])


SECTOR_LABELS = {
    Sector.HEALTH: _l("Health"),
    Sector.JUSTICE_POLICING: _l("Justice and policing"),
    Sector.SOCIAL_SERVICES: _l("Social services"),
    Sector.COORDINATION: _l("Coordination"),
    Sector.CIVIL_SOCIETY: _l("Civil society"),
    Sector.COMMUNITY: _l("Community"),
}


class LegalStatus(StrEnum):
    STATE = "state"
    MUNICIPAL = "municipal"
    NGO = "ngo"
    INTERNATIONAL = "international"
    COMMUNITY = "community"

    @property
    def label(self) -> str:
        return str(LEGAL_STATUS_LABELS[self])


LEGAL_STATUS_LABELS = {
    LegalStatus.STATE: _l("State"),
    LegalStatus.MUNICIPAL: _l("Municipal"),
    LegalStatus.NGO: _l("Non-governmental organisation"),
    LegalStatus.INTERNATIONAL: _l("International organisation"),
    LegalStatus.COMMUNITY: _l("Community"),
}


class OrganisationType(StrEnum):
    CRISIS_CENTRE = "crisis_centre"
    POLICE = "police"
    HEALTH = "health"
    PSYCHOSOCIAL = "psychosocial"
    LEGAL_AID = "legal_aid"
    SHELTER = "shelter"
    SOCIAL_PROTECTION = "social_protection"
    COMMITTEE = "committee"  # committee / local government
    ADMINISTRATION = "administration"

    @property
    def label(self) -> str:
        return str(ORGANISATION_TYPE_LABELS[self])


ORGANISATION_TYPE_LABELS = {
    OrganisationType.CRISIS_CENTRE: _l("Crisis centre"),
    OrganisationType.POLICE: _l("Police"),
    OrganisationType.HEALTH: _l("Health care"),
    OrganisationType.PSYCHOSOCIAL: _l("Psychosocial support"),
    OrganisationType.LEGAL_AID: _l("Legal aid"),
    OrganisationType.SHELTER: _l("Shelter"),
    OrganisationType.SOCIAL_PROTECTION: _l("Social protection"),
    OrganisationType.COMMITTEE: _l("Committee / local government"),
    OrganisationType.ADMINISTRATION: _l("Administration"),
}


class Organisation(UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        *(
            Index(f"ix_organisations_sort_{lang}_id", f"sort_{lang}", "id")
            for lang in ("ky", "ru", "en")
        ),
        names.search_index("organisations"),
    )

    name_ky: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    org_type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType), index=True)
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    description_ky: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    sector: Mapped[Sector | None] = mapped_column(str_enum(Sector))
    legal_status: Mapped[LegalStatus | None] = mapped_column(str_enum(LegalStatus))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    # Kept by the flush listener in names.py; never written by hand.
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_ky: Mapped[str] = mapped_column(SortKey, default="")
    sort_ru: Mapped[str] = mapped_column(SortKey, default="")
    sort_en: Mapped[str] = mapped_column(SortKey, default="")

    location: Mapped[Location | None] = relationship()
    parent: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")
    services: Mapped[list[Service]] = relationship(
        back_populates="organisation", order_by="Service.name_en"
    )
    sites: Mapped[list[Site]] = relationship(back_populates="organisation", order_by="Site.name_en")
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Phone.organisation_id == Organisation.id, Phone.service_id.is_(None))",
        order_by="Phone.position",
        viewonly=True,
    )

    @property
    def name(self) -> str:
        return localised(self)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.org_type}>"


class PhoneType(StrEnum):
    """RFC 6350 phone types, as HSDS uses them."""

    VOICE = "voice"
    CELL = "cell"
    TEXT = "text"
    FAX = "fax"

    @property
    def label(self) -> str:
        return str(PHONE_TYPE_LABELS[self])


PHONE_TYPE_LABELS = {
    PhoneType.VOICE: _l("Phone"),
    PhoneType.CELL: _l("Mobile"),
    PhoneType.TEXT: _l("Text messages"),
    PhoneType.FAX: _l("Fax"),
}


class Site(UUIDPrimaryKey, TimestampMixin, db.Model):
    """Premises of an organisation (HSDS location + address). A confidential site's address
    (a shelter) is shown only to its own organisation and to administrators, and is never
    exported nor shown on the public finder."""

    __tablename__ = "sites"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    name_ky: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")  # street and building
    postal_code: Mapped[str] = mapped_column(String(12), default="")
    is_confidential: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="sites")
    location: Mapped[Location | None] = relationship()

    @property
    def name(self) -> str:
        return localised(self)

    def __repr__(self) -> str:  # never the address
        return f"<Site {self.id}>"


class Phone(UUIDPrimaryKey, db.Model):
    """A number of an organisation (service_id empty) or of one of its services."""

    __tablename__ = "phones"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    phone_type: Mapped[PhoneType] = mapped_column(str_enum(PhoneType, 10), default=PhoneType.VOICE)
    description: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    last_verified_at: Mapped[date | None]
