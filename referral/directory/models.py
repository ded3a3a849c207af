"""Locations (Kyrgyzstan's administrative divisions) and organisations."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.db import TimestampMixin, UUIDPrimaryKey, str_enum
from referral.extensions import db


def localised(obj, prefix: str = "name") -> str:
    """The object's name in the request's language, falling back to ru, ky, en."""
    try:
        lang = str(get_locale() or "ru")[:2]
    except RuntimeError:  # outside a request
        lang = "en"
    for code in (lang, "ru", "ky", "en"):
        value = getattr(obj, f"{prefix}_{code}", None)
        if value:
            return value
    return ""


class LocationLevel(StrEnum):
    COUNTRY = "country"
    OBLAST = "oblast"
    CITY_NATIONAL = "city_national"
    RAYON = "rayon"
    CITY_DISTRICT = "city_district"
    TOWN_OBLAST = "town_oblast"
    AIYL_AIMAK = "aiyl_aimak"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return str(LOCATION_LEVEL_LABELS[self])


LOCATION_LEVEL_LABELS = {
    LocationLevel.COUNTRY: _l("Country"),
    LocationLevel.OBLAST: _l("Oblast"),
    LocationLevel.CITY_NATIONAL: _l("City of national significance"),
    LocationLevel.RAYON: _l("Rayon"),
    LocationLevel.CITY_DISTRICT: _l("City district"),
    LocationLevel.TOWN_OBLAST: _l("Town of oblast significance"),
    LocationLevel.AIYL_AIMAK: _l("Aiyl aimak"),
    LocationLevel.VILLAGE: _l("Village"),
}


class Location(UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "locations"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # COATE (СОАТЕ)
    iso_3166_2: Mapped[str | None] = mapped_column(String(8))
    level: Mapped[LocationLevel] = mapped_column(str_enum(LocationLevel, 20), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    name_ky: Mapped[str] = mapped_column(String(200), default="")
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    former_names: Mapped[list] = mapped_column(JSON, default=list)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]

    parent: Mapped[Location | None] = relationship(remote_side="Location.id")

    @property
    def name(self) -> str:
        return localised(self)

    def __repr__(self) -> str:
        return f"<Location {self.code}>"


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

    name_ky: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    org_type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType), index=True)
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    is_active: Mapped[bool] = mapped_column(default=True)

    location: Mapped[Location | None] = relationship()

    @property
    def name(self) -> str:
        return localised(self)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.org_type}>"


class ServiceType(StrEnum):
    """Kinds of service on the pathway (domain.md section 7). Committees' pathway steps
    and referrals name these; `aksakal_court` is listed but never a referral target."""

    POLICE_INTERNAL_AFFAIRS = "police_internal_affairs"
    POLICE_DISTRICT_INSPECTOR = "police_district_inspector"
    PROTECTION_ORDER_ISSUING = "protection_order_issuing"
    FORENSIC_MEDICAL_EXAMINATION = "forensic_medical_examination"
    HEALTH_PRIMARY_CARE = "health_primary_care"
    HEALTH_HOSPITAL = "health_hospital"
    HEALTH_SEXUAL_REPRODUCTIVE = "health_sexual_reproductive"
    MENTAL_HEALTH = "mental_health"
    PSYCHOLOGIST_COUNSELLING = "psychologist_counselling"
    CRISIS_CENTRE = "crisis_centre"
    SHELTER_SAFE_ACCOMMODATION = "shelter_safe_accommodation"
    SINGLE_WINDOW_CENTRE = "single_window_centre"
    LEGAL_AID_STATE = "legal_aid_state"
    LEGAL_AID_NGO = "legal_aid_ngo"
    SOCIAL_PROTECTION_DEPARTMENT = "social_protection_department"
    CHILD_PROTECTION_FAMILY_SUPPORT = "child_protection_family_support"
    HELPLINE = "helpline"
    LIVELIHOODS_ECONOMIC = "livelihoods_economic"
    EDUCATION = "education"
    IDENTITY_DOCUMENTS = "identity_documents"
    PERPETRATOR_CORRECTIONAL_PROGRAMME = "perpetrator_correctional_programme"
    LOCAL_SELF_GOVERNMENT = "local_self_government"
    PREVENTION_COMMITTEE = "prevention_committee"
    AKSAKAL_COURT = "aksakal_court"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(SERVICE_TYPE_LABELS[self])

    @property
    def is_referral_destination(self) -> bool:
        # GBV practice discourages mediation of violence: never refer to aksakal courts.
        return self not in (
            ServiceType.AKSAKAL_COURT,
            ServiceType.PREVENTION_COMMITTEE,
            ServiceType.LOCAL_SELF_GOVERNMENT,
        )


SERVICE_TYPE_LABELS = {
    ServiceType.POLICE_INTERNAL_AFFAIRS: _l("Police (internal affairs department)"),
    ServiceType.POLICE_DISTRICT_INSPECTOR: _l("Police district inspector"),
    ServiceType.PROTECTION_ORDER_ISSUING: _l("Protection orders"),
    ServiceType.FORENSIC_MEDICAL_EXAMINATION: _l("Forensic medical examination"),
    ServiceType.HEALTH_PRIMARY_CARE: _l("Primary health care"),
    ServiceType.HEALTH_HOSPITAL: _l("Hospital"),
    ServiceType.HEALTH_SEXUAL_REPRODUCTIVE: _l(
        "Sexual and reproductive health (PEP, emergency contraception)"
    ),
    ServiceType.MENTAL_HEALTH: _l("Mental health care"),
    ServiceType.PSYCHOLOGIST_COUNSELLING: _l("Psychologist / counselling"),
    ServiceType.CRISIS_CENTRE: _l("Crisis centre"),
    ServiceType.SHELTER_SAFE_ACCOMMODATION: _l("Shelter / safe accommodation"),
    ServiceType.SINGLE_WINDOW_CENTRE: _l("Single window centre"),
    ServiceType.LEGAL_AID_STATE: _l("State legal aid"),
    ServiceType.LEGAL_AID_NGO: _l("Legal aid (NGO)"),
    ServiceType.SOCIAL_PROTECTION_DEPARTMENT: _l("Social protection department"),
    ServiceType.CHILD_PROTECTION_FAMILY_SUPPORT: _l("Child protection and family support"),
    ServiceType.HELPLINE: _l("Helpline"),
    ServiceType.LIVELIHOODS_ECONOMIC: _l("Livelihoods and economic support"),
    ServiceType.EDUCATION: _l("Education"),
    ServiceType.IDENTITY_DOCUMENTS: _l("Identity documents"),
    ServiceType.PERPETRATOR_CORRECTIONAL_PROGRAMME: _l("Correctional programme for perpetrators"),
    ServiceType.LOCAL_SELF_GOVERNMENT: _l("Local self-government"),
    ServiceType.PREVENTION_COMMITTEE: _l("Prevention committee"),
    ServiceType.AKSAKAL_COURT: _l("Aksakal court"),
    ServiceType.OTHER: _l("Other"),
}
