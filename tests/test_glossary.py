"""The interface speaks the glossary's words: docs/glossary.md lists the settled Russian
and Kyrgyz terms and the variants to avoid; every ky and ru catalog entry must agree."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
SECTION = "## Checked terms"
# Proper names that contain a checked English word but are not that term.
NOT_THE_TERM = re.compile(r"Open Referral", re.I)
LETTER = "A-Za-zА-Яа-яЁёӨөҮүҢң"


def _tables() -> list[list[list[str]]]:
    text = GLOSSARY.read_text(encoding="utf-8").split(SECTION, 1)[1]
    tables, rows = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("- "):
                rows.append(cells)
        elif rows:
            tables.append(rows[1:])  # without the header
            rows = []
    return tables


def _pattern(variants: str) -> re.Pattern:
    """'пострадавш* / обративш*' -> either stem, starting a word, any ending."""
    alternatives = [
        re.escape(v.strip()).replace(r"\*", f"[{LETTER}]*").replace(r"\ ", r"\s+")
        for v in variants.split("/")
    ]
    return re.compile(rf"(?<![{LETTER}])(?:{'|'.join(alternatives)})", re.I)


def _catalog(lang: str) -> list[tuple[str, str]]:
    path = ROOT / "referral" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    out = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        out.append((" ".join(ids), " ".join(s for s in strs if s)))
    return out


CATALOGS = {lang: _catalog(lang) for lang in ("ru", "ky")}
TERMS, AVOID = _tables()


def test_the_glossary_lists_the_terms_the_brief_asks_for():
    english = {row[0] for row in TERMS}
    assert {"survivor", "perpetrator", "consent", "referral", "protection order"} <= english
    assert {"ala kachuu", "crisis centre"} <= english
    assert {row[0] for row in AVOID} == {"ru", "ky"}


@pytest.mark.parametrize("row", TERMS, ids=lambda row: row[0])
def test_translations_use_the_glossary_term(row):
    english, ru, ky = row
    mentions = re.compile(rf"\b{re.escape(english)}s?\b", re.I)
    wrong = []
    for lang, variants in (("ru", ru), ("ky", ky)):
        term = _pattern(variants)
        for msgid, msgstr in CATALOGS[lang]:
            if msgstr and mentions.search(NOT_THE_TERM.sub("", msgid)) and not term.search(msgstr):
                wrong.append(f"{lang}: {msgid!r} -> {msgstr!r}")
    assert wrong == [], f"translations that do not use the glossary's {english!r}"


@pytest.mark.parametrize("row", AVOID, ids=lambda row: f"{row[0]}-{row[1]}")
def test_translations_avoid_the_listed_variants(row):
    lang, avoid, _instead = row
    variant = _pattern(avoid)
    found = [msgstr for _msgid, msgstr in CATALOGS[lang] if variant.search(msgstr)]
    assert found == [], f"{lang} translations use {avoid!r}"


def test_the_check_catches_a_wrong_variant():
    assert _pattern("направлени*").search("Отправил(а) направление")
    assert not _pattern("направлени*").search("Отправил(а) перенаправление")
    assert _pattern("охранн* ордер*").search("выдать охранного ордера")
