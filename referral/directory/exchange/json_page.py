"""HSDS JSON: a page of organizations, each with its phones, locations and services nested
(the shape of GET /organizations), and flattening any HSDS document back into tables.

A document read may be a page or a list of, or a single, organization, service, location or
service_at_location; nested objects are read wherever the specification nests them (a
service's organization, a service_at_location's location, an attribute's taxonomy_term),
and an object nested in several places (the same phone under its organization and its
service) is one row. Arrays and objects the directory does not store are kept as their own
tables so that the import can report them.
"""

from __future__ import annotations

import json
from collections import defaultdict

from referral.directory.exchange import bounds
from referral.directory.exchange.profile import FIELDS, RESOURCES, Tables, json_value, publish


def _plain(row: dict) -> dict:
    """An object as HSDS wants it: absent optional fields are left out, never null."""
    return {k: json_value(v) for k, v in row.items() if v is not None and v != ""}


def to_json(tables: Tables) -> bytes:
    """An HSDS page of organizations (the shape of GET /organizations), each complete."""
    hsds = publish(tables)
    terms = {t["id"]: _plain(t) for t in hsds["taxonomy_terms"]}
    attributes = defaultdict(list)
    for attr in hsds["attributes"]:
        item = _plain(attr)
        item["taxonomy_term"] = terms[attr["taxonomy_term_id"]]
        attributes[attr["link_id"]].append(item)

    def children(name: str, key: str, parent_id: str) -> list[dict]:
        return [item(r) for r in hsds[name] if r.get(key) == parent_id]

    def item(row: dict, **nested) -> dict:
        out = _plain(row)
        out.update(nested)
        if row["id"] in attributes:
            out["attributes"] = attributes[row["id"]]
        return out

    contents = []
    for org in hsds["organizations"]:
        locations = [
            item(site, addresses=children("addresses", "location_id", site["id"]))
            for site in hsds["locations"]
            if site["organization_id"] == org["id"]
        ]
        services = [
            item(
                svc,
                **{
                    child: children(child, "service_id", svc["id"])
                    for child in (
                        "phones",
                        "schedules",
                        "languages",
                        "service_areas",
                        "service_at_locations",
                    )
                },
            )
            for svc in hsds["services"]
            if svc["organization_id"] == org["id"]
        ]
        contents.append(
            item(
                org,
                phones=children("phones", "organization_id", org["id"]),
                locations=locations,
                services=services,
            )
        )
    page = {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }
    return json.dumps(page, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


# Arrays of objects each table nests, by the table their rows belong to.
NESTED = {
    "organizations": ("phones", "locations", "services", "attributes"),
    "locations": ("addresses", "phones", "schedules", "languages", "attributes"),
    "services": (
        "phones",
        "schedules",
        "languages",
        "service_areas",
        "service_at_locations",
        "attributes",
    ),
    "service_at_locations": ("phones", "schedules", "attributes"),
    "phones": ("languages", "attributes"),
    "addresses": ("attributes",),
    "schedules": ("attributes",),
    "languages": ("attributes",),
    "service_areas": ("attributes",),
}
# Single objects nested in a table's rows, and the table they belong to.
SINGLE = {
    "services": {"organization": "organizations"},
    "service_at_locations": {"location": "locations", "service": "services"},
    "attributes": {"taxonomy_term": "taxonomy_terms"},
    "taxonomy_terms": {"taxonomy": "taxonomies"},
}


def _kind(item: dict) -> str:
    if "location" in item or "service" in item or ("service_id" in item and "location_id" in item):
        return "service_at_locations"
    if "location_type" in item:
        return "locations"
    if "status" in item or "organization" in item or "service_at_locations" in item:
        return "services"
    return "organizations"


def from_json(data: bytes) -> Tables:
    """Flatten an HSDS document into tables. Raises ValueError when the file is not JSON
    of HSDS objects."""
    bounds.check_depth(data)
    document = json.loads(data.decode("utf-8"))
    if isinstance(document, dict) and "contents" in document:
        items = document["contents"]
    elif isinstance(document, dict):
        items = [document]
    else:
        items = document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError("expected HSDS objects")
    tables: Tables = {name: [] for name in FIELDS}
    seen: dict[tuple[str, str], dict] = {}

    def add(name: str, flat: dict) -> dict:
        key = (name, str(flat.get("id")))
        if flat.get("id") is not None and key in seen:
            merged = seen[key]
            for column, value in flat.items():
                if merged.get(column) in (None, ""):
                    merged[column] = value
            return merged
        tables.setdefault(name, []).append(flat)
        if flat.get("id") is not None:
            seen[key] = flat
        return flat

    def walk(name: str, row: dict, links: dict) -> dict:
        if not isinstance(row, dict):
            raise ValueError(f"{name}: expected objects")
        if name not in FIELDS:  # not stored: kept whole, only to be counted and reported
            return add(name, {"id": row.get("id")})
        nested, single = NESTED.get(name, ()), SINGLE.get(name, {})
        flat = {}
        for key, value in row.items():
            if key in nested or key in single or value is None or value == []:
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for other in value:
                    walk(key, other, {})
            elif isinstance(value, dict):
                walk(key, value, {})
            else:
                flat[key] = value
        for column, value in links.items():
            if flat.get(column) in (None, ""):
                flat[column] = value
        for key, table in single.items():
            if isinstance(row.get(key), dict):
                inner = {}
                if table == "locations":  # a service's site belongs to its organisation
                    inner["organization_id"] = links.get("kg_service_org")
                target = walk(table, row[key], {k: v for k, v in inner.items() if v})
                column = f"{RESOURCES[table][0]}_id"
                if flat.get(column) in (None, ""):
                    flat[column] = target.get("id")
        flat.pop("kg_service_org", None)
        merged = add(name, flat)
        for child in nested:
            values = row.get(child) or []
            if not isinstance(values, list):
                raise ValueError(f"{child}: expected a list")
            for value in values:
                walk(child, value, _links(name, merged, child))
        return merged

    for item in items:
        kind = _kind(item)
        links = {}
        if kind == "service_at_locations" and isinstance(item.get("service"), dict):
            links["kg_service_org"] = item["service"].get("organization_id")
        walk(kind, item, links)
    for name, rows in tables.items():
        bounds.check_rows(name, rows)
    return tables


def _links(parent: str, row: dict, child: str) -> dict:
    """The columns a nested row of `child` takes from its parent row."""
    if child == "attributes":
        return {"link_id": row.get("id"), "link_entity": RESOURCES[parent][0]}
    links = {f"{RESOURCES[parent][0]}_id": row.get("id")}
    if parent == "service_at_locations":  # what belongs to a service at a site, belongs
        links["service_id"] = row.get("service_id")  # to the service
    if parent == "services" and child == "service_at_locations":
        links["kg_service_org"] = row.get("organization_id")
    return links
