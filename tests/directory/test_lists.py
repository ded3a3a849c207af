"""The staff lists of the directory, paged in the database: every service once across the
pages, in name order for the reader's language, found by a name in any language, with the
same home counts as the lists show and the same number of statements for 20 services as
for 200."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from referral.directory import service as directory
from referral.directory.service import lists
from referral.extensions import db
from tests import factories
from tests.directory.conftest import BISHKEK

SERVICE_LINK = re.compile(r'#s-([0-9a-f-]{36})">([^<]*)</a>')
ORGANISATION_LINK = re.compile(r'href="/directory/organisations/([0-9a-f-]{36})">([^<]*)</a>')
PAGE_OF = {
    "ky": re.compile(r"(\d+) барактын (\d+)-барагы"),
    "ru": re.compile(r"Страница (\d+) из (\d+)"),
    "en": re.compile(r"Page (\d+) of (\d+)"),
}
# The alphabets as their readers learnt them; Latin names come before Cyrillic ones.
KYRGYZ = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"


def _alphabetical(alphabet: str):
    def key(name: str):
        return [alphabet.index(c) + 1000 if c in alphabet else ord(c) for c in name.casefold()]

    return key


def _walk(browser, path: str, lang: str, link=SERVICE_LINK) -> list[tuple[str, str]]:
    """Every row of every page, following the page navigator's "next" link."""
    rows, url, seen_pages = [], f"{path}{'&' if '?' in path else '?'}lang={lang}", 0
    while url:
        page = browser.get(url.replace("&amp;", "&")).get_data(as_text=True)
        rows += link.findall(page)
        seen_pages += 1
        assert seen_pages < 50, "the navigator never ends"
        following = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = following.group(1) if following else None
        if url is not None:
            assert f"lang={lang}" in url  # the filters stay in the URL
    return rows


def _services_named(names: list[tuple[str, str, str]], org_names=None):
    """One organisation per service, so that the list's order is the services' own."""
    created = []
    for n, (ky, ru, en) in enumerate(names):
        org_ky, org_ru, org_en = org_names[n] if org_names else (ky, ru, en)
        org = factories.OrganisationFactory(name_ky=org_ky, name_ru=org_ru, name_en=org_en)
        created.append(
            factories.ServiceFactory(organisation=org, name_ky=ky, name_ru=ru, name_en=en)
        )
    return created


def test_kyrgyz_letters_sort_where_the_alphabet_puts_them(login_as):
    _services_named(
        [(ky, "", "") for ky in ("Үмүт", "Фонд", "Улан", "Өмүр", "Пайда", "Ордо", "Ёлка", "Жаш")]
    )
    admin = login_as("admin")
    shown = [name for _id, name in _walk(admin, "/directory/", "ky")]
    assert shown == ["Ёлка", "Жаш", "Ордо", "Өмүр", "Пайда", "Улан", "Үмүт", "Фонд"]


WORDS = ["өнүгүү", "Ынтымак", "ЖАРДАМ", "Ак-Жол", "Цель", "ёлка", "Бакыт", "Ден", "Ұлы", "Арча"]


def _many_services(count: int = 130):
    """Names in three languages, some missing in a language (the list then shows the next
    one, ru before ky before en), mixed case and scripts."""
    names = []
    for n in range(count):
        word = WORDS[n % len(WORDS)]
        ky = f"{word} {n:03d}" if n % 7 else ""
        ru = f"Служба {word.upper()} {n:03d}" if n % 5 else ""
        en = f"Desk {chr(ord('A') + n % 26)}{n:03d}" if n % 3 else ""
        names.append((ky, ru, en or (f"desk {n:03d}" if not (ky or ru) else "")))
    return _services_named(names)


@pytest.mark.parametrize(
    ("lang", "key"),
    # Kyrgyz's alphabet is Russian's with four letters more, in the same order; a name the
    # reader's language lacks is shown in another, and sorts among the others as it reads.
    [("ky", _alphabetical(KYRGYZ)), ("ru", _alphabetical(KYRGYZ)), ("en", _alphabetical(KYRGYZ))],
)
def test_pages_show_each_service_once_in_name_order_in_each_language(login_as, lang, key):
    services = _many_services()
    admin = login_as("admin")
    rows = _walk(admin, "/directory/", lang)
    ids = [service_id for service_id, _name in rows]
    assert len(ids) == len(set(ids)) == len(services)
    assert set(ids) == {str(s.id) for s in services}
    shown = [name for _id, name in rows]
    fallback = {"ky": ("ky", "ru", "en"), "ru": ("ru", "ky", "en"), "en": ("en", "ru", "ky")}
    by_id = {str(s.id): s for s in services}
    for service_id, name in rows:
        expected = next(
            getattr(by_id[service_id], f"name_{c}")
            for c in fallback[lang]
            if getattr(by_id[service_id], f"name_{c}")
        )
        assert name == expected
    assert shown == sorted(shown, key=key)


@pytest.mark.parametrize(
    ("lang", "search", "expected"),
    [
        ("ky", "ынтымак", lambda s: "Ынтымак" in s.name_ky or "ЫНТЫМАК" in s.name_ru),
        ("ru", "служба жардам", lambda s: "ЖАРДАМ" in s.name_ru),
        ("en", "DESK C", lambda s: "Desk C" in s.name_en),
        ("ru", "ЁЛКА", lambda s: "ёлка" in s.name_ky or "ЁЛКА" in s.name_ru),
        # Over two pages of hits.
        ("ru", "сЛУЖБА", lambda s: bool(s.name_ru)),
        ("en", "desk", lambda s: bool(s.name_en)),
    ],
)
def test_a_search_in_any_language_finds_the_same_services_on_every_page(
    login_as, lang, search, expected
):
    services = _many_services()
    admin = login_as("admin")
    wanted = {str(s.id) for s in services if expected(s)}
    assert wanted
    for reader in ("ky", "ru", "en"):
        rows = _walk(admin, f"/directory/?q={search}", reader)
        assert {service_id for service_id, _ in rows} == wanted, (lang, reader)
        assert len(rows) == len(wanted)


def test_a_search_matches_the_organisation_and_not_across_two_names(login_as):
    police = factories.OrganisationFactory(name_ru="Милиция Октябрьского района", name_en="")
    desk = factories.ServiceFactory(organisation=police, name_ru="Дежурная часть", name_en="")
    factories.ServiceFactory(name_ru="Приёмная", name_en="", name_ky="Кабыл алуу")
    admin = login_as("admin")
    found = [sid for sid, _ in _walk(admin, "/directory/?q=октябрьского", "ru")]
    assert found == [str(desk.id)]
    # "ая\nкабыл" would join two names of one service; a name never holds a line break.
    assert _walk(admin, "/directory/?q=%D0%B0%D1%8F%0A%D0%BA%D0%B0%D0%B1%D1%8B%D0%BB", "ru") == []
    # LIKE's wildcards are searched for as they are.
    assert _walk(admin, "/directory/?q=%25", "ru") == []
    assert _walk(admin, "/directory/?q=_", "ru") == []


def test_renaming_an_organisation_moves_its_services_in_the_list(login_as, kg):
    first = factories.OrganisationFactory(name_en="Alpha Centre")
    factories.ServiceFactory(organisation=first, name_en="Counselling")
    factories.ServiceFactory(organisation=factories.OrganisationFactory(name_en="Beta Centre"))
    admin = login_as("admin")
    before = admin.get("/directory/?lang=en").get_data(as_text=True)
    assert before.index("Alpha Centre") < before.index("Beta Centre")
    response = admin.post(
        f"/directory/organisations/{first.id}/edit?lang=en",
        {"name_en": "Zeta Centre", "org_type": "crisis_centre", "location_id": str(kg(BISHKEK).id)},
    )
    assert response.status_code == 302
    after = admin.get("/directory/?lang=en").get_data(as_text=True)
    assert after.index("Beta Centre") < after.index("Zeta Centre")
    assert "Counselling" in admin.get("/directory/?lang=en&q=zeta").get_data(as_text=True)
    assert "Counselling" not in admin.get("/directory/?lang=en&q=alpha").get_data(as_text=True)


def test_the_organisation_list_pages_in_name_order_with_each_once(login_as):
    for n in range(60):
        factories.OrganisationFactory(name_ru=f"Центр {59 - n:02d}", name_en="", name_ky="")
    admin = login_as("admin")
    rows = _walk(admin, "/directory/organisations?q=центр", "ru", ORGANISATION_LINK)
    assert [name for _id, name in rows] == [f"Центр {n:02d}" for n in range(60)]
    assert len({org_id for org_id, _ in rows}) == 60


@pytest.mark.parametrize(
    "query",
    ["page=99", "page=0", "page=-3", "page=²", "page=99999999999999999999", "endpoint=x"],
)
def test_a_page_out_of_range_or_an_odd_parameter_shows_a_page(login_as, query):
    for n in range(55):
        factories.ServiceFactory(name_en=f"Desk {n:02d}")
    admin = login_as("admin")
    for path in ("/directory/", "/directory/organisations"):
        response = admin.get(f"{path}?lang=en&{query}")
        assert response.status_code == 200
        assert PAGE_OF["en"].search(response.get_data(as_text=True))


def test_the_navigator_speaks_the_readers_language(login_as):
    for n in range(170):
        factories.ServiceFactory(name_en=f"Desk {n:03d}")
    admin = login_as("admin")
    third = admin.get("/directory/?lang=ky&page=3").get_data(as_text=True)
    assert PAGE_OF["ky"].search(third).groups() == ("4", "3")
    for word in ("Биринчи барак", "Мурунку", "Кийинки"):
        assert word in third
    first = admin.get("/directory/?lang=ru").get_data(as_text=True)
    assert "Последняя страница" in first
    assert "page=4" in first


def test_the_home_counts_are_what_the_lists_show(login_as):
    stale_days = (None, date.today() - timedelta(days=400), date.today())
    for n in range(60):
        factories.ServiceFactory(verified_at=stale_days[n % 3], name_en=f"Desk {n:02d}")
    factories.ServiceFactory(verified_at=None, status="inactive")
    admin = login_as("admin")
    home = admin.get("/?lang=en").get_data(as_text=True)
    shown = re.search(r"Services not verified for 12 months</a></dt>\s*<dd>(\d+)</dd>", home)
    listed = _walk(admin, "/directory/?stale=1", "en")
    assert int(shown.group(1)) == len(listed) == 40

    provider = login_as("provider")
    own = provider.user.organisation
    for verified in (None, date.today(), date.today() - timedelta(days=400)):
        factories.ServiceFactory(organisation=own, verified_at=verified)
    factories.ServiceFactory(organisation=own, verified_at=None, status="inactive")
    home = provider.get("/?lang=en").get_data(as_text=True)
    listed = re.search(r"Services listed</a></dt>\s*<dd>(\d+)</dd>", home)
    to_confirm = re.search(r"To confirm \(not verified for 12 months\)</a></dt>\s*<dd>(\d+)", home)
    entry = provider.get(f"/directory/organisations/{own.id}?lang=en").get_data(as_text=True)
    assert entry.count('id="s-') == int(listed.group(1)) == 4
    assert entry.count("to verify") == int(to_confirm.group(1)) == 3


def _statements_of(fn) -> int:
    """Statements the page sends (not the test harness's savepoints)."""
    count = 0

    def counted(_conn, _cursor, statement, *_args):
        nonlocal count
        count += not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", counted)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


def _with_areas(count: int, kg) -> None:
    bishkek = kg(BISHKEK)
    for n in range(count):
        svc = factories.ServiceFactory(is_nationwide=n % 2 == 0)
        if n % 2:
            factories.ServiceAreaFactory(service_id=svc.id, location=bishkek)


@pytest.mark.parametrize("path", ["/directory/", "/directory/organisations", "/"])
def test_a_list_page_costs_the_same_statements_for_200_services_as_for_20(login_as, kg, path):
    admin = login_as("admin")
    _with_areas(20, kg)
    db.session.expire_all()
    admin.get(f"{path}?lang=ru")  # the first request of a browser sets up its session
    few = _statements_of(lambda: admin.get(f"{path}?lang=ru"))
    _with_areas(180, kg)
    db.session.expire_all()
    page = None

    def load():
        nonlocal page
        page = admin.get(f"{path}?lang=ru").get_data(as_text=True)

    many = _statements_of(load)
    if path == "/directory/":
        assert len(SERVICE_LINK.findall(page)) == directory.PAGE_SIZE
        assert PAGE_OF["ru"].search(page).groups() == ("1", "4")
    assert many == few, (few, many)


def _walk_back(browser, page: str, link=SERVICE_LINK) -> list[list[tuple[str, str]]]:
    """The rows of each page from `page` back to the first, following "Previous"."""
    pages = [link.findall(page)]
    while following := re.search(r'<a rel="prev" href="([^"]+)"', page):
        page = browser.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
        pages.append(link.findall(page))
        assert len(pages) < 50, "the navigator never ends"
    return pages


def test_beyond_the_counted_rows_the_pages_go_on_by_next_and_back_by_previous(
    login_as, monkeypatch
):
    # The count stops at COUNT_LIMIT; a smaller limit stands for a country's directory.
    monkeypatch.setattr(lists, "COUNT_LIMIT", 60)
    for n in range(130):
        factories.ServiceFactory(name_en=f"Desk {n:03d}")
    admin = login_as("admin")
    first = admin.get("/directory/?lang=en").get_data(as_text=True)
    assert "More than 60 services" in first
    assert "Page 1" in first
    assert not PAGE_OF["en"].search(first)  # no "of N": the rows were not all counted
    assert "Last page" not in first

    rows = _walk(admin, "/directory/", "en")
    assert [name for _id, name in rows] == [f"Desk {n:03d}" for n in range(130)]

    url = "/directory/?lang=en"
    while True:  # to the last page by "Next"
        page = admin.get(url).get_data(as_text=True)
        following = re.search(r'<a rel="next" href="([^"]+)"', page)
        if not following:
            break
        url = following.group(1).replace("&amp;", "&")
    assert "Page 3" in page
    assert "First page" in page
    back = _walk_back(admin, page)
    assert [len(rows) for rows in back] == [30, 50, 50]
    assert [name for rows in reversed(back) for _id, name in rows] == [
        f"Desk {n:03d}" for n in range(130)
    ]


def test_a_deep_page_costs_the_statements_of_page_two(login_as, monkeypatch):
    monkeypatch.setattr(lists, "COUNT_LIMIT", 60)
    for n in range(260):
        factories.ServiceFactory(name_en=f"Desk {n:03d}")
    admin = login_as("admin")
    second = re.search(r'rel="next" href="([^"]+)"', admin.get("/directory/?lang=en").text)
    second = second.group(1).replace("&amp;", "&")
    page = admin.get(second).get_data(as_text=True)
    costs = [_statements_of(lambda: admin.get(second))]
    for _ in range(3):
        url = re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
        page = admin.get(url).get_data(as_text=True)
        costs.append(_statements_of(lambda url=url: admin.get(url)))
    assert "Page 5" in page
    assert SERVICE_LINK.findall(page)[0][1] == "Desk 200"
    assert len(set(costs)) == 1, costs


@pytest.mark.parametrize(
    "cursor",
    [
        "after=0123456789abcdef0123456789abcdef",  # a row that does not exist
        "before=0123456789abcdef0123456789abcdef",
        "after=not-a-cursor",
        "after=" + "z" * 32,
        "before=%01%02",
        "after=" + "a" * 5000,
        "after=%D0%BE" * 16,
        "after=1&before=2&page=7",
    ],
)
def test_a_tampered_cursor_is_the_first_page(login_as, cursor):
    for n in range(70):
        factories.OrganisationFactory(name_en=f"Centre {n:02d}", name_ru="", name_ky="")
        factories.ServiceFactory(name_en=f"Desk {n:02d}")
    admin = login_as("admin")
    for path, link, first_name in (
        ("/directory/", SERVICE_LINK, "Desk 00"),
        ("/directory/organisations", ORGANISATION_LINK, "Centre 00"),
    ):
        response = admin.get(f"{path}?lang=en&{cursor}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert link.findall(page)[0][1] == first_name
        assert PAGE_OF["en"].search(page).group(1) == "1"
        assert 'rel="prev"' not in page


def test_the_home_says_more_than_the_count_limit_of_services_to_verify(login_as, monkeypatch):
    monkeypatch.setattr(lists, "COUNT_LIMIT", 5)
    for n in range(6):
        factories.ServiceFactory(verified_at=None, name_en=f"Desk {n}")
    admin = login_as("admin")
    home = admin.get("/?lang=ru").get_data(as_text=True)
    shown = re.search(r"</a></dt>\s*<dd>(более 5)</dd>", home)
    assert shown, "the home page should say there are more than 5 to verify"
    monkeypatch.setattr(lists, "COUNT_LIMIT", 6)
    home = admin.get("/?lang=ru").get_data(as_text=True)
    assert re.search(r"</a></dt>\s*<dd>6</dd>", home)
