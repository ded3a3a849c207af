"""The statistics facts equal the live figures: over a varied country, for every scope
and filter, every figure read from the facts tables (`stats.queries`) is the figure the
live rule computes from the case tables (`stats.live`); and the services keep them
equal as cases change (a reporting consent recorded, then withdrawn; a referral
answered; a case erased), without any rebuild."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import delete, select

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.cases.models import (
    AgeBand,
    ConsentDecision,
    ConsentGiver,
    ConsentKind,
    ConsentMethod,
    ErasureReason,
    GBVType,
    PerpetratorRelationship,
    ReportingDelay,
    Sex,
)
from referral.cases.service import consent, incidents
from referral.cases.timeutil import local_now
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals.models import DeclineReason, ReferralStatus
from referral.referrals.service import lifecycle
from referral.stats import facts, live, queries
from referral.stats.models import StatsIncident
from referral.stats.policy import Scope, ScopeKind, scope_for
from referral.stats.queries import Filters
from tests import factories
from tests.helpers import release
from tests.referrals.test_lifecycle import provider, send

NOW = datetime.now(UTC)
DIMENSIONS = queries.INCIDENT_DIMENSIONS


def _year() -> Filters:
    today = local_now().date()
    end = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return Filters(start=date(end.year - 1, end.month, 1), end=end)


def _figures(module, scope: Scope, f: Filters) -> dict:
    result = {
        "total": module.incident_total(scope, f),
        "flags": module.incident_flags(scope, f),
        "month x type": module.incidents_by_pair(scope, f, "month", "gbv_type"),
        "age x sex": module.incidents_by_pair(scope, f, "age_band", "sex"),
        "referrals": module.referrals_by_type_status(scope, f),
        "provider types": module.referrals_by_org_type_status(scope, f),
        "declines": module.declines_by_reason(scope, f),
        "orders": module.protection_orders(scope, f),
        "opened": module.cases_opened(scope, f),
        "closed": module.cases_closed_by_reason(scope, f),
        "satisfaction": module.satisfaction(scope, f),
    }
    for dimension in DIMENSIONS:
        result[dimension] = module.incidents_by(scope, f, dimension)
    for dimension in ("service_type", "to_org_id"):
        result[f"timeliness {dimension}"] = module.timeliness_by(scope, f, dimension, NOW)
    # What the pages call: on PostgreSQL, one GROUPING SETS statement each.
    result["incident summary"] = module.incident_summary(scope, f, DIMENSIONS)
    result["case summary"] = module.case_summary(scope, f)
    summary = module.referral_summary(scope, f, NOW)
    for name in ("timeliness service_type", "timeliness to_org_id"):
        # percentile_cont interpolates (a + (b - a) / 2), the window median averages
        # ((a + b) / 2): equal up to the last bits of a float.
        summary[name] = {
            k: (v.with_deadline, v.overdue, v.responded, _rounded(v.median_hours))
            for k, v in summary[name].items()
        }
        result[f"summary {name}"] = summary.pop(name)
    result["referral summary"] = summary
    return result


def _rounded(value):
    return None if value is None else round(value, 6)


def _assert_equal_everywhere(country, scopes) -> int:
    """Compares every figure for every scope and a set of filters; returns how many
    (scope, filter) pairs had incidents, so that a test can insist on data."""
    year = _year()
    this_month = Filters(start=date.today().replace(day=1), end=year.end)
    variants = [
        year,
        this_month,
        Filters(year.start, year.end, gbv_type=GBVType.RAPE),
        Filters(year.start, year.end, sex=Sex.FEMALE),
        Filters(year.start, year.end, age_band=AgeBand.A12_17),
        Filters(
            year.start, year.end, area_ids=frozenset({country.rayon_a.id, country.village_a.id})
        ),
        Filters(year.start, year.end, area_ids=frozenset({country.village_b.id})),
    ]
    with_data = 0
    for scope in scopes:
        for f in variants:
            expected, got = _figures(live, scope, f), _figures(queries, scope, f)
            for name in expected:
                assert got[name] == expected[name], (scope.kind, f, name)
            with_data += expected["total"] > 0
    return with_data


def _varied(country):
    """Cases of every kind the rule tells apart, through the seeder."""
    s = country.seeder
    other = factories.OrganisationFactory(org_type=OrganisationType.HEALTH)
    today = date.today()
    days = [today - timedelta(days=d) for d in (0, 3, 40, 95, 200, 400)]
    for i in range(36):
        consent_state = [
            ConsentDecision.GIVEN,
            ConsentDecision.GIVEN,
            None,
            ConsentDecision.REFUSED,
        ][i % 4]
        case = s.case(
            consent=consent_state,
            sex=[Sex.FEMALE, Sex.MALE, None][i % 3],
            age_band=[AgeBand.A12_17, AgeBand.A26_40, None, AgeBand.A41_60][i % 4],
            residence=[country.rayon_a, country.rayon_b, None][i % 3],
            erased=i % 11 == 5,
        )
        if i % 9 == 1:
            s.consent(case, ConsentDecision.WITHDRAWN)  # given first, then withdrawn
        s.incident(
            case,
            on=days[i % len(days)],
            gbv_type=list(GBVType)[i % 6],
            place=[country.village_a, None, country.village_b, country.rayon_a][i % 4],
            ala_kachuu=i % 5 == 0,
            early_marriage=i % 7 == 0,
            delay=list(ReportingDelay)[i % 5],
            relationship=[None, PerpetratorRelationship.INTIMATE_PARTNER][i % 2],
        )
        if i % 3 == 0:
            s.incident(case, on=days[(i + 1) % len(days)], place=country.village_b)
        if i % 2 == 0:
            s.referral(
                case,
                [country.police, other][i % 4 == 0],
                sent=NOW - timedelta(days=i * 7),
                status=[ReferralStatus.SENT, ReferralStatus.DECLINED, ReferralStatus.COMPLETED][
                    i % 3
                ],
                decline_reason=DeclineReason.SURVIVOR_DECLINED if i % 3 == 1 else None,
                answer_hours=None if i % 3 == 0 else i * 1.5,
                service_type=[
                    ServiceType.POLICE_DISTRICT_INSPECTOR,
                    ServiceType.HEALTH_PRIMARY_CARE,
                ][i % 4 == 0],
            )


def _scopes(country, extra=()):
    return [
        Scope(ScopeKind.NATIONAL),
        scope_for(country.member_a),
        scope_for(country.member_b),
        Scope(ScopeKind.ORGANISATION, organisation_id=country.seeder.centre.id),
        Scope(ScopeKind.PROVIDER, organisation_id=country.police.id),
        *extra,
    ]


def _reporting(worker, case, decision=ConsentDecision.GIVEN):
    consent.record_consent(
        worker,
        case,
        consent.ConsentInput(
            kind=ConsentKind.REPORTING,
            decision=decision,
            given_by=ConsentGiver.SURVIVOR,
            method=ConsentMethod.VERBAL,
            mandatory_reporting_explained=True,
        ),
        consent.history_version(case),
    )


def _counted_incidents(case) -> int:
    return db.session.query(StatsIncident).filter(StatsIncident.case_id == case.id).count()


def test_the_facts_equal_the_live_figures_and_the_services_keep_them_so(country, app):
    _varied(country)
    # Cases opened, consented, referred and answered through the services themselves.
    centre = country.seeder.centre
    worker = country.seeder.worker
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=centre)
    police = provider()
    served = []
    with app.test_request_context("/"):
        for i in range(3):
            case = cases.open_case(
                worker,
                cases.CaseInput(
                    full_name=f"Service case {i}", residence_location_id=country.rayon_a.id
                ),
            )
            incidents.add_incident(
                worker,
                case,
                incidents.IncidentInput(
                    incident_date=date.today(),
                    report_date=date.today(),
                    q_penetration=True,
                    location_id=country.rayon_b.id,
                ),
            )
            assert _counted_incidents(case) == 0  # no reporting consent yet
            _reporting(worker, case)
            assert _counted_incidents(case) == 1
            release(worker, case, (police.service_type,), (police.org.id,))
            referral = send(worker, case, police)
            if i:
                lifecycle.provider_step(
                    police.user,
                    referral,
                    ReferralStatus.DECLINED,
                    referral.lock_version,
                    decline_reason=DeclineReason.SERVICE_UNAVAILABLE,
                )
            served.append(case)
        scopes = _scopes(country, [Scope(ScopeKind.PROVIDER, organisation_id=police.org.id)])
        assert _assert_equal_everywhere(country, scopes) >= 20
        national = queries.incident_total(Scope(ScopeKind.NATIONAL), _year())
        declined = queries.declines_by_reason(Scope(ScopeKind.NATIONAL), _year())
        assert declined.get(DeclineReason.SERVICE_UNAVAILABLE) == 2

        # A withdrawal takes the incident out of every figure in the same transaction.
        consent.withdraw_consent(
            worker, served[0], ConsentKind.REPORTING, consent.WithdrawInput(confirmed=True)
        )
        assert _counted_incidents(served[0]) == 0
        assert queries.incident_total(Scope(ScopeKind.NATIONAL), _year()) == national - 1
        # So does an erasure.
        cases.erase_case(supervisor, served[1], ErasureReason.SURVIVOR_REQUEST)
        assert _counted_incidents(served[1]) == 0
        assert queries.incident_total(Scope(ScopeKind.NATIONAL), _year()) == national - 2
        assert _assert_equal_everywhere(country, scopes) >= 20

        # A rebuild from scratch writes the same rows the services maintained, and so
        # does the migration's backfill (plain SQL, for the rows that predate it).
        before = _fact_rows()
        facts.rebuild()
        assert _fact_rows() == before
        for model in facts.FACT_TABLES:
            db.session.execute(delete(model))
        _run_backfill()
        assert _fact_rows() == before


def _fact_rows() -> dict:
    return {
        model.__tablename__: sorted(
            tuple(str(v) for v in row) for row in db.session.execute(select(model.__table__))
        )
        for model in facts.FACT_TABLES
    }


def _run_backfill() -> None:
    path = Path(__file__).resolve().parents[2] / "migrations/versions"
    spec = importlib.util.spec_from_file_location("m0018", next(path.glob("*_0018_*.py")))
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    context = MigrationContext.configure(db.session.connection())
    with Operations.context(context):
        migration._backfill()


def test_flask_stats_rebuild_restores_rows_written_around_the_services(country, app):
    s = country.seeder
    case = s.case(residence=country.rayon_a)
    s.incident(case, on=date.today(), place=country.village_a)
    for model in facts.FACT_TABLES:
        db.session.execute(delete(model))
    assert _counted_incidents(case) == 0
    result = app.test_cli_runner().invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "stats_incidents 1" in result.output
    assert _counted_incidents(case) == 1
