"""An information page: one slug, its title and body in each language, its sources,
and whether a lawyer has reviewed the text now shown."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from referral.db import Base, TimestampMixin, UUIDPrimaryKey

LANGS = ("ky", "ru", "en")


class InfoPage(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "info_pages"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_ky: Mapped[str] = mapped_column(String(200), default="")
    title_ru: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    body_ky: Mapped[str] = mapped_column(Text, default="")
    body_ru: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    # One source a line: "name of the source | https://optional.url"
    sources: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_on: Mapped[datetime | None]
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    def __repr__(self) -> str:
        return f"<InfoPage {self.slug}>"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_on is not None

    def text(self, lang: str) -> tuple[str, str, str]:
        """(title, body, language shown): the visitor's language, else the first other
        language that has the page, so that a page is never blank."""
        for code in (lang, *[c for c in ("ru", "ky", "en") if c != lang]):
            title, body = getattr(self, f"title_{code}"), getattr(self, f"body_{code}")
            if title.strip() and body.strip():
                return title, body, code
        return self.slug, "", lang


class InfoPageVersion(UUIDPrimaryKey, Base):
    """The text a page showed before an edit replaced it, as it was then: who wrote it,
    when, and the lawyer's review it had. Written once, never changed; the text now
    shown stays on `InfoPage`."""

    __tablename__ = "info_page_versions"
    __table_args__ = (UniqueConstraint("page_id", "version"),)

    page_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("info_pages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title_ky: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_ky: Mapped[str] = mapped_column(Text)
    body_ru: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    sources: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_on: Mapped[datetime | None]
    saved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime]
    replaced_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<InfoPageVersion {self.version}>"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_on is not None
