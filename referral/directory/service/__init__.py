"""Directory rules: locations, organisations, their services and premises.

Services flush, never commit; every change is audited in the caller's transaction.
Split by subject; import this package, not the parts.
"""

from referral.directory.service.lists import (
    COUNT_LIMIT,
    PAGE_SIZE,
    Page,
    count_organisation_services,
    count_stale_services,
    list_organisations,
    list_services,
    page_organisations,
    page_services,
)
from referral.directory.service.locations import (
    ADDABLE_LEVELS,
    LOCATION_FIELDS,
    LOCATIONS_CSV,
    LocationInput,
    ancestor_ids,
    create_location,
    descendant_ids,
    former_names_text,
    load_locations,
    location_by_code,
    location_ids_by_code,
    location_tree,
    parse_former_names,
    update_location,
)
from referral.directory.service.organisations import (
    ADMIN_ONLY_ORGANISATION_FIELDS,
    ORGANISATION_FIELDS,
    OrganisationInput,
    create_organisation,
    set_organisation_active,
    update_organisation,
)
from referral.directory.service.phones import PhoneInput
from referral.directory.service.rules import DirectoryError
from referral.directory.service.services import (
    SERVICE_FIELDS,
    STALE_AFTER,
    ServiceInput,
    create_service,
    is_stale,
    update_service,
    verify_service,
)
from referral.directory.service.sites import SITE_FIELDS, SiteInput, create_site, update_site

__all__ = [
    "ADDABLE_LEVELS",
    "ADMIN_ONLY_ORGANISATION_FIELDS",
    "COUNT_LIMIT",
    "LOCATIONS_CSV",
    "LOCATION_FIELDS",
    "ORGANISATION_FIELDS",
    "PAGE_SIZE",
    "SERVICE_FIELDS",
    "SITE_FIELDS",
    "STALE_AFTER",
    "DirectoryError",
    "LocationInput",
    "OrganisationInput",
    "Page",
    "PhoneInput",
    "ServiceInput",
    "SiteInput",
    "ancestor_ids",
    "count_organisation_services",
    "count_stale_services",
    "create_location",
    "create_organisation",
    "create_service",
    "create_site",
    "descendant_ids",
    "former_names_text",
    "is_stale",
    "list_organisations",
    "list_services",
    "load_locations",
    "location_by_code",
    "location_ids_by_code",
    "location_tree",
    "page_organisations",
    "page_services",
    "parse_former_names",
    "set_organisation_active",
    "update_location",
    "update_organisation",
    "update_service",
    "update_site",
    "verify_service",
]
