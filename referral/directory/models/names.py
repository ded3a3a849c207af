"""Search and sort keys of directory names, so that the staff lists search, sort and page in
the database instead of loading every service.

Names are stored in ky, ru and en. A row also keeps:
- `search_text`: its names case-folded, one per line (a service's are followed by its
  organisation's). SQLite's LIKE and lower() fold ASCII only, and PostgreSQL's fold by the
  server's locale; folding in Python gives the same hits on both, Cyrillic included. On
  PostgreSQL a trigram index (migration 0022) answers a search without reading every row.
- `sort_ky`, `sort_ru`, `sort_en`: the name a reader of that language sees (the same
  fallback as `localised`), folded and spelt so that plain code-point order is alphabetical
  order (Kyrgyz ң, ө, ү and ё come after н, о, у and е, not after я). A service's key starts
  with its organisation's, because the list groups services by organisation. The columns
  compare bytewise (COLLATE "C" on PostgreSQL, SQLite's default), whatever the server locale.

A flush listener keeps the keys current, so every writer (the forms, the HSDS import, the
demo seed, test factories) keeps them right without having to remember.
"""

from __future__ import annotations

from sqlalchemy import Index, String, event, inspect, text
from sqlalchemy.orm import Session

LANGUAGES = ("ky", "ru", "en")
# Fallback order of `localised`: the reader's language, then ru, ky, en.
FALLBACK = ("ru", "ky", "en")
NAME_COLUMNS = tuple(f"name_{code}" for code in LANGUAGES)

# Long enough to order any two real names; the id breaks ties.
PART_LENGTH = 150
SORT_KEY_LENGTH = 2 * PART_LENGTH + 1
SortKey = String(SORT_KEY_LENGTH).with_variant(String(SORT_KEY_LENGTH, collation="C"), "postgresql")
# Lower than any character kept in a part, so "org, service" orders like a pair.
_PAIR = "\x01"
# Just above every letter of both alphabets: "ң…" sorts after every "н…" and before "о".
_AFTER = "\ufffd"
_ALPHABET = str.maketrans(
    {"ё": "е" + _AFTER, "ң": "н" + _AFTER, "ө": "о" + _AFTER, "ү": "у" + _AFTER}
)


def search_index(table: str) -> Index:
    """The trigram index of a table's search text (migration 0022). SQLite's LIKE reads
    every row whatever the index, so there the index of the same name is partial with a
    condition no row meets: the schema is the same on both, and SQLite keeps nothing."""
    return Index(
        f"ix_{table}_search_trgm",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
        sqlite_where=text("0"),
    )


def name_in(obj, lang: str) -> str:
    """The name a reader of `lang` sees (as `localised` picks it)."""
    for code in (lang, *FALLBACK):
        value = getattr(obj, f"name_{code}", None)
        if value:
            return value
    return ""


def sort_key(name: str) -> str:
    folded = "".join(ch for ch in name.casefold() if ch >= " ").strip()
    return folded.translate(_ALPHABET)[:PART_LENGTH]


def search_text(*names: str | None) -> str:
    return "\n".join(name.casefold() for name in names if name)


def search_needle(text: str) -> str | None:
    """What to look for in `search_text`: None for no search. A line break can never be
    part of a name, so a needle with one finds nothing rather than matching across names."""
    needle = (text or "").strip().casefold()
    return needle or None


def refresh_organisation(org) -> None:
    org.search_text = search_text(*(getattr(org, column) for column in NAME_COLUMNS))
    for lang in LANGUAGES:
        setattr(org, f"sort_{lang}", sort_key(name_in(org, lang)))


def refresh_service(service, org) -> None:
    # The organisation's names follow the service's own, so that one indexed column answers
    # a search by either (a line break keeps a needle from spanning two names).
    service.search_text = search_text(
        *(getattr(service, column) for column in NAME_COLUMNS),
        *(getattr(org, column) for column in NAME_COLUMNS if org is not None),
    )
    for lang in LANGUAGES:
        own = sort_key(name_in(service, lang))
        parent = sort_key(name_in(org, lang)) if org is not None else ""
        setattr(service, f"sort_{lang}", f"{parent}{_PAIR}{own}")


def _changed(obj, *attributes: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attributes)


def _organisation_of(session: Session, service):
    from referral.directory.models.organisations import Organisation

    org = service.organisation
    if org is not None and service.organisation_id in (None, org.id):
        return org
    # A pending service created with only the id does not load the relationship.
    for obj in session.new:
        if isinstance(obj, Organisation) and obj.id == service.organisation_id:
            return obj
    return session.get(Organisation, service.organisation_id)


@event.listens_for(Session, "before_flush")
def _keep_name_keys(session: Session, _context, _instances) -> None:
    from referral.directory.models.organisations import Organisation
    from referral.directory.models.services import Service

    renamed, services = [], []
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Organisation):
            if obj in session.new or _changed(obj, *NAME_COLUMNS):
                refresh_organisation(obj)
                if obj not in session.new:
                    renamed.append(obj)
        elif isinstance(obj, Service) and (
            obj in session.new or _changed(obj, *NAME_COLUMNS, "organisation_id")
        ):
            services.append(obj)
    for service in services:
        refresh_service(service, _organisation_of(session, service))
    for org in renamed:
        for service in org.services:
            if service not in services:
                refresh_service(service, org)
