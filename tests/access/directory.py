"""Directory endpoints: staff lists and entries, editing (own organisation vs another),
locations, HSDS exchange and the public finder."""

from tests import factories
from tests.access.matrix import (
    NOT_FOUND,
    OK,
    REDIRECT,
    ROLES,
    Entry,
    builder,
    only,
)

MISSING = "00000000-0000-0000-0000-000000000000"
READERS = ("caseworker", "supervisor", "provider", "committee_member", "admin")


@builder("own_service")
def _own_service(world):
    return factories.ServiceFactory(organisation=world.orgs["police"])


@builder("other_service")
def _other_service(world):
    return factories.ServiceFactory(organisation=world.orgs["crisis"])


@builder("own_site")
def _own_site(world):
    return factories.SiteFactory(organisation=world.orgs["police"])


@builder("other_site")
def _other_site(world):
    return factories.SiteFactory(organisation=world.orgs["crisis"])


@builder("location")
def _location(world):
    return factories.LocationFactory()


def readers(status=OK):
    return only(dict.fromkeys(READERS, status))


def editors(own: int, other_provider: int, *, method="GET", admin=None):
    """Admin gets `admin` (or `own`); the provider `other_provider`; other roles 403."""
    return only({"admin": admin or own, "provider": other_provider}, method=method)


def _org(key, suffix=""):
    return lambda w: f"/directory/organisations/{w.orgs[key].id}{suffix}"


def _obj(kind, name, suffix=""):
    return lambda w: f"/directory/{kind}/{w.get(name).id}{suffix}"


ENTRIES = [
    Entry("directory.index", "/directory/", readers()),
    Entry("directory.organisations", "/directory/organisations", readers()),
    Entry("directory.organisation", _org("crisis"), readers(), scope="existing"),
    Entry(
        "directory.organisation",
        f"/directory/organisations/{MISSING}",
        readers(NOT_FOUND),
        scope="missing",
    ),
    Entry("directory.organisation_new", "/directory/organisations/new", only({"admin": OK})),
    Entry("directory.organisation_edit", _org("police", "/edit"), editors(OK, OK), scope="own"),
    Entry(
        "directory.organisation_edit",
        _org("crisis", "/edit"),
        editors(OK, NOT_FOUND),
        scope="other",
    ),
    Entry(
        "directory.organisation_edit",
        f"/directory/organisations/{MISSING}/edit",
        editors(NOT_FOUND, NOT_FOUND),
        scope="missing",
    ),
    Entry(
        "directory.organisation_deactivate",
        _org("crisis", "/deactivate"),
        only({"admin": REDIRECT}, method="POST"),
        method="POST",
        scope="existing",
    ),
    Entry(
        "directory.organisation_deactivate",
        f"/directory/organisations/{MISSING}/deactivate",
        only({"admin": NOT_FOUND}, method="POST"),
        method="POST",
        scope="missing",
    ),
    Entry(
        "directory.organisation_activate",
        _org("crisis", "/activate"),
        only({"admin": REDIRECT}, method="POST"),
        method="POST",
        scope="existing",
    ),
    Entry(
        "directory.service_new",
        _org("police", "/services/new"),
        editors(OK, OK),
        scope="own",
    ),
    Entry(
        "directory.service_new",
        _org("crisis", "/services/new"),
        editors(OK, NOT_FOUND),
        scope="other",
    ),
    Entry(
        "directory.service_edit",
        _obj("services", "own_service", "/edit"),
        editors(OK, OK),
        scope="own",
    ),
    Entry(
        "directory.service_edit",
        _obj("services", "other_service", "/edit"),
        editors(OK, NOT_FOUND),
        scope="other",
    ),
    Entry(
        "directory.service_edit",
        f"/directory/services/{MISSING}/edit",
        editors(NOT_FOUND, NOT_FOUND),
        scope="missing",
    ),
    Entry(
        "directory.service_verify",
        _obj("services", "own_service", "/verify"),
        editors(REDIRECT, REDIRECT, method="POST"),
        method="POST",
        scope="own",
    ),
    Entry(
        "directory.service_verify",
        _obj("services", "other_service", "/verify"),
        editors(REDIRECT, NOT_FOUND, method="POST"),
        method="POST",
        scope="other",
    ),
    Entry("directory.site_new", _org("police", "/sites/new"), editors(OK, OK), scope="own"),
    Entry(
        "directory.site_new",
        _org("crisis", "/sites/new"),
        editors(OK, NOT_FOUND),
        scope="other",
    ),
    Entry("directory.site_edit", _obj("sites", "own_site", "/edit"), editors(OK, OK), scope="own"),
    Entry(
        "directory.site_edit",
        _obj("sites", "other_site", "/edit"),
        editors(OK, NOT_FOUND),
        scope="other",
    ),
    Entry(
        "directory.site_edit",
        f"/directory/sites/{MISSING}/edit",
        editors(NOT_FOUND, NOT_FOUND),
        scope="missing",
    ),
    Entry("directory.locations", "/directory/locations", readers()),
    Entry("directory.location_new", "/directory/locations/new", only({"admin": OK})),
    Entry(
        "directory.location_edit",
        _obj("locations", "location", "/edit"),
        only({"admin": OK}),
        scope="existing",
    ),
    Entry(
        "directory.location_edit",
        f"/directory/locations/{MISSING}/edit",
        only({"admin": NOT_FOUND}),
        scope="missing",
    ),
    Entry("exchange.index", "/directory/exchange/", only({"admin": OK})),
    Entry("exchange.export_json", "/directory/exchange/export.json", only({"admin": OK})),
    Entry("exchange.export_zip", "/directory/exchange/export.zip", only({"admin": OK})),
    Entry(
        "exchange.import_",
        "/directory/exchange/import",
        only({"admin": 422}, method="POST"),  # no file: the form asks for one
        method="POST",
    ),
    Entry("finder.index", "/find/", dict.fromkeys(ROLES, OK)),
]
