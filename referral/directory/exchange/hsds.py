"""Open Referral HSDS 3.0: the directory as flat tables, and their two serialisations.

One in-memory form, `Tables` (HSDS tabular file name -> list of rows), is produced from
the database by `export_tables`; JSON nests it as HSDS objects (organization with its
phones, locations and services; service with phones, schedules, service_areas,
languages, service_at_locations and attributes), and the Tabular Data Package writes one
CSV per table plus datapackage.json. Import parses either back into `Tables`.

Local profile (PROFILE_URI, docs/hsds.md): what HSDS has no place for (names in ky/ru/en,
organisation type, sector, flags) travels as attributes of our own taxonomy; inside the
application those are `kg_*` fields of the rows. A confidential site is exported as a
`virtual` location with no address, no place code and no name of its own.

The parts: profile (tables, columns, ids), tabulate (database -> tables), json_page and
data_package (the serialisations). Import from this module, not from the parts.
"""

from referral.directory.exchange.data_package import from_zip, to_zip
from referral.directory.exchange.json_page import NESTED, from_json, to_json
from referral.directory.exchange.profile import (
    COATE_URI,
    FIELDS,
    HSDS_VERSION,
    NATIONWIDE_URI,
    NS,
    PROFILE_URI,
    RESOURCES,
    TAXONOMY,
    TAXONOMY_ID,
    Tables,
    derived_id,
    publish,
    term_id,
)
from referral.directory.exchange.tabulate import export_tables

__all__ = [
    "COATE_URI",
    "FIELDS",
    "HSDS_VERSION",
    "NATIONWIDE_URI",
    "NESTED",
    "NS",
    "PROFILE_URI",
    "RESOURCES",
    "TAXONOMY",
    "TAXONOMY_ID",
    "Tables",
    "derived_id",
    "export_tables",
    "from_json",
    "from_zip",
    "publish",
    "term_id",
    "to_json",
    "to_zip",
]
