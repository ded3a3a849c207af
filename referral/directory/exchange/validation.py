"""Checking an HSDS import: every record of every table, every problem reported, nothing
changed. Only rows that pass go on to be applied.

Besides problems (which stop the import) a check yields notes: what it assumed for a
record a plain HSDS file left unsaid, and what the file holds that the directory does not
store (whole tables, fields, records of a kind it does not keep). Nothing is dropped
without a note.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time

from flask_babel import lazy_gettext as _l

from referral.directory.exchange import assumptions
from referral.directory.exchange.profile import (
    FIELDS,
    LANGS,
    Tables,
)
from referral.directory.service.locations import location_ids_by_code
from referral.directory.service.rules import DirectoryError
from referral.extensions import db

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Valid = dict[str, list[tuple[int, dict]]]  # table -> (record number, typed row)


@dataclass
class Problem:
    table: str
    row: int  # 1-based record number in that table (CSV: data row, header not counted); 0: all
    field: str
    message: str


Note = Problem  # the same shape: where, and what was assumed or not stored


class _Checker:
    def __init__(self, tables: Tables):
        self.tables = tables
        self.problems: list[Problem] = []
        self.notes: list[Note] = []
        self.skipped: set[tuple[str, int]] = set()
        self.valid: Valid = {}
        self.codes = location_ids_by_code()
        self.ids: dict[str, set[str]] = {name: set() for name in FIELDS}

    def fail(self, table, row, column, message):
        self.problems.append(Problem(table, row, column, str(message)))

    def note(self, table, row, column, message):
        self.notes.append(Note(table, row, column, str(message)))

    def skip(self, table, row, column, message):
        """Leave the record out (the directory has no place for it) and say so."""
        self.note(table, row, column, message)
        self.skipped.add((table, row))

    def obey(self, table, number, rule, *args) -> None:
        """Apply one of the staff screens' rules; its refusal is a problem on its field."""
        try:
            rule(*args)
        except DirectoryError as exc:
            self.fail(table, number, exc.field, exc.message)

    def checked(self, table: str, rows: list[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
        """Each row, to be checked by the loop body; a row is valid when checking it
        reported no problem and did not leave it out."""
        for number, row in rows:
            before = len(self.problems)
            yield number, row
            if len(self.problems) == before and (table, number) not in self.skipped:
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

    def texts(self, table, number, row, *, descriptions: bool = False) -> None:
        """A plain HSDS row has one name (and description) in no stated language: store it
        as the language its script shows, and say so."""
        if any(row.get(f"kg_name_{lang}") for lang in LANGS) or not row.get("name"):
            return
        lang = assumptions.text_language(row["name"])
        row[f"kg_name_{lang}"] = row["name"]
        if descriptions and row.get("description"):
            row[f"kg_description_{assumptions.text_language(row['description'])}"] = row[
                "description"
            ]
        self.note(table, number, "name", LANGUAGE_NOTES[lang])


LANGUAGE_NOTES = {
    "ky": _l("The name is taken as Kyrgyz (the file does not say its language)."),
    "ru": _l("The name is taken as Russian (the file does not say its language)."),
    "en": _l("The name is taken as English (the file does not say its language)."),
}


def _convert(value, kind):
    if value is None or value == "":
        return None
    if kind == "string":
        return str(value)
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float) and value.is_integer():
            return int(value)
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


def not_stored(tables: Tables) -> list[Note]:
    """Tables and fields of the file the directory has no place for, one note each."""
    notes = []
    for table, rows in tables.items():
        if not rows:
            continue
        if table not in FIELDS:
            notes.append(Note(table, 0, "", str(_l("Not stored: %(n)d records.", n=len(rows)))))
            continue
        extra: dict[str, int] = {}
        for row in rows:
            for column, value in row.items():
                if column not in FIELDS[table] and value not in (None, ""):
                    extra[column] = extra.get(column, 0) + 1
        notes += [
            Note(table, 0, column, str(_l("Not stored (in %(n)d records).", n=count)))
            for column, count in sorted(extra.items())
        ]
    return notes
