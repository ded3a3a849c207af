"""Factories for the directory's services, premises, phones, hours, languages and areas
(imported by tests/factories.py)."""

from __future__ import annotations

from datetime import time

import factory

from referral.directory.models import (
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceLanguage,
    ServiceType,
    Site,
)
from tests.factories import Base, LocationFactory, OrganisationFactory

__all__ = [
    "PhoneFactory",
    "ScheduleFactory",
    "ServiceAreaFactory",
    "ServiceAtSiteFactory",
    "ServiceFactory",
    "ServiceLanguageFactory",
    "SiteFactory",
]


class ServiceFactory(Base):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    service_type = ServiceType.CRISIS_CENTRE
    name_en = factory.Sequence(lambda n: f"Service {n}")
    name_ru = factory.Sequence(lambda n: f"Услуга {n}")
    name_ky = factory.Sequence(lambda n: f"Кызмат {n}")
    is_nationwide = True


class SiteFactory(Base):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name_en = factory.Sequence(lambda n: f"Office {n}")
    location = factory.SubFactory(LocationFactory)
    address = factory.Sequence(lambda n: f"{n} Chui Avenue")


class ServiceAtSiteFactory(Base):
    class Meta:
        model = ServiceAtSite

    service_id = factory.LazyAttribute(lambda o: ServiceFactory().id)
    site = factory.SubFactory(SiteFactory)


class PhoneFactory(Base):
    class Meta:
        model = Phone

    organisation_id = factory.LazyAttribute(lambda o: OrganisationFactory().id)
    number = factory.Sequence(lambda n: f"+996 312 {n:06d}")


class ScheduleFactory(Base):
    class Meta:
        model = Schedule

    service_id = factory.LazyAttribute(lambda o: ServiceFactory().id)
    byday = "MO,TU,WE,TH,FR"
    opens_at = time(9, 0)
    closes_at = time(18, 0)


class ServiceLanguageFactory(Base):
    class Meta:
        model = ServiceLanguage

    service_id = factory.LazyAttribute(lambda o: ServiceFactory().id)
    code = "ky"


class ServiceAreaFactory(Base):
    class Meta:
        model = ServiceArea

    service_id = factory.LazyAttribute(lambda o: ServiceFactory().id)
    location = factory.SubFactory(LocationFactory)
