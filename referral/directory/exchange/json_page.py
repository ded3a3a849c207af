"""HSDS JSON: a page of organizations, each with its phones, locations and services nested
(the shape of GET /organizations), and flattening such a page back into tables."""

from __future__ import annotations

import json

from referral.directory.exchange import bounds
from referral.directory.exchange.profile import (
    FIELDS,
    HSDS_VERSION,
    PROFILE_URI,
    Tables,
    json_value,
)


def _plain(row: dict) -> dict:
    return {key: json_value(value) for key, value in row.items()}


def _children(tables: Tables, name: str, key: str, parent_id: str) -> list[dict]:
    return [_plain(r) for r in tables[name] if r.get(key) == parent_id]


def to_json(tables: Tables) -> bytes:
    """An HSDS page of organizations (the shape of GET /organizations), each complete."""
    terms = {t["id"]: _plain(t) for t in tables["taxonomy_terms"]}
    contents = []
    for org in tables["organizations"]:
        item = _plain(org)
        item["phones"] = _children(tables, "phones", "organization_id", org["id"])
        item["locations"] = []
        for site in tables["locations"]:
            if site["organization_id"] == org["id"]:
                loc = _plain(site)
                loc["addresses"] = _children(tables, "addresses", "location_id", site["id"])
                item["locations"].append(loc)
        item["services"] = []
        for svc in tables["services"]:
            if svc["organization_id"] != org["id"]:
                continue
            entry = _plain(svc)
            for child in ("phones", "schedules", "languages", "service_areas"):
                entry[child] = _children(tables, child, "service_id", svc["id"])
            entry["service_at_locations"] = _children(
                tables, "service_at_locations", "service_id", svc["id"]
            )
            entry["attributes"] = []
            for attr in _children(tables, "attributes", "link_id", svc["id"]):
                attr["taxonomy_term"] = terms.get(attr["taxonomy_term_id"])
                entry["attributes"].append(attr)
            item["services"].append(entry)
        contents.append(item)
    page = {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
        "hsds_version": HSDS_VERSION,
        "profile": PROFILE_URI,
    }
    return json.dumps(page, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


NESTED = {
    "organizations": ("phones", "locations", "services"),
    "locations": ("addresses",),
    "services": (
        "phones",
        "schedules",
        "languages",
        "service_areas",
        "service_at_locations",
        "attributes",
    ),
}


def from_json(data: bytes) -> Tables:
    """Flatten a page of organizations (or a single organization) back into tables.
    Raises ValueError when the file is not JSON of that shape."""
    bounds.check_depth(data)
    document = json.loads(data.decode("utf-8"))
    if isinstance(document, dict) and "contents" in document:
        items = document["contents"]
    elif isinstance(document, dict) and "id" in document:
        items = [document]
    else:
        raise ValueError("expected an HSDS page of organizations")
    if not isinstance(items, list):
        raise ValueError("expected a list of organizations")
    tables: Tables = {name: [] for name in FIELDS}

    def walk(name: str, row: dict, parent: tuple[str, str] | None):
        if not isinstance(row, dict):
            raise ValueError(f"{name}: expected objects")
        flat = {k: v for k, v in row.items() if k not in NESTED.get(name, ())}
        if parent and not flat.get(parent[0]):
            flat[parent[0]] = parent[1]
        if name == "attributes":
            term = flat.pop("taxonomy_term", None)
            if isinstance(term, dict) and term.get("id"):
                if all(t.get("id") != term["id"] for t in tables["taxonomy_terms"]):
                    tables["taxonomy_terms"].append(term)
                flat.setdefault("taxonomy_term_id", term["id"])
        tables.setdefault(name, []).append(flat)
        for child in NESTED.get(name, ()):
            key = "location_id" if child == "addresses" else f"{name[:-1]}_id"
            if name == "services" and child == "attributes":
                key = "link_id"
            for item in row.get(child) or []:
                walk(child, item, (key, row.get("id")))

    for item in items:
        walk("organizations", item, None)
    for name, rows in tables.items():
        bounds.check_rows(name, rows)
    return tables
