"""Kyrgyz, Russian and English, complete: every UI string exists in all three."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "referral" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _source_msgids(tmp_path) -> set:
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.mark.no_db
def test_catalogs_contain_every_string_of_the_source(tmp_path):
    source = _source_msgids(tmp_path)
    for lang in ("ky", "ru", "en"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(source - ids)
        assert missing == [], f"{lang}: run `make messages`; missing {missing[:5]}"


@pytest.mark.no_db
@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_every_string_is_translated(lang):
    untranslated = []
    for message in _catalog(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(message.id)
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"


@pytest.mark.no_db
@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_translations_keep_every_placeholder(lang):
    broken = []
    for message in _catalog(lang):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text and set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)):
                broken.append(source)
    assert broken == []


def test_interface_speaks_each_language(login_as):
    b = login_as("caseworker")
    pages = {lang: b.get(f"/?lang={lang}").get_data(as_text=True) for lang in ("ky", "ru", "en")}
    assert "Sign out" in pages["en"]
    assert "Выйти" in pages["ru"]
    assert "Чыгуу" in pages["ky"]


def test_form_messages_of_wtforms_itself_speak_each_language(login_as):
    """A required field left empty and a too-long value: WTForms' own messages, which
    WTForms does not ship in Kyrgyz."""
    b = login_as("caseworker")
    pages = {}
    for lang in ("ky", "ru", "en"):
        page = b.get(f"/account/password?lang={lang}")
        data = {"current_password": "", "new_password": "x" * 10_000, "confirm_password": ""}
        pages[lang] = b.post(f"/account/password?lang={lang}", data).get_data(as_text=True)
        assert page.status_code == 200
    assert "This field is required." in pages["en"]
    assert "Это поле обязательно." in pages["ru"]
    assert "Бул талааны толтуруу милдеттүү." in pages["ky"]
    assert "This field is required." not in pages["ky"]


@pytest.mark.no_db
@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_every_message_of_wtforms_has_a_translation(lang):
    from referral.wtforms_messages import MESSAGES

    catalog = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in _catalog(lang)}
    ids = [m._args[0] for m in MESSAGES]
    missing = [i for i in ids if not catalog.get(i)]
    print(f"[i18n] WTForms messages in {lang}: {len(ids) - len(missing)}/{len(ids)}")
    assert len(ids) >= 39
    assert missing == []
