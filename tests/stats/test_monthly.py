"""The GBVIMS-style monthly report: its figures on a small country, its scope, and the
XLSX file with the same cells."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import AgeBand, GBVType, PerpetratorRelationship, ReportingDelay, Sex
from referral.cases.models.consent import ConsentDecision
from referral.cases.timeutil import local_now
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals.models import DeclineReason, ReferralStatus
from referral.stats.monthly import build_monthly
from referral.stats.policy import Scope, ScopeKind, scope_for
from tests import factories

YEAR = local_now().year - 1  # a whole past year: January to June exist whatever today is
JUNE, MAY = date(YEAR, 6, 10), date(YEAR, 5, 10)
QUERY = f"year={YEAR}&month=6"


def _cells(table, label):
    return [c.text if hasattr(c, "text") else c for c in table_row(table, label).cells]


def table_row(table, label):
    return next(r for r in [*table.rows, table.total] if r is not None and r.label == label)


def _seed(country):
    """In rayon A: June: 7 physical assaults (women 26-40, by a partner, reported
    within 3 days), 3 rapes (girls 12-17), 1 forced marriage of an erased case and 2
    incidents without reporting consent; May: 12 physical assaults. Rayon B: 6 in June.
    June referrals: 6 to the police (3 declined, 3 completed), 1 to a shelter."""
    s = country.seeder
    police = country.police
    shelter = factories.OrganisationFactory(org_type=OrganisationType.SHELTER)
    sent = datetime(YEAR, 6, 12, 6, tzinfo=UTC)
    for i in range(7):
        case = s.case(residence=country.rayon_a)
        s.incident(
            case,
            on=JUNE,
            place=country.village_a,
            relationship=PerpetratorRelationship.INTIMATE_PARTNER,
        )
        if i < 6:
            done = i < 3
            s.referral(
                case,
                police,
                sent=sent,
                status=ReferralStatus.COMPLETED if done else ReferralStatus.DECLINED,
                decline_reason=None if done else DeclineReason.SURVIVOR_DECLINED,
                answer_hours=5,
            )
    for _ in range(3):
        girl = s.case(age_band=AgeBand.A12_17, residence=country.rayon_a)
        s.incident(girl, on=JUNE, gbv_type=GBVType.RAPE, delay=ReportingDelay.D6_14)
    erased = s.case(residence=country.rayon_a, erased=True)
    s.incident(erased, on=JUNE, gbv_type=GBVType.FORCED_MARRIAGE)
    for decision in (ConsentDecision.REFUSED, None):
        s.incident(s.case(consent=decision, residence=country.rayon_a), on=JUNE)
    shelter_case = s.case(sex=Sex.MALE, residence=country.rayon_a)
    s.referral(
        shelter_case,
        shelter,
        sent=sent,
        service_type=ServiceType.SHELTER_SAFE_ACCOMMODATION,
    )
    for _ in range(12):
        s.incident(s.case(residence=country.rayon_a), on=MAY)
    for _ in range(6):
        s.incident(s.case(residence=country.rayon_b), on=JUNE, place=country.village_b)


def test_the_monthly_figures_are_counted_and_suppressed_cell_by_cell(country, app):
    _seed(country)
    with app.test_request_context("/"):
        report = build_monthly(scope_for(country.member_a), date(YEAR, 6, 1))
        assert not report.too_few
        assert (report.month_total.text, report.year_total.text) == ("10", "20")  # 10; 22
        trend = report.table("trend_by_type")
        assert trend.headers[4:] == ["May", "Jun", "Year to date"]
        assert _cells(trend, "Physical assault")[4:] == ["10", "5", "20"]  # 12, 7, 19
        assert _cells(trend, "Rape")[4:] == ["0", "<5", "<5"]
        assert _cells(trend, "Forced marriage (including early marriage)")[5:] == [
            "0",
            "0",
        ]  # the erased case's
        assert _cells(trend, "Total")[:4] == ["0", "0", "0", "0"]
        ages = report.table("age_by_sex")
        assert ages.headers == ["Female", "Male", "Not known", "Total"]
        assert _cells(ages, "26–40") == ["5", "0", "0", "5"]  # 7
        assert _cells(ages, "12–17") == ["<5", "0", "0", "<5"]
        assert _cells(ages, "Total") == ["10", "0", "0", "10"]
        relationship = report.table("relationship")
        assert _cells(relationship, "Intimate partner or former partner") == ["5", "5"]
        assert _cells(relationship, "Not recorded") == ["<5", "15"]  # 3; 15 (May's 12)
        delay = report.table("reporting_delay")
        assert _cells(delay, "0–3 days") == ["5", "20"]  # 7; 19
        assert _cells(delay, "6–14 days") == ["<5", "<5"]
        services = report.table("services")
        assert [r.label for r in services.rows] == [
            "Police district inspector",
            "Shelter / safe accommodation",
        ]
        # Waiting, accepted in progress, completed, declined, withdrawn, total.
        assert _cells(services, "Police district inspector") == ["0", "0", "<5", "<5", "0", "5"]
        assert _cells(services, "Shelter / safe accommodation") == ["<5", "0", "0", "0", "0", "<5"]
        providers = report.table("provider_types")
        assert [r.label for r in providers.rows] == ["Police", "Shelter"]
        published = [
            c.value
            for t in report.tables
            for r in [*t.rows, t.total]
            if r is not None
            for c in r.cells
            if hasattr(c, "value")
        ]
        assert published
        assert all(v is None or v % 5 == 0 for v in published)


def test_a_year_with_too_few_incidents_shows_a_message(country, app):
    s = country.seeder
    for _ in range(4):
        s.incident(s.case(), on=JUNE, place=country.village_a)
    with app.test_request_context("/"):
        report = build_monthly(Scope(ScopeKind.NATIONAL), date(YEAR, 6, 1))
    assert report.too_few
    assert report.tables == []


def test_the_report_page_and_its_scope(country, login_as):
    _seed(country)
    member = login_as(country.member_a)
    assert 'href="/stats/monthly"' in member.get("/stats/").get_data(as_text=True)
    page = member.get(f"/stats/monthly?{QUERY}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Monthly GBV report: June {YEAR}" in html
    assert "New incidents this month: <strong>10</strong>" in html
    assert "@media print" not in html  # print rules are in the stylesheet, not inline
    assert member.get(f"/stats/monthly?{QUERY}&area={country.rayon_b.id}").status_code == 404
    assert member.get(f"/stats/monthly.xlsx?{QUERY}&area={country.rayon_b.id}").status_code == 404
    assert member.get(f"/stats/monthly?{QUERY}&area={country.rayon_a.id}").status_code == 200
    future = local_now().year + 1
    bad = member.get(f"/stats/monthly?year={future}&month=1")
    assert bad.status_code == 422
    admin = factories.UserFactory(role=Role.ADMIN)
    national = login_as(admin).get(f"/stats/monthly?{QUERY}").get_data(as_text=True)
    assert "New incidents this month: <strong>15</strong>" in national  # 10 + B's 6 = 16
    auditor = factories.UserFactory(role=Role.AUDITOR)
    assert login_as(auditor).get(f"/stats/monthly?{QUERY}").status_code == 403
    worker = login_as(country.seeder.worker)
    assert worker.get(f"/stats/monthly?{QUERY}").status_code == 403
    assert 'href="/stats/monthly"' not in worker.get("/stats/").get_data(as_text=True)


def test_the_xlsx_has_the_pages_cells_and_is_audited(country, login_as, app):
    _seed(country)
    country.member_a.locale = "ru"
    response = login_as(country.member_a).get(f"/stats/monthly.xlsx?{QUERY}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'gbv-monthly-report-{YEAR}-06.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("Ежемесячный отчёт")
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        from flask_babel import force_locale

        with force_locale("ru"):
            report = build_monthly(scope_for(country.member_a), date(YEAR, 6, 1))
            for table in report.tables:
                start = rows.index([table.title])
                assert rows[start + 1] == [table.row_header, *table.headers]
                for offset, row in enumerate([*table.rows, table.total], start=2):
                    if row is None:
                        continue
                    expected = [
                        row.label,
                        *(c.value if c.value is not None else c.text for c in row.cells),
                    ]
                    assert rows[start + offset] == expected
    assert all(v not in (1, 2, 3, 4) for row in rows for v in row[1:])
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "stats_export")
    ).scalar_one()
    assert event.actor_user_id == country.member_a.id
    assert (event.detail["report"], event.detail["year"], event.detail["month"]) == (
        "monthly",
        str(YEAR),
        "6",
    )
