"""HSDS as a Tabular Data Package: one CSV file per table plus datapackage.json, zipped."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from referral.directory.exchange.profile import (
    FIELDS,
    HSDS_VERSION,
    PROFILE_URI,
    Tables,
    csv_name,
    json_value,
)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(json_value(value))


def to_zip(tables: Tables) -> bytes:
    """The Tabular Data Package: one CSV per table and datapackage.json."""
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, fields in FIELDS.items():
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(fields)
            for row in tables[name]:
                writer.writerow([_csv_text(row.get(f)) for f in fields])
            filename = f"{csv_name(name)}.csv"
            _write(archive, filename, out.getvalue().encode("utf-8"))
            resources.append(
                {
                    "name": csv_name(name),
                    "path": filename,
                    "profile": "tabular-data-resource",
                    "schema": {
                        "fields": [{"name": f, "type": t} for f, t in fields.items()],
                        "primaryKey": "id",
                    },
                }
            )
        package = {
            "name": "kg-gbv-directory",
            "profile": "tabular-data-package",
            "hsds_version": HSDS_VERSION,
            "hsds_profile": PROFILE_URI,
            "resources": resources,
        }
        _write(archive, "datapackage.json", json.dumps(package, indent=2).encode("utf-8"))
    return buffer.getvalue()


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # same bytes every time
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


MAX_UNCOMPRESSED = 50 * 1024 * 1024


def from_zip(data: bytes) -> Tables:
    """Read a data package; missing files are empty tables. Raises ValueError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("not a zip file") from exc
    if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
        raise ValueError("the package is too large")
    names = {info.filename.rsplit("/", 1)[-1]: info.filename for info in archive.infolist()}
    tables: Tables = {name: [] for name in FIELDS}
    for name in FIELDS:
        filename = f"{csv_name(name)}.csv"
        if filename not in names:
            continue
        text = archive.read(names[filename]).decode("utf-8-sig")
        tables[name] = [
            {k: (v if v != "" else None) for k, v in row.items() if k is not None}
            for row in csv.DictReader(io.StringIO(text))
        ]
    return tables
