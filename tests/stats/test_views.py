"""The statistics pages and files as their users meet them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from openpyxl import load_workbook
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import GBVType
from referral.cases.models.consent import ConsentDecision
from referral.crypto import envelope
from referral.extensions import db
from referral.stats.exports import neutralise
from tests import factories
from tests.announced import announced_error
from tests.stats.conftest import this_month


def _seed(country, n=12, place=None, gbv_type=GBVType.PHYSICAL_ASSAULT):
    s = country.seeder
    for _ in range(n):
        s.incident(s.case(), on=this_month(), place=place or country.village_a, gbv_type=gbv_type)


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_a_committee_member_sees_their_area_in_their_language(country, login_as):
    _seed(country, 12)
    country.member_a.locale = "ru"
    page = login_as(country.member_a).get("/stats/")
    assert page.status_code == 200
    html = _html(page)
    assert "Анонимная статистика" in html
    assert "Аламудунский район" in html
    assert "Сокулукский район" not in html
    assert "<svg" in html
    assert "<desc" in html  # every chart has its text alternative
    assert "Учтено инцидентов: <strong>10</strong>" in html  # 12, rounded
    month = format_date(this_month(), "LLLL y", locale="ru")
    assert f'<th scope="row">{month}</th><td class="num">10</td>' in html


def test_committee_a_never_sees_committee_b_area(country, login_as):
    _seed(country, 12, place=country.village_b)
    browser = login_as(country.member_a)
    html = _html(browser.get("/stats/"))
    assert "Fewer than 5 incidents" in html  # nothing of B's twelve
    assert browser.get(f"/stats/?area={country.rayon_b.id}").status_code == 404
    assert browser.get(f"/stats/export.xlsx?area={country.rayon_b.id}").status_code == 404
    assert browser.get(f"/stats/?area={country.rayon_a.id}").status_code == 200


def test_an_area_with_too_few_incidents_shows_a_message_instead_of_tables(country, login_as):
    _seed(country, 4)
    html = _html(login_as(country.member_a).get("/stats/"))
    assert "Fewer than 5 incidents in this area and period" in html
    assert "<table" not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=1999", "Выберите период из списка."),
        ("period=last12&quarter=2", "Квартал выбирается внутри года: сначала выберите год."),
        ("period=2025&month_from=9&month_to=3", "Первый месяц не может быть позже последнего."),
        ("area=not-an-id", "Выберите территорию из списка."),
        ("gbv_type=bogus", "Выберите один из вариантов."),
    ],
)
def test_bad_filters_get_a_clear_translated_message(country, login_as, query, message):
    country.member_a.locale = "ru"
    browser = login_as(country.member_a)
    for url in ("/stats/", "/stats/export.csv"):
        response = browser.get(f"{url}?{query}")
        assert response.status_code == 422
        assert message in _html(response)
    # On the page, the refused filter is marked invalid and tied to its message.
    name = re.split(r"[=&]", query)[-2]
    assert announced_error(_html(browser.get(f"/stats/?{query}")), name) == message


def test_filters_narrow_the_figures(country, login_as):
    _seed(country, 12, gbv_type=GBVType.RAPE)
    _seed(country, 6, gbv_type=GBVType.PHYSICAL_ASSAULT)
    browser = login_as(country.member_a)
    year = this_month().year
    rape = _html(browser.get(f"/stats/?period={year}&gbv_type=rape"))
    physical = _html(browser.get(f"/stats/?period={year}&gbv_type=physical_assault"))
    assert "Incidents counted: <strong>10</strong>" in rape
    assert "Incidents counted: <strong>5</strong>" in physical


def _export_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_names_scope_period_and_rule_and_holds_what_the_page_shows(country, login_as):
    _seed(country, 13)
    _seed(country, 3, gbv_type=GBVType.RAPE)
    browser = login_as(country.member_a)
    rows = _export_rows(browser.get("/stats/export.csv"))
    header = {r[0]: r[1] for r in rows[:6] if len(r) > 1}
    assert header["Scope"].startswith("Committee area: Alamedin")
    assert "rounded to a multiple of 5" in header["Suppression"]
    assert "<5" in header["Suppression"]
    by_type = rows[[r[:1] for r in rows].index(["Incidents by type of GBV"]) + 2 :][:7]
    assert ["Rape", "<5"] in by_type
    assert ["Physical assault", "15"] in by_type
    assert all(cell not in {"1", "2", "3", "4"} for row in rows for cell in row[1:])


def test_every_export_is_audited_with_identifiers_only(country, login_as):
    _seed(country, 12)
    browser = login_as(country.member_a)
    year = this_month().year
    assert browser.get(f"/stats/export.xlsx?period={year}&sex=female").status_code == 200
    assert browser.get("/stats/export.csv").status_code == 200
    events = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == "stats_export"))
        .scalars()
        .all()
    )
    assert [e.detail["format"] for e in events] == ["xlsx", "csv"]
    first = events[0]
    assert first.actor_user_id == country.member_a.id
    assert first.detail["scope"] == "area"
    assert first.detail["committees"] == [str(country.committee_a.id)]
    assert (first.detail["period"], first.detail["sex"]) == (str(year), "female")


def test_cells_that_a_spreadsheet_would_run_are_neutralised(country, login_as):
    assert [neutralise(v) for v in ("=1+2", "+7", "-3", "@SUM(A1)", "\tx", "\rx", "ok", 5)] == [
        "'=1+2",
        "'+7",
        "'-3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
        5,
    ]
    country.rayon_a.name_en = '=HYPERLINK("http://evil.example","x")'
    hostile = factories.OrganisationFactory(name_en="@cmd|' /C calc'!A0")
    s = country.seeder
    for _ in range(6):
        s.referral(s.case(residence=country.village_a), hostile, sent=datetime.now(UTC))
    _seed(country, 12)
    browser = login_as(country.member_a)
    rows = _export_rows(browser.get("/stats/export.csv"))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'@cmd|' /C calc'!A0" in cells
    book = load_workbook(io.BytesIO(browser.get("/stats/export.xlsx").get_data()))
    values = [c.value for row in book.active.iter_rows() for c in row if c.value is not None]
    assert '\'=HYPERLINK("http://evil.example","x")' in values
    assert not any(isinstance(v, str) and v.startswith(("=", "@", "+")) for v in values)


def test_withdrawing_reporting_consent_removes_the_incident_from_the_page(country, login_as):
    s = country.seeder
    cases = [s.case() for _ in range(10)]
    for case in cases:
        s.incident(case, on=this_month(), place=country.village_a)
    browser = login_as(country.member_a)
    assert "Incidents counted: <strong>10</strong>" in _html(browser.get("/stats/"))
    for case in cases[:3]:
        s.consent(case, ConsentDecision.WITHDRAWN)
    assert "Incidents counted: <strong>5</strong>" in _html(browser.get("/stats/"))


def test_no_page_or_file_of_any_role_decrypts_anything(country, login_as):
    """Real cases, with ciphertext and data keys, behind every figure."""
    s = country.seeder
    for i in range(8):
        case = factories.CaseFactory(owner=s.worker)
        case.residence_location_id = country.village_a.id
        s.consent(case, ConsentDecision.GIVEN)
        s.incident(case, on=this_month(), place=country.village_a)
        s.referral(
            case, country.police, sent=datetime.now(UTC) - timedelta(hours=5), answer_hours=i
        )
    users = {
        "committee_member": country.member_a,
        "caseworker": s.worker,
        "supervisor": factories.UserFactory(role=Role.SUPERVISOR, organisation=s.centre),
        "provider": factories.UserFactory(role=Role.PROVIDER, organisation=country.police),
        "admin": factories.UserFactory(role=Role.ADMIN),
    }
    browsers = {role: login_as(user) for role, user in users.items()}
    year = this_month().year
    urls = [
        f"{base}?{query}"
        for base in ("/stats/", "/stats/export.csv", "/stats/export.xlsx")
        for query in ("", f"period={year}", f"period={year}&gbv_type=physical_assault&sex=female")
    ]
    before = dict(envelope.COUNTERS)
    statuses = {(role, url): b.get(url).status_code for role, b in browsers.items() for url in urls}
    month = this_month()
    for role in ("committee_member", "admin"):  # the monthly report's readers
        for url in ("/stats/monthly", "/stats/monthly.xlsx"):
            url = f"{url}?year={month.year}&month={month.month}"
            statuses[(role, url)] = browsers[role].get(url).status_code
    after = dict(envelope.COUNTERS)
    counted = {
        k: after.get(k, 0) - before.get(k, 0)
        for k in ("field_decrypt", "dek_unwrap", "grant_issued")
    }
    print(
        f"[security] statistics: {len(statuses)} pages and exports built, "
        f"{counted['grant_issued']} grants, {counted['dek_unwrap']} key unwraps, "
        f"{counted['field_decrypt']} decryptions"
    )
    assert set(statuses.values()) == {200}
    assert counted == {"field_decrypt": 0, "dek_unwrap": 0, "grant_issued": 0}


def test_the_auditor_has_no_statistics(login_as):
    browser = login_as("auditor")
    for url in ("/stats/", "/stats/export.csv", "/stats/export.xlsx"):
        assert browser.get(url).status_code == 403


def test_the_navigation_links_the_statistics_for_those_who_may_see_them(country, login_as):
    assert 'href="/stats/"' in _html(login_as(country.member_a).get("/"))
    assert 'href="/stats/"' not in _html(login_as("auditor").get("/"))


def test_a_table_whose_small_numbers_could_be_worked_out_is_withheld_on_page_and_file(
    country, login_as
):
    """Seven incidents (shown as 5, so at most 7): five of physical assault (shown 5, so
    at least 5), one rape and one psychological abuse. The two "<5" types add up to at
    most 7 - 5 = 2, so each is exactly 1: the type table is withheld, in every language,
    while the other tables stay."""
    _seed(country, 5)
    _seed(country, 1, gbv_type=GBVType.RAPE)
    _seed(country, 1, gbv_type=GBVType.PSYCHOLOGICAL)
    country.member_a.locale = "ky"
    browser = login_as(country.member_a)
    html = _html(browser.get("/stats/?lang=en"))
    assert "Incidents by type of GBV" in html
    assert "its small numbers could be worked out" in html
    assert '<th scope="row">Psychological' not in html
    assert "Incidents by age of the survivor" in html
    rows = _export_rows(browser.get("/stats/export.csv?lang=en"))
    at = [r[:1] for r in rows].index(["Incidents by type of GBV"])
    assert "its small numbers could be worked out" in rows[at + 2][0]
    assert not any(r and r[0] == "Rape" for r in rows)
    kyrgyz = _html(browser.get("/stats/?lang=ky"))
    assert "its small numbers could be worked out" not in kyrgyz
    assert "Бул тандоо үчүн көрсөтүлбөйт" in kyrgyz
