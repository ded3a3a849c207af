"""What is counted: consented, not erased, in scope; the grouped counts and the median
are exact (before any suppression), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from werkzeug.datastructures import MultiDict

from referral.cases.models import AgeBand, GBVType, PerpetratorRelationship, Sex
from referral.cases.models.consent import ConsentDecision
from referral.directory.models import ServiceType
from referral.referrals.models import ReferralStatus
from referral.stats import queries
from referral.stats.forms import StatsFilterForm
from referral.stats.policy import Scope, ScopeKind, scope_for
from tests import factories
from tests.stats.conftest import this_month
from tests.stats.seed import Seeder

NATIONAL = Scope(ScopeKind.NATIONAL)


def _filters(**kw):
    start = this_month(1)
    end = (start + timedelta(days=32)).replace(day=1)
    return queries.Filters(start=start, end=end, **kw)


def test_only_incidents_with_reporting_consent_in_force_are_counted(country):
    s = country.seeder
    given = s.case()
    s.incident(given, on=this_month())
    never = s.case(consent=None)
    s.incident(never, on=this_month())
    refused = s.case(consent=ConsentDecision.REFUSED)
    s.incident(refused, on=this_month())
    withdrawn = s.case()
    s.incident(withdrawn, on=this_month())
    assert queries.incident_total(NATIONAL, _filters()) == 2
    s.consent(withdrawn, ConsentDecision.WITHDRAWN)
    assert queries.incident_total(NATIONAL, _filters()) == 1
    s.consent(never, ConsentDecision.GIVEN)
    assert queries.incident_total(NATIONAL, _filters()) == 2


def test_an_erased_case_counts_nowhere(country):
    s = country.seeder
    kept = s.case()
    s.incident(kept, on=this_month())
    erased = s.case(erased=True)
    s.incident(erased, on=this_month())
    s.referral(erased, country.police, sent=datetime.now(UTC) - timedelta(hours=1))
    assert queries.incident_total(NATIONAL, _filters()) == 1
    assert queries.referrals_by_type_status(NATIONAL, _filters()) == {}
    assert queries.cases_opened(NATIONAL, _filters()) == 1


def test_a_committee_counts_its_own_area_only(country):
    s = country.seeder
    for place, n in ((country.village_a, 3), (country.village_b, 2)):
        for _ in range(n):
            s.incident(s.case(), on=this_month(), place=place)
    a, b = scope_for(country.member_a), scope_for(country.member_b)
    assert queries.incident_total(a, _filters()) == 3
    assert queries.incident_total(b, _filters()) == 2
    assert queries.incident_total(NATIONAL, _filters()) == 5


def test_an_incident_without_a_place_counts_where_the_survivor_lives(country):
    s = country.seeder
    s.incident(s.case(residence=country.village_b), on=this_month())
    assert queries.incident_total(scope_for(country.member_b), _filters()) == 1
    assert queries.incident_total(scope_for(country.member_a), _filters()) == 0


def test_a_provider_counts_the_referrals_addressed_to_it(country):
    s = country.seeder
    sent = datetime.now(UTC) - timedelta(hours=2)
    health = factories.OrganisationFactory()
    for to in (country.police, country.police, health):
        s.referral(s.case(), to, sent=sent)
    provider = factories.UserFactory(role="provider", organisation=country.police)
    scope = scope_for(provider)
    assert scope.kind == ScopeKind.PROVIDER
    counts = queries.referrals_by_type_status(scope, _filters())
    assert counts == {(ServiceType.POLICE_DISTRICT_INSPECTOR, ReferralStatus.SENT): 2}


def test_caseworkers_count_their_own_centre(country):
    s = country.seeder
    s.incident(s.case(), on=this_month())
    other = Seeder.make()
    other.incident(other.case(), on=this_month())
    assert queries.incident_total(scope_for(s.worker), _filters()) == 1
    assert queries.incident_total(scope_for(other.worker), _filters()) == 1


def test_breakdowns_are_grouped_in_the_database(country):
    s = country.seeder
    young = s.case(age_band=AgeBand.A12_17, sex=Sex.FEMALE)
    s.incident(
        young,
        on=this_month(),
        gbv_type=GBVType.FORCED_MARRIAGE,
        ala_kachuu=True,
        early_marriage=True,
        relationship=PerpetratorRelationship.INTIMATE_PARTNER,
    )
    adult = s.case(age_band=AgeBand.A26_40, sex=None)
    s.incident(adult, on=this_month(), gbv_type=GBVType.PHYSICAL_ASSAULT)
    s.incident(adult, on=this_month(), gbv_type=GBVType.PHYSICAL_ASSAULT)
    f = _filters()
    assert queries.incidents_by(NATIONAL, f, "gbv_type") == {
        GBVType.FORCED_MARRIAGE: 1,
        GBVType.PHYSICAL_ASSAULT: 2,
    }
    assert queries.incidents_by(NATIONAL, f, "sex") == {Sex.FEMALE: 1, None: 2}
    assert queries.incidents_by_relationship(NATIONAL, f) == {
        PerpetratorRelationship.INTIMATE_PARTNER: 1,
        None: 2,
    }
    assert queries.incident_flags(NATIONAL, f) == {
        "total": 3,
        "ala_kachuu": 1,
        "early_marriage": 1,
        "within_72h": 3,
    }
    assert queries.incidents_by_month(NATIONAL, f) == {this_month().strftime("%Y-%m"): 3}
    only_children = _filters(age_band=AgeBand.A12_17)
    assert queries.incident_total(NATIONAL, only_children) == 1


def test_the_median_and_the_overdue_share_per_service_type(country):
    s = country.seeder
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=200)
    # Answers after 1, 2, 10 and 100 hours (due at 72): median (2 + 10) / 2 = 6, one late;
    # one never answered and past its deadline: overdue too.
    for hours in (1, 2, 10, 100, None):
        s.referral(
            s.case(),
            country.police,
            sent=sent,
            status=ReferralStatus.ACCEPTED if hours else ReferralStatus.SENT,
            answer_hours=hours,
        )
    s.referral(
        s.case(),
        country.police,
        sent=sent,
        service_type=ServiceType.LEGAL_AID_NGO,
        status=ReferralStatus.ACCEPTED,
        answer_hours=7,
    )
    f = queries.Filters(start=(sent - timedelta(days=40)).date(), end=this_month(28) + timedelta(5))
    result = queries.timeliness_by(NATIONAL, f, "service_type", datetime.now(UTC))
    police = result[ServiceType.POLICE_DISTRICT_INSPECTOR]
    assert (police.with_deadline, police.overdue, police.responded) == (5, 2, 4)
    assert round(police.median_hours, 3) == 6.0
    legal = result[ServiceType.LEGAL_AID_NGO]
    assert (legal.responded, round(legal.median_hours, 3)) == (1, 7.0)


def test_filters_by_period_quarter_and_months(app):
    with app.test_request_context("/stats/"):
        quarter = StatsFilterForm(MultiDict({"period": "2025", "quarter": "2"}))
        assert quarter.validate()
        assert quarter.period_bounds() == (date(2025, 4, 1), date(2025, 7, 1))
        months = StatsFilterForm(
            MultiDict({"period": "2025", "month_from": "11", "month_to": "12"})
        )
        assert months.validate()
        assert months.period_bounds() == (date(2025, 11, 1), date(2026, 1, 1))
        both = StatsFilterForm(
            MultiDict({"period": "2025", "quarter": "1", "month_from": "2", "month_to": "3"})
        )
        assert not both.validate()
        assert both.quarter.errors == ["Choose a quarter or a range of months, not both."]
