"""Checking an HSDS import: every record of every table, every problem reported, nothing
changed. Only rows that pass go on to be applied."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time

from flask_babel import lazy_gettext as _l

from referral.directory.exchange.profile import (
    COATE_URI,
    FIELDS,
    NATIONWIDE_URI,
    TAXONOMY,
    Tables,
    term_id,
)
from referral.directory.hours import DAYS
from referral.directory.models import (
    SERVICE_LANGUAGES,
    EligibleSex,
    LegalStatus,
    Organisation,
    OrganisationType,
    PhoneType,
    Sector,
    Service,
    ServiceStatus,
    ServiceType,
    Site,
)
from referral.directory.service.locations import location_ids_by_code
from referral.directory.service.rules import DirectoryError, check_ages, check_website
from referral.extensions import db

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{1,38}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Valid = dict[str, list[tuple[int, dict]]]  # table -> (record number, typed row)


@dataclass
class Problem:
    table: str
    row: int  # 1-based record number in that table (CSV: data row, header not counted)
    field: str
    message: str


class _Checker:
    def __init__(self, tables: Tables):
        self.tables = tables
        self.problems: list[Problem] = []
        self.valid: Valid = {}
        self.codes = location_ids_by_code()
        self.ids: dict[str, set[str]] = {name: set() for name in FIELDS}

    def fail(self, table, row, column, message):
        self.problems.append(Problem(table, row, column, str(message)))

    def obey(self, table, number, rule, *args) -> None:
        """Apply one of the staff screens' rules; its refusal is a problem on its field."""
        try:
            rule(*args)
        except DirectoryError as exc:
            self.fail(table, number, exc.field, exc.message)

    def checked(self, table: str, rows: list[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
        """Each row, to be checked by the loop body; a row is valid when checking it
        reported no problem."""
        for number, row in rows:
            before = len(self.problems)
            yield number, row
            if len(self.problems) == before:
                self.valid.setdefault(table, []).append((number, row))

    def typed(self, table: str) -> list[tuple[int, dict]]:
        """Rows converted to Python types; bad values reported. Ids must be UUIDs."""
        out = []
        for number, raw in enumerate(self.tables.get(table, []), start=1):
            row, good = {}, True
            for column, kind in FIELDS[table].items():
                value = raw.get(column)
                try:
                    row[column] = _convert(value, kind)
                except ValueError:
                    self.fail(
                        table,
                        number,
                        column,
                        _l("“%(v)s” is not a %(k)s.", v=str(value)[:40], k=kind),
                    )
                    good = False
            try:
                row["id"] = str(uuid.UUID(str(raw.get("id"))))
            except ValueError:
                self.fail(table, number, "id", _l("The id is missing or not a UUID."))
                good = False
            else:
                if row["id"] in self.ids[table]:
                    self.fail(table, number, "id", _l("The same id appears twice."))
                    good = False
                self.ids[table].add(row["id"])
            if good:
                out.append((number, row))
        return out

    def ref(self, table, number, row, column, target_table, model=None, required=True) -> None:
        """The column names a row of `target_table` in this file or, with `model`, one
        already in the directory."""
        value = row.get(column)
        if not value:
            if required:
                self.fail(table, number, column, _l("This reference is required."))
            return
        try:
            known = value in self.ids[target_table] or (
                model is not None and db.session.get(model, uuid.UUID(value)) is not None
            )
        except ValueError:
            known = False
        if not known:
            self.fail(table, number, column, _l("It refers to a record that does not exist."))

    def enum(self, table, number, row, column, enum_cls, required=True) -> None:
        value = row.get(column)
        if value in (None, ""):
            if required:
                self.fail(table, number, column, _l("This value is required."))
        elif value not in enum_cls._value2member_map_:
            self.fail(
                table, number, column, _l("“%(v)s” is not an allowed value.", v=str(value)[:40])
            )


def _convert(value, kind):
    if value is None or value == "":
        return None
    if kind == "string":
        return str(value)
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError
        return int(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes"):
            return True
        if str(value).lower() in ("false", "0", "no"):
            return False
        raise ValueError
    if kind == "date":
        return date.fromisoformat(str(value)[:10])
    if kind == "time":
        return time.fromisoformat(str(value)[:8])
    raise ValueError


def _has_name(row) -> bool:
    return any(row.get(k) for k in ("kg_name_ky", "kg_name_ru", "kg_name_en", "name"))


def check(tables: Tables) -> tuple[list[Problem], Valid]:
    """Every problem in the file (values that do not convert first, then the rules, table
    by table), and the rows that have none."""
    c = _Checker(tables)
    typed = {name: c.typed(name) for name in FIELDS}

    t = "organizations"
    for number, row in c.checked(t, typed[t]):
        c.enum(t, number, row, "kg_org_type", OrganisationType)
        c.enum(t, number, row, "kg_sector", Sector, required=False)
        c.enum(t, number, row, "legal_status", LegalStatus, required=False)
        if not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))
        if row.get("kg_location_code") and row["kg_location_code"] not in c.codes:
            c.fail(t, number, "kg_location_code", _l("Unknown location code."))
        if row.get("email") and not EMAIL_RE.match(row["email"]):
            c.fail(t, number, "email", _l("Not an e-mail address."))
        c.obey(t, number, check_website, row.get("website"))
        if row.get("parent_organization_id"):
            c.ref(t, number, row, "parent_organization_id", t, Organisation)
            if row["parent_organization_id"] == row["id"]:
                c.fail(
                    t,
                    number,
                    "parent_organization_id",
                    _l("An organisation cannot be its own parent."),
                )

    t = "locations"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "organization_id", "organizations", Organisation)
        if row.get("location_type") not in ("physical", "postal", "virtual"):
            c.fail(t, number, "location_type", _l("Use physical, postal or virtual."))
        code = row.get("external_identifier")
        if code and code not in c.codes:
            c.fail(t, number, "external_identifier", _l("Unknown location code."))
        if not row.get("kg_confidential") and not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))

    confidential = {r["id"] for _n, r in typed["locations"] if r.get("kg_confidential")}
    t = "addresses"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "location_id", "locations", Site)
        if row.get("location_id") in confidential:
            c.fail(t, number, "location_id", _l("A confidential location cannot have an address."))
        if row.get("country") not in (None, "KG"):
            c.fail(t, number, "country", _l("Only addresses in Kyrgyzstan (KG)."))

    term_types = {term_id(st): st for st in ServiceType}
    attr_types = {}
    for _number, row in typed["attributes"]:
        if row.get("taxonomy_term_id") in term_types:
            attr_types[row.get("link_id")] = term_types[row["taxonomy_term_id"]].value
    t = "services"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "organization_id", "organizations", Organisation)
        if not row.get("kg_service_type") and row["id"] in attr_types:
            row["kg_service_type"] = attr_types[row["id"]]
        c.enum(t, number, row, "kg_service_type", ServiceType)
        c.enum(t, number, row, "status", ServiceStatus)
        c.enum(t, number, row, "kg_eligible_sex", EligibleSex, required=False)
        if not _has_name(row):
            c.fail(t, number, "name", _l("The name is missing."))
        c.obey(t, number, check_ages, row.get("minimum_age"), row.get("maximum_age"))
        if (
            row.get("kg_accepts_referrals")
            and row.get("kg_service_type") in ServiceType._value2member_map_
            and not ServiceType(row["kg_service_type"]).is_referral_destination
        ):
            c.fail(
                t,
                number,
                "kg_accepts_referrals",
                _l("Violence cases are never referred to this type of service."),
            )

    t = "service_at_locations"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "service_id", "services", Service)
        c.ref(t, number, row, "location_id", "locations", Site)

    t = "phones"
    for number, row in c.checked(t, typed[t]):
        owners = [k for k in ("organization_id", "service_id") if row.get(k)]
        if len(owners) != 1:
            c.fail(
                t,
                number,
                "organization_id",
                _l("A phone belongs to one organisation or one service."),
            )
        else:
            target = "organizations" if owners[0] == "organization_id" else "services"
            c.ref(
                t,
                number,
                row,
                owners[0],
                target,
                Organisation if target == "organizations" else Service,
            )
        if not PHONE_RE.match(row.get("number") or ""):
            c.fail(
                t,
                number,
                "number",
                _l("Digits, spaces, brackets and dashes only, e.g. +996 312 123456"),
            )
        if row.get("type") and row["type"] not in PhoneType._value2member_map_:
            c.fail(t, number, "type", _l("“%(v)s” is not an allowed value.", v=row["type"][:40]))

    t = "schedules"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "service_id", "services", Service)
        if (row.get("freq") or "WEEKLY").upper() != "WEEKLY":
            c.fail(t, number, "freq", _l("Only weekly opening hours are supported."))
        days = [d.strip().upper() for d in (row.get("byday") or "").split(",") if d.strip()]
        if not days or any(d not in DAYS for d in days):
            c.fail(
                t, number, "byday", _l("Days are MO, TU, WE, TH, FR, SA, SU, separated by commas.")
            )
        else:
            row["byday"] = ",".join(d for d in DAYS if d in days)
        if not row.get("opens_at") or not row.get("closes_at"):
            c.fail(t, number, "opens_at", _l("Opening and closing times are required."))
        elif row["closes_at"] <= row["opens_at"]:
            c.fail(t, number, "closes_at", _l("The closing time is not after the opening time."))

    t = "languages"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "service_id", "services", Service)
        if row.get("code") not in SERVICE_LANGUAGES:
            c.fail(t, number, "code", _l("Unsupported language code."))

    t = "service_areas"
    for number, row in c.checked(t, typed[t]):
        c.ref(t, number, row, "service_id", "services", Service)
        uri = row.get("uri") or ""
        if uri != NATIONWIDE_URI and not (
            uri.startswith(COATE_URI) and uri[len(COATE_URI) :] in c.codes
        ):
            c.fail(t, number, "uri", _l("Give the area as urn:coate:<known code> or the country."))

    for number, row in typed["attributes"]:
        if row.get("taxonomy_term_id") not in term_types and row.get("link_entity") == "service":
            # Other taxonomies are allowed and ignored; ours must name a known term.
            terms = {r.get("id"): r for r in tables.get("taxonomy_terms", [])}
            if (terms.get(row.get("taxonomy_term_id")) or {}).get("taxonomy") == TAXONOMY:
                c.fail("attributes", number, "taxonomy_term_id", _l("Unknown service type."))

    return c.problems, c.valid
