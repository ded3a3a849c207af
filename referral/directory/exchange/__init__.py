"""Open Referral HSDS 3.0 export and import of the provider directory."""

from __future__ import annotations

from referral.audit import service as audit
from referral.directory.exchange import hsds
from referral.directory.exchange.importer import ImportResult, Problem, import_tables

__all__ = ["ImportResult", "Problem", "export", "import_file"]


def export(fmt: str) -> bytes:
    """The whole directory as HSDS JSON ("json") or a Tabular Data Package ("zip").
    Confidential addresses are never in it. Audited."""
    tables = hsds.export_tables()
    data = hsds.to_json(tables) if fmt == "json" else hsds.to_zip(tables)
    audit.record(
        "hsds_export",
        detail={
            "format": fmt,
            "organizations": len(tables["organizations"]),
            "services": len(tables["services"]),
        },
    )
    return data


def import_file(filename: str, data: bytes) -> ImportResult:
    """Import a .json or .zip file; nothing changes unless every record is valid.
    Raises ValueError when the file cannot be read at all."""
    if filename.lower().endswith(".zip") or data[:2] == b"PK":
        return import_tables(hsds.from_zip(data), source="csv")
    try:
        tables = hsds.from_json(data)
    except UnicodeDecodeError as exc:
        raise ValueError("not UTF-8 JSON") from exc
    return import_tables(tables, source="json")
