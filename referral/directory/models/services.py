"""Services an organisation offers, with where, when, in which languages and for whom."""

from __future__ import annotations

import uuid
from datetime import date, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.db import TimestampMixin, UUIDPrimaryKey, str_enum
from referral.directory.models import names
from referral.directory.models.i18n import localised
from referral.directory.models.locations import Location
from referral.directory.models.names import SortKey
from referral.directory.models.organisations import Organisation, Phone, Site
from referral.extensions import db


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


class ServiceStatus(StrEnum):
    """HSDS 3.0 service.status values."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"

    @property
    def label(self) -> str:
        return str(SERVICE_STATUS_LABELS[self])


SERVICE_STATUS_LABELS = {
    ServiceStatus.ACTIVE: _l("Active"),
    ServiceStatus.INACTIVE: _l("Inactive"),
    ServiceStatus.DEFUNCT: _l("Closed for good"),
    ServiceStatus.TEMPORARILY_CLOSED: _l("Temporarily closed"),
}


class EligibleSex(StrEnum):
    ANY = "any"
    FEMALE = "female"
    MALE = "male"

    @property
    def label(self) -> str:
        return str(ELIGIBLE_SEX_LABELS[self])


ELIGIBLE_SEX_LABELS = {
    EligibleSex.ANY: _l("Anyone"),
    EligibleSex.FEMALE: _l("Women and girls"),
    EligibleSex.MALE: _l("Men and boys"),
}


# Languages a service can be offered in (ISO 639-1 codes); names are translated.
SERVICE_LANGUAGES = {
    "ky": _l("Kyrgyz"),
    "ru": _l("Russian"),
    "uz": _l("Uzbek"),
    "tg": _l("Tajik"),
    "en": _l("English"),
}


class Service(UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "services"
    # The staff list pages in the reader's language: one index per language, id last.
    __table_args__ = (
        *(
            Index(f"ix_services_sort_{lang}_id", f"sort_{lang}", "id")
            for lang in ("ky", "ru", "en")
        ),
        names.search_index("services"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    service_type: Mapped[ServiceType] = mapped_column(str_enum(ServiceType, 40), index=True)
    name_ky: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    description_ky: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ServiceStatus] = mapped_column(
        str_enum(ServiceStatus, 20), default=ServiceStatus.ACTIVE, index=True
    )
    eligible_sex: Mapped[EligibleSex] = mapped_column(
        str_enum(EligibleSex, 10), default=EligibleSex.ANY
    )
    minimum_age: Mapped[int | None]
    maximum_age: Mapped[int | None]
    is_free: Mapped[bool] = mapped_column(default=True)
    is_24h: Mapped[bool] = mapped_column(default=False)
    accepts_referrals: Mapped[bool] = mapped_column(default=True)
    # No area rows and this flag: the whole country (helplines). Never implied by absence.
    is_nationwide: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[date | None]
    # Who verified: the verifier's e-mail or username at the time (HSDS assurer_email).
    verified_by: Mapped[str | None] = mapped_column(String(254))
    # Kept by the flush listener in names.py; never written by hand.
    search_text: Mapped[str] = mapped_column(Text, default="")
    sort_ky: Mapped[str] = mapped_column(SortKey, default="")
    sort_ru: Mapped[str] = mapped_column(SortKey, default="")
    sort_en: Mapped[str] = mapped_column(SortKey, default="")

    organisation: Mapped[Organisation] = relationship(back_populates="services")
    languages: Mapped[list[ServiceLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceLanguage.code"
    )
    areas: Mapped[list[ServiceArea]] = relationship(cascade="all, delete-orphan")
    schedules: Mapped[list[Schedule]] = relationship(
        cascade="all, delete-orphan", order_by="Schedule.position"
    )
    phones: Mapped[list[Phone]] = relationship(
        cascade="all, delete-orphan", order_by="Phone.position", overlaps="phones"
    )
    at_sites: Mapped[list[ServiceAtSite]] = relationship(cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return localised(self)

    @property
    def description(self) -> str:
        return localised(self, "description")

    @property
    def is_active(self) -> bool:
        return self.status == ServiceStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.service_type}>"


class ServiceAtSite(UUIDPrimaryKey, db.Model):
    __tablename__ = "service_at_sites"
    __table_args__ = (UniqueConstraint("service_id", "site_id"),)

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)

    site: Mapped[Site] = relationship()


class Schedule(UUIDPrimaryKey, db.Model):
    """Weekly opening hours (HSDS schedule, freq WEEKLY). byday: MO,TU,... ."""

    __tablename__ = "schedules"

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"), index=True)
    byday: Mapped[str] = mapped_column(String(30))
    opens_at: Mapped[time]
    closes_at: Mapped[time]
    position: Mapped[int] = mapped_column(default=0)


class ServiceLanguage(UUIDPrimaryKey, db.Model):
    __tablename__ = "service_languages"
    __table_args__ = (UniqueConstraint("service_id", "code"),)

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))

    @property
    def label(self) -> str:
        return str(SERVICE_LANGUAGES.get(self.code, self.code))


class ServiceArea(UUIDPrimaryKey, db.Model):
    """A location a service covers; covering an oblast covers everything under it."""

    __tablename__ = "service_areas"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("services.id"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"), index=True)

    location: Mapped[Location] = relationship(lazy="joined")
