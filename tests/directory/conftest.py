import pytest

from referral.auth.permissions import Role
from referral.directory import service
from referral.directory.models import LocationLevel, OrganisationType, ServiceType
from tests import factories


@pytest.fixture
def kg(session):
    """Kyrgyzstan's shipped locations, by COATE code."""
    service.load_locations()
    return lambda code: service.location_by_code(code)


# COATE codes used across the directory tests.
BISHKEK = "41711000000000"
OKTYABR = "41711202000000"
CHUY = "41708000000000"
SOKULUK = "41708222000000"
NARYN_OBLAST = "41704000000000"
NARYN_RAYON = "41704245000000"
AITMATOV = "41707215000000"


# What a confidential site holds that only its own organisation and administrators may see.
HIDDEN_SITE = {
    "name": "Tulpar House",
    "place": "Jashyryn-Aiyl",
    "rayon": "Kalkan Rayon",
    "street": "7 Hidden Lane",
    "postal code": "720099",
}


@pytest.fixture
def shelter(session):
    """A shelter with a confidential site in a village (where the place is the address),
    a service offered there, and an ordinary office everyone may see."""

    def same_in_every_language(text):
        return {"name_en": text, "name_ru": text, "name_ky": text}

    rayon = factories.LocationFactory(**same_in_every_language(HIDDEN_SITE["rayon"]))
    village = factories.LocationFactory(
        level=LocationLevel.VILLAGE, parent=rayon, **same_in_every_language(HIDDEN_SITE["place"])
    )
    org = factories.OrganisationFactory(
        org_type=OrganisationType.SHELTER, **same_in_every_language("Safe Haven Shelter")
    )
    site = factories.SiteFactory(
        organisation=org,
        location=village,
        address=HIDDEN_SITE["street"],
        postal_code=HIDDEN_SITE["postal code"],
        is_confidential=True,
        **same_in_every_language(HIDDEN_SITE["name"]),
    )
    office = factories.SiteFactory(
        organisation=org, address="1 Open Street", **same_in_every_language("Open Office")
    )
    svc = factories.ServiceFactory(
        organisation=org,
        service_type=ServiceType.SHELTER_SAFE_ACCOMMODATION,
        is_nationwide=False,
        **same_in_every_language("Night refuge"),
    )
    factories.ServiceAtSiteFactory(service_id=svc.id, site=site)
    return {
        "org": org,
        "site": site,
        "office": office,
        "service": svc,
        "village": village,
        "rayon": rayon,
    }


# Every kind of staff reader of the directory; only the last two may see a confidential site.
READERS = (
    "caseworker",
    "supervisor",
    "committee_member",
    "police_provider",
    "other_shelter_provider",
    "admin",
    "own_provider",
)
SEES_CONFIDENTIAL = {"admin", "own_provider"}


@pytest.fixture
def reader(shelter):
    """A user of the given kind (see READERS), relative to the `shelter` fixture."""

    def _reader(kind: str):
        if kind == "own_provider":
            return factories.UserFactory(role=Role.PROVIDER, organisation=shelter["org"])
        if kind == "other_shelter_provider":
            other = factories.OrganisationFactory(org_type=OrganisationType.SHELTER)
            return factories.UserFactory(role=Role.PROVIDER, organisation=other)
        if kind == "police_provider":
            return factories.UserFactory(role=Role.PROVIDER)
        return factories.UserFactory(role=Role(kind))

    return _reader
