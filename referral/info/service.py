"""Rules for information pages: saving a text resets its review, only a named reviewer
confirms it, and bodies are turned into plain blocks (never HTML) for the templates."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from referral.audit import service as audit
from referral.db import utcnow
from referral.extensions import db
from referral.info.models import LANGS, InfoPage, InfoPageVersion

TEXT_FIELDS = tuple(f"{part}_{lang}" for lang in LANGS for part in ("title", "body"))


@dataclass(frozen=True)
class Block:
    kind: str  # "p" or "ul"
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    text: str
    url: str | None


def blocks(body: str) -> list[Block]:
    """Paragraphs split on blank lines; a paragraph whose lines all start with "- " is a
    list. The text stays text: the template escapes it like any other value."""
    out = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            out.append(Block("ul", tuple(line[2:].strip() for line in lines)))
        else:
            out.append(Block("p", (" ".join(lines),)))
    return out


def sources(page: InfoPage) -> list[Source]:
    out = []
    for line in page.sources.splitlines():
        text, _sep, url = line.partition("|")
        url = url.strip()
        # Only web addresses become links: a "javascript:" source stays plain text.
        if text.strip():
            out.append(
                Source(text.strip(), url if url.startswith(("https://", "http://")) else None)
            )
    return out


def list_pages() -> list[InfoPage]:
    return list(db.session.scalars(select(InfoPage).order_by(InfoPage.position, InfoPage.slug)))


def get_by_slug(slug: str) -> InfoPage | None:
    return db.session.scalar(select(InfoPage).where(InfoPage.slug == slug))


class InfoError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def save(page: InfoPage | None, values: dict, user) -> tuple[InfoPage, list[str], bool]:
    """Create or update a page; returns it, the fields changed, and whether a review was
    withdrawn. A changed title, body or source means the lawyer's review no longer
    covers what is shown, so the page is unreviewed again."""
    slug = values["slug"]
    other = get_by_slug(slug)
    if other is not None and other is not page:
        raise InfoError("slug", _("Another page already has this address."))
    if not any(
        values[f"title_{lang}"].strip() and values[f"body_{lang}"].strip() for lang in LANGS
    ):
        raise InfoError("title_ky", _("Give the title and text in at least one language."))
    creating = page is None
    if creating:
        page = InfoPage(slug=slug, version=1)
        db.session.add(page)
    changed = [name for name, value in values.items() if getattr(page, name, None) != value]
    before = {name: getattr(page, name) for name in (*TEXT_FIELDS, "sources")}
    for name, value in values.items():
        setattr(page, name, value)
    text_changed = creating or any(n in changed for n in (*TEXT_FIELDS, "sources"))
    review_reset = page.is_reviewed and text_changed and not creating
    kept = None
    if text_changed and not creating:
        kept = _keep_text(page, before)
        page.version += 1
        page.reviewed_by = page.reviewed_by_id = page.reviewed_on = None
    if changed or creating:
        page.updated_by_id = user.id
        page.updated_at = utcnow()
        db.session.flush()
        audit.record(
            "info_page_created" if creating else "info_page_updated",
            target_type="info_page",
            target_id=page.id,
            detail={"fields": sorted(changed), "review_reset": review_reset, "kept": kept},
        )
    return page, changed, review_reset


def _keep_text(page: InfoPage, before: dict) -> int:
    """Keep the text being replaced, with who wrote it and the review it had; returns
    the number of the version kept."""
    db.session.add(
        InfoPageVersion(
            page_id=page.id,
            version=page.version,
            reviewed_by=page.reviewed_by,
            reviewed_on=page.reviewed_on,
            saved_by_id=page.updated_by_id,
            saved_at=page.updated_at,
            replaced_at=utcnow(),
            **before,
        )
    )
    return page.version


@dataclass(frozen=True)
class Change:
    field: str  # "title_ky", "body_ru", "sources", ...
    lines: tuple[tuple[str, str], ...]  # ("-" removed, "+" added, " " kept; text)


def history(page: InfoPage) -> list[InfoPageVersion]:
    """The earlier texts, newest first."""
    return list(
        db.session.scalars(
            select(InfoPageVersion)
            .where(InfoPageVersion.page_id == page.id)
            .order_by(InfoPageVersion.version.desc())
        )
    )


def get_version(page: InfoPage, number: int) -> InfoPageVersion | None:
    return db.session.scalar(
        select(InfoPageVersion).where(
            InfoPageVersion.page_id == page.id, InfoPageVersion.version == number
        )
    )


def editor_names(user_ids) -> dict:
    """Who saved each text, by name, for the history (staff names, not case data)."""
    from referral.auth.models import User

    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def changes(old, new) -> list[Change]:
    """What an edit changed, field by field and line by line (each a version or the
    page itself); unchanged fields are left out, unchanged lines kept for context."""
    out = []
    for name in (*TEXT_FIELDS, "sources"):
        before, after = getattr(old, name).splitlines(), getattr(new, name).splitlines()
        if before == after:
            continue
        lines = tuple(
            (line[0], line[2:])
            for line in difflib.ndiff(before, after)
            if line[:1] in ("-", "+", " ") and line[2:].strip()
        )
        out.append(Change(name, lines))
    return out


def confirm_review(page: InfoPage, reviewer_name: str, user) -> None:
    page.reviewed_by = reviewer_name
    page.reviewed_by_id = user.id
    page.reviewed_on = utcnow()
    audit.record(
        "info_page_reviewed",
        target_type="info_page",
        target_id=page.id,
        detail={"version": page.version},
    )


def seed_starter_pages() -> int:
    """Add the shipped pages that are missing (by slug); never overwrite local edits."""
    from referral.info.starter import PAGES

    added = 0
    for position, data in enumerate(PAGES):
        if get_by_slug(data["slug"]) is None:
            db.session.add(InfoPage(position=position, version=1, **data))
            added += 1
    db.session.flush()
    return added
