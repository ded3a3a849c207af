"""Locations: the shipped COATE hierarchy, its tree, and the aiyl aimaks and villages an
administrator adds under it."""

from __future__ import annotations

import csv
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.audit import service as audit
from referral.directory.models import Location, LocationLevel
from referral.directory.service.rules import (
    DirectoryError,
    changed_fields,
    require_name,
    snapshot,
)
from referral.extensions import db

LOCATIONS_CSV = Path(__file__).parent.parent / "data" / "kg-locations.csv"


def load_locations(path: Path = LOCATIONS_CSV) -> int:
    """Insert or update Kyrgyzstan's locations from the shipped CSV. Returns rows added.

    Parents come before children in the file; names, former names and dates are only
    filled, never blanked, so edits made in the UI survive a re-run.
    """
    existing = {loc.code: loc for loc in db.session.execute(select(Location)).scalars()}
    added = 0
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            loc = existing.get(row["code"])
            if loc is None:
                loc = Location(code=row["code"], level=LocationLevel(row["level"]))
                db.session.add(loc)
                existing[loc.code] = loc
                added += 1
            loc.iso_3166_2 = row["iso_3166_2"] or loc.iso_3166_2
            parent = existing.get(row["parent_code"]) if row["parent_code"] else None
            loc.parent_id = parent.id if parent else None
            for lang in ("en", "ky", "ru"):
                if row[f"name_{lang}"] and not getattr(loc, f"name_{lang}"):
                    setattr(loc, f"name_{lang}", row[f"name_{lang}"])
            if row.get("former_names") and not loc.former_names:
                loc.former_names = json.loads(row["former_names"])
            if row.get("valid_from") and loc.valid_from is None:
                loc.valid_from = date.fromisoformat(row["valid_from"])
    db.session.flush()
    return added


def location_by_code(code: str) -> Location | None:
    return db.session.execute(select(Location).where(Location.code == code)).scalar_one_or_none()


def location_ids_by_code() -> dict[str, uuid.UUID]:
    return {loc.code: loc.id for loc in db.session.execute(select(Location)).scalars()}


def _parent_map() -> dict[uuid.UUID, uuid.UUID | None]:
    rows = db.session.execute(select(Location.id, Location.parent_id)).all()
    return {row.id: row.parent_id for row in rows}


def descendant_ids(location_id: uuid.UUID) -> set[uuid.UUID]:
    """The location and everything under it."""
    return descendants_in(_parent_map(), location_id)


def descendants_in(
    parents: dict[uuid.UUID, uuid.UUID | None], location_id: uuid.UUID
) -> set[uuid.UUID]:
    """`descendant_ids` over a parent map the caller already holds (one read of the
    locations for many areas)."""
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found, stack = {location_id}, [location_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def ancestor_ids(location_id: uuid.UUID) -> list[uuid.UUID]:
    """The location and its parents, nearest first."""
    parents = _parent_map()
    chain, current = [], location_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def location_tree(*, max_level: set[LocationLevel] | None = None) -> list[tuple[Location, int]]:
    """Every location with its depth, each parent followed by its children."""
    locations = list(db.session.execute(select(Location)).scalars())
    children: dict[uuid.UUID | None, list[Location]] = {}
    for loc in locations:
        if max_level is None or loc.level in max_level:
            children.setdefault(loc.parent_id, []).append(loc)
    result: list[tuple[Location, int]] = []

    def walk(parent_id, depth):
        for loc in sorted(children.get(parent_id, []), key=lambda x: (x.name_en, x.code)):
            result.append((loc, depth))
            walk(loc.id, depth + 1)

    walk(None, 0)
    return result


# Which levels an administrator may add, under which parent levels.
ADDABLE_LEVELS = {
    LocationLevel.AIYL_AIMAK: {LocationLevel.RAYON, LocationLevel.TOWN_OBLAST},
    LocationLevel.VILLAGE: {
        LocationLevel.AIYL_AIMAK,
        LocationLevel.RAYON,
        LocationLevel.TOWN_OBLAST,
        LocationLevel.CITY_DISTRICT,
    },
}


@dataclass
class LocationInput:
    code: str
    level: LocationLevel
    parent_id: uuid.UUID | None
    name_ky: str
    name_ru: str
    name_en: str
    former_names: list[dict] = field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None


def _check_location(data: LocationInput, current: Location | None) -> Location | None:
    require_name(data)
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise DirectoryError(_l("“Valid until” is before “valid from”."), "valid_to")
    other = location_by_code(data.code)
    if other is not None and other is not current:
        raise DirectoryError(_l("Another location already has this code."), "code")
    if current is not None and current.level not in ADDABLE_LEVELS:
        return None  # the shipped hierarchy keeps its parent and level
    parent = db.session.get(Location, data.parent_id) if data.parent_id else None
    if data.level not in ADDABLE_LEVELS:
        raise DirectoryError(_l("Only aiyl aimaks and villages can be added."), "level")
    if parent is None or parent.level not in ADDABLE_LEVELS[data.level]:
        raise DirectoryError(
            _l("An aiyl aimak belongs to a rayon or town; a village to an aiyl aimak or rayon."),
            "parent_id",
        )
    return parent


def create_location(data: LocationInput) -> Location:
    parent = _check_location(data, None)
    loc = Location(code=data.code, level=data.level, parent_id=parent.id)
    _apply_location(loc, data)
    db.session.add(loc)
    db.session.flush()
    audit.record(
        "directory_location_created",
        target_type="location",
        target_id=loc.id,
        detail={"code": loc.code, "level": loc.level.value},
    )
    return loc


def update_location(loc: Location, data: LocationInput) -> list[str]:
    parent = _check_location(data, loc)
    before = snapshot(loc, LOCATION_FIELDS)
    if parent is not None:
        loc.parent_id, loc.level = parent.id, data.level
    _apply_location(loc, data)
    changed = changed_fields(before, snapshot(loc, LOCATION_FIELDS))
    if changed:
        db.session.flush()
        audit.record(
            "directory_location_updated",
            target_type="location",
            target_id=loc.id,
            detail={"code": loc.code, "fields": changed},
        )
    return changed


LOCATION_FIELDS = (
    "code",
    "level",
    "parent_id",
    "name_ky",
    "name_ru",
    "name_en",
    "former_names",
    "valid_from",
    "valid_to",
)


def _apply_location(loc: Location, data: LocationInput) -> None:
    loc.code = data.code
    for name in ("name_ky", "name_ru", "name_en", "valid_from", "valid_to"):
        setattr(loc, name, getattr(data, name))
    loc.former_names = list(data.former_names)


def parse_former_names(text: str) -> list[dict]:
    """One former name per line, optionally "| until YYYY-MM-DD": "Kara-Buura | 2023-04-10"."""
    names = []
    for line in (text or "").splitlines():
        name, _sep, until = (part.strip() for part in line.partition("|"))
        if not name:
            continue
        if until:
            try:
                until = date.fromisoformat(until).isoformat()
            except ValueError:
                raise DirectoryError(
                    _l("Write the date as YYYY-MM-DD, e.g. Kara-Buura | 2023-04-10"),
                    "former_names",
                ) from None
        names.append({"name": name[:200], "until": until or None})
    return names


def former_names_text(names: list[dict]) -> str:
    return "\n".join(
        f"{item['name']} | {item['until']}" if item.get("until") else item["name"]
        for item in names or []
    )
