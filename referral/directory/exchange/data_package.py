"""HSDS as a Tabular Data Package: one CSV file per table plus datapackage.json, zipped."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from referral.directory.exchange import bounds
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


def from_zip(data: bytes) -> Tables:
    """Read a data package; missing files are empty tables. Raises ValueError (a
    bounds.FileRefused with a message for the administrator where a bound is broken)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError("not a zip file") from exc
    members = archive.infolist()
    if len(members) > bounds.MAX_FILES:
        raise bounds.FileRefused(bounds.too_many_files())
    names = {info.filename.rsplit("/", 1)[-1]: info.filename for info in members}
    tables: Tables = {name: [] for name in FIELDS}
    budget = bounds.MAX_UNPACKED
    for name in FIELDS:
        filename = f"{csv_name(name)}.csv"
        if filename not in names:
            continue
        raw = _read_bounded(archive, names[filename], budget)
        budget -= len(raw)
        try:
            rows = [
                {k: (v if v != "" else None) for k, v in row.items() if k is not None}
                for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
            ]
        except csv.Error as exc:  # csv's own field limit, far above ours
            raise bounds.FileRefused(bounds.field_too_long()) from exc
        bounds.check_rows(name, rows)
        tables[name] = rows
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
