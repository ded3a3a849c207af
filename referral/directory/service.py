"""Directory rules: locations and organisations."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from referral.directory.models import Location, LocationLevel
from referral.extensions import db

LOCATIONS_CSV = Path(__file__).parent / "data" / "kg-locations.csv"


def load_locations(path: Path = LOCATIONS_CSV) -> int:
    """Insert or update Kyrgyzstan's locations from the shipped CSV. Returns rows added.

    Parents come before children in the file; names are only filled, never blanked,
    so edits made in the UI survive a re-run.
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
    db.session.flush()
    return added


def location_by_code(code: str) -> Location | None:
    return db.session.execute(select(Location).where(Location.code == code)).scalar_one_or_none()
