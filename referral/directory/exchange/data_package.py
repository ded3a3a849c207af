"""HSDS as a Tabular Data Package: one CSV file per table plus datapackage.json, zipped."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from referral.directory.exchange import bounds
from referral.directory.exchange.profile import (
    CSV_ALIASES,
    FIELDS,
    HSDS_VERSION,
    PROFILE_URI,
    RESOURCES,
    Tables,
    columns,
    json_value,
    publish,
)

_CSV_TYPES = {"integer": "integer", "boolean": "boolean", "date": "date", "time": "time"}


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(json_value(value))


def to_zip(tables: Tables) -> bytes:
    """The Tabular Data Package: one CSV per table, named as HSDS names it, and
    datapackage.json."""
    hsds = publish(tables)
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FIELDS:
            fields = columns(name)
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(fields)
            for row in hsds[name]:
                writer.writerow([_csv_text(row.get(f)) for f in fields])
            resource, filename = RESOURCES[name]
            _write(archive, filename, out.getvalue().encode("utf-8"))
            resources.append(
                {
                    "name": resource,
                    "path": filename,
                    "format": "csv",
                    "mediatype": "text/csv",
                    "profile": "tabular-data-resource",
                    "schema": {
                        "fields": [
                            {"name": f, "type": _CSV_TYPES.get(FIELDS[name][f], "string")}
                            for f in fields
                        ],
                        "primaryKey": "id",
                    },
                }
            )
        package = {
            "name": "kg-gbv-directory",
            "profile": "tabular-data-package",
            "version": HSDS_VERSION,
            "hsds_profile": PROFILE_URI,
            "resources": resources,
        }
        _write(archive, "datapackage.json", json.dumps(package, indent=2).encode("utf-8"))
    return buffer.getvalue()


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # same bytes every time
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _paths(archive: zipfile.ZipFile, names: dict[str, str]) -> dict[str, str]:
    """File name -> table: the package's own datapackage.json first (resources by their
    HSDS name), then the specification's file names and their older spellings."""
    by_name = {resource: table for table, (resource, _f) in RESOURCES.items()}
    paths = {filename: table for table, (_r, filename) in RESOURCES.items()}
    paths.update(CSV_ALIASES)
    if "datapackage.json" in names:
        try:
            package = json.loads(_read_bounded(archive, names["datapackage.json"], 1 << 20))
            for resource in package.get("resources") or []:
                table = by_name.get(resource.get("name"))
                if table and isinstance(resource.get("path"), str):
                    paths[resource["path"].rsplit("/", 1)[-1]] = table
        except (ValueError, AttributeError, TypeError):
            pass  # a broken descriptor: the file names still say what each table is
    return paths


def from_zip(data: bytes) -> Tables:
    """Read a data package; missing files are empty tables, CSV files HSDS defines but the
    directory does not store are read as tables of their own (to be reported). Raises
    ValueError (a bounds.FileRefused with a message for the administrator where a bound is
    broken)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("not a zip file") from exc
    members = archive.infolist()
    if len(members) > bounds.MAX_FILES:
        raise bounds.FileRefused(bounds.too_many_files())
    names = {info.filename.rsplit("/", 1)[-1]: info.filename for info in members}
    paths = _paths(archive, names)
    tables: Tables = {name: [] for name in FIELDS}
    budget = bounds.MAX_UNPACKED
    for filename in sorted(names):
        if not filename.lower().endswith(".csv"):
            continue
        table = paths.get(filename, filename[: -len(".csv")])
        raw = _read_bounded(archive, names[filename], budget)
        budget -= len(raw)
        try:
            rows = [
                {k: (v if v != "" else None) for k, v in row.items() if k is not None}
                for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
            ]
        except csv.Error as exc:  # csv's own field limit, far above ours
            raise bounds.FileRefused(bounds.field_too_long()) from exc
        except UnicodeDecodeError as exc:
            raise ValueError("not UTF-8") from exc
        bounds.check_rows(table, rows)
        tables[table] = tables.get(table, []) + rows
    return tables


def _read_bounded(archive: zipfile.ZipFile, member: str, budget: int) -> bytes:
    # The sizes a zip declares can lie: count what actually comes out, and stop early.
    try:
        with archive.open(member) as stream:
            raw = stream.read(budget + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
        raise ValueError("unreadable member") from exc
    if len(raw) > budget:
        raise bounds.FileRefused(bounds.too_large())
    return raw
