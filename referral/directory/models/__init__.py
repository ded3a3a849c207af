"""Locations (Kyrgyzstan's administrative divisions), organisations and their services.

Aligned with Open Referral HSDS 3.0: Organisation ~ organization, Site ~ location (premises,
with its address), Service, ServiceAtSite ~ service_at_location, Phone, Schedule,
ServiceLanguage ~ language, ServiceArea ~ service_area. Every id is a UUID.

Split by subject; import from this package, not from the parts. Importing it registers
every mapper, so relationships named by string resolve.
"""

from referral.directory.models.i18n import localised
from referral.directory.models.locations import LOCATION_LEVEL_LABELS, Location, LocationLevel
from referral.directory.models.organisations import (
    LEGAL_STATUS_LABELS,
    ORGANISATION_TYPE_LABELS,
    PHONE_TYPE_LABELS,
    SECTOR_LABELS,
    LegalStatus,
    Organisation,
    OrganisationType,
    Phone,
    PhoneType,
    Sector,
    Site,
)
from referral.directory.models.services import (
    ELIGIBLE_SEX_LABELS,
    SERVICE_LANGUAGES,
    SERVICE_STATUS_LABELS,
    SERVICE_TYPE_LABELS,
    EligibleSex,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtSite,
    ServiceLanguage,
    ServiceStatus,
    ServiceType,
)

__all__ = [
    "ELIGIBLE_SEX_LABELS",
    "LEGAL_STATUS_LABELS",
    "LOCATION_LEVEL_LABELS",
    "ORGANISATION_TYPE_LABELS",
    "PHONE_TYPE_LABELS",
    "SECTOR_LABELS",
    "SERVICE_LANGUAGES",
    "SERVICE_STATUS_LABELS",
    "SERVICE_TYPE_LABELS",
    "EligibleSex",
    "LegalStatus",
    "Location",
    "LocationLevel",
    "Organisation",
    "OrganisationType",
    "Phone",
    "PhoneType",
    "Schedule",
    "Sector",
    "Service",
    "ServiceArea",
    "ServiceAtSite",
    "ServiceLanguage",
    "ServiceStatus",
    "ServiceType",
    "Site",
    "localised",
]
