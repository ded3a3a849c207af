"""Kyrgyzstan's administrative divisions (COATE), from the country down to villages."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.db import TimestampMixin, UUIDPrimaryKey, str_enum
from referral.directory.models.i18n import localised
from referral.extensions import db


class LocationLevel(StrEnum):
    COUNTRY = "country"
    OBLAST = "oblast"
    CITY_NATIONAL = "city_national"
    RAYON = "rayon"
    CITY_DISTRICT = "city_district"
    TOWN_OBLAST = "town_oblast"
    AIYL_AIMAK = "aiyl_aimak"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return str(LOCATION_LEVEL_LABELS[self])


LOCATION_LEVEL_LABELS = {
    LocationLevel.COUNTRY: _l("Country"),
    LocationLevel.OBLAST: _l("Oblast"),
    LocationLevel.CITY_NATIONAL: _l("City of national significance"),
    LocationLevel.RAYON: _l("Rayon"),
    LocationLevel.CITY_DISTRICT: _l("City district"),
    LocationLevel.TOWN_OBLAST: _l("Town of oblast significance"),
    LocationLevel.AIYL_AIMAK: _l("Aiyl aimak"),
    LocationLevel.VILLAGE: _l("Village"),
}


class Location(UUIDPrimaryKey, TimestampMixin, db.Model):
    __tablename__ = "locations"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # COATE (СОАТЕ)
    iso_3166_2: Mapped[str | None] = mapped_column(String(8))
    level: Mapped[LocationLevel] = mapped_column(str_enum(LocationLevel, 20), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    name_ky: Mapped[str] = mapped_column(String(200), default="")
    name_ru: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    former_names: Mapped[list] = mapped_column(JSON, default=list)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]

    parent: Mapped[Location | None] = relationship(remote_side="Location.id")

    @property
    def name(self) -> str:
        return localised(self)

    @property
    def former_name_text(self) -> str:
        """Former names ("Kara-Buura" for Aitmatov), for labels and search."""
        return ", ".join(item["name"] for item in self.former_names or [] if item.get("name"))

    @property
    def label(self) -> str:
        if former := self.former_name_text:
            return str(_l("%(name)s (formerly %(former)s)", name=self.name, former=former))
        return self.name

    def __repr__(self) -> str:
        return f"<Location {self.code}>"
