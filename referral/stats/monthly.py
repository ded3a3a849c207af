"""The GBVIMS-style monthly report: the tables an inter-agency monthly report expects,
for one month of one scope (national, or a committee's area), with the months of the
year before it for the trend.

- new incidents by type of GBV, month by month from January to the chosen month;
- incidents of the month by survivor age band and sex;
- by the main perpetrator's relationship to the survivor, and by type of place (the
  context), where recorded;
- time between the incident and the report (GBVIMS bands);
- services referred to and their outcomes; referrals by type of provider.

Same population (reporting consent in force, case not erased: the facts tables), same
disclosure control as the dashboard: every cell and every total goes through
`suppression.publish` on its exact count, so every number on the report is 0 or a
multiple of t and no arithmetic on it yields a value from 1 to t-1. The whole report is
replaced by a message when the year to date holds fewer than t incidents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from referral.cases.models import AgeBand, GBVType, PerpetratorRelationship, ReportingDelay, Sex
from referral.cases.models.assessment import PlaceType
from referral.dates import format_date
from referral.directory.models import OrganisationType, ServiceType
from referral.stats import inference, queries
from referral.stats.policy import Scope
from referral.stats.queries import Filters
from referral.stats.service import OUTCOMES, Row, Table, month_label, withheld_note
from referral.stats.suppression import Cell, publish, threshold


@dataclass
class MonthlyReport:
    scope: Scope
    month: date  # the first day of the reported month
    area_ids: frozenset | None
    threshold: int
    month_total: Cell
    year_total: Cell
    too_few: bool
    tables: list[Table] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _("Monthly GBV report: %(month)s", month=month_label(self.month))

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def sheet_title() -> str:
    return _("Monthly report")


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _months_of_year(month: date) -> list[date]:
    return [date(month.year, m, 1) for m in range(1, month.month + 1)]


NOT_RECORDED = _l("Not recorded")


def _enum_rows(members, counts_by_column: list[dict], t: int, *, none_as=None) -> list[Row]:
    """One row per member; `none_as` a member that also takes the None counts, or None
    to give them a row of their own ("Not recorded") when there are any."""
    columns = []
    for counts in counts_by_column:
        counts = dict(counts)
        if none_as is not None:
            counts[none_as] = counts.get(none_as, 0) + counts.pop(None, 0)
        columns.append(counts)
    rows = [Row(m.label, [publish(c.get(m, 0), t) for c in columns]) for m in members]
    if none_as is None and any(c.get(None, 0) for c in columns):
        rows.append(Row(str(NOT_RECORDED), [publish(c.get(None, 0), t) for c in columns]))
    return rows


def _month_and_year(key, title, row_header, members, month_counts, year_counts, t, **kw):
    rows = _enum_rows(members, [month_counts, year_counts], t, **kw)
    total = Row(
        _("Total"),
        [publish(sum(month_counts.values()), t), publish(sum(year_counts.values()), t)],
    )
    relations = inference.grid([r.cells for r in rows], total.cells, row_totals=False)
    # The month is part of the year to date.
    relations += [inference.at_most(r.cells[0], r.cells[1]) for r in [*rows, total]]
    return Table(
        key,
        title,
        [_("This month"), _("Year to date")],
        rows,
        total,
        row_header=row_header,
        relations=relations,
    )


def _trend_by_type(pairs: dict, month: date, t: int) -> Table:
    """GBV type x month of the year, with the year to date; exact totals per column."""
    months = _months_of_year(month)
    keys = [m.strftime("%Y-%m") for m in months]
    rows = []
    for gbv_type in GBVType:
        counts = [pairs.get((k, gbv_type), 0) for k in keys]
        rows.append(Row(gbv_type.label, [publish(c, t) for c in [*counts, sum(counts)]]))
    column_totals = [sum(v for (k, _g), v in pairs.items() if k == key) for key in keys]
    total = Row(_("Total"), [publish(c, t) for c in [*column_totals, sum(column_totals)]])
    return Table(
        relations=inference.grid([r.cells for r in rows], total.cells, row_totals=True),
        key="trend_by_type",
        title=_("New incidents by type of GBV, month by month"),
        headers=[format_date(m, "LLL") for m in months] + [_("Year to date")],
        rows=rows,
        total=total,
        row_header=_("Type of GBV"),
    )


def _age_by_sex(pairs: dict, t: int) -> Table:
    sexes = list(Sex)

    def sex_of(value):
        return Sex.UNKNOWN if value is None else value

    def age_of(value):
        return AgeBand.UNKNOWN if value is None else value

    exact: dict = {}
    for (age, sex), count in pairs.items():
        key = (age_of(age), sex_of(sex))
        exact[key] = exact.get(key, 0) + count
    rows = []
    for age in AgeBand:
        counts = [exact.get((age, sex), 0) for sex in sexes]
        rows.append(Row(age.label, [publish(c, t) for c in [*counts, sum(counts)]]))
    column_totals = [sum(exact.get((a, s), 0) for a in AgeBand) for s in sexes]
    total = Row(_("Total"), [publish(c, t) for c in [*column_totals, sum(column_totals)]])
    return Table(
        "age_by_sex",
        _("Incidents of the month by age and sex of the survivor"),
        [s.label for s in sexes] + [_("Total")],
        rows,
        total,
        row_header=_("Age"),
        relations=inference.grid([r.cells for r in rows], total.cells, row_totals=True),
    )


def _outcomes(key, title, row_header, by_group_status: dict, groups, t: int) -> Table:
    """Rows of groups (label, member) x the dashboard's outcome columns and a total."""
    rows, column_totals = [], [0] * (len(OUTCOMES) + 1)
    for label, member in groups:
        counts = [
            sum(by_group_status.get((member, s), 0) for s in statuses)
            for _label, statuses in OUTCOMES
        ]
        if not any(counts):
            continue
        counts.append(sum(counts))
        column_totals = [a + b for a, b in zip(column_totals, counts, strict=True)]
        rows.append(Row(label, [publish(c, t) for c in counts]))
    total = Row(_("Total"), [publish(c, t) for c in column_totals]) if rows else None
    return Table(
        key,
        title,
        [str(label) for label, _s in OUTCOMES] + [_("Total")],
        rows,
        total,
        row_header=row_header,
        relations=inference.grid(
            [r.cells for r in rows], total.cells if total else None, row_totals=True
        ),
    )


def build_monthly(scope: Scope, month: date, area_ids: frozenset | None = None) -> MonthlyReport:
    t = threshold()
    month = month.replace(day=1)
    of_month = Filters(start=month, end=next_month(month), area_ids=area_ids)
    of_year = Filters(start=month.replace(month=1), end=next_month(month), area_ids=area_ids)
    year_total = queries.incident_total(scope, of_year)
    month_total = queries.incident_total(scope, of_month)
    report = MonthlyReport(
        scope,
        month,
        area_ids,
        t,
        publish(month_total, t),
        publish(year_total, t),
        too_few=year_total < t,
    )
    if report.too_few:
        return report
    tables = report.tables
    tables.append(
        _trend_by_type(queries.incidents_by_pair(scope, of_year, "month", "gbv_type"), month, t)
    )
    tables.append(_age_by_sex(queries.incidents_by_pair(scope, of_month, "age_band", "sex"), t))
    dimensions = ("relationship", "place_type", "reporting_delay")
    month_figures = queries.incident_summary(scope, of_month, dimensions)
    year_figures = queries.incident_summary(scope, of_year, dimensions)
    for key, title, header, dimension, members, none_as in (
        (
            "relationship",
            _("By the main perpetrator's relationship to the survivor"),
            _("Relationship"),
            "relationship",
            PerpetratorRelationship,
            None,
        ),
        ("context", _("By type of place"), _("Place"), "place_type", PlaceType, None),
        (
            "reporting_delay",
            _("Time between the incident and the report"),
            _("Time"),
            "reporting_delay",
            ReportingDelay,
            None,
        ),
    ):
        tables.append(
            _month_and_year(
                key,
                title,
                header,
                members,
                month_figures[dimension],
                year_figures[dimension],
                t,
                none_as=none_as,
            )
        )
    tables.append(
        _outcomes(
            "services",
            _("Referrals of the month by service and outcome"),
            _("Type of service"),
            queries.referrals_by_type_status(scope, of_month),
            [(s.label, s) for s in ServiceType],
            t,
        )
    )
    tables.append(
        _outcomes(
            "provider_types",
            _("Referrals of the month by type of provider"),
            _("Type of provider"),
            queries.referrals_by_org_type_status(scope, of_month),
            [(o.label, o) for o in OrganisationType],
            t,
        )
    )
    _link(report, month)
    inference.protect(tables, withheld_note())
    return report


def _link(report: MonthlyReport, month: date) -> None:
    """The figures the report's tables share: the month's and the year's incident
    totals (the headlines), and the month's referrals counted by service and by type
    of provider."""
    trend = report.table("trend_by_type")
    trend.relations.append(inference.equal(trend.total.cells[-1], report.year_total))
    trend.relations.append(inference.equal(trend.total.cells[month.month - 1], report.month_total))
    age = report.table("age_by_sex")
    age.relations.append(inference.equal(age.total.cells[-1], report.month_total))
    for key in ("relationship", "context", "reporting_delay"):
        table = report.table(key)
        table.relations.append(inference.equal(table.total.cells[0], report.month_total))
        table.relations.append(inference.equal(table.total.cells[1], report.year_total))
    services, providers = report.table("services"), report.table("provider_types")
    if services.total is not None and providers.total is not None:
        providers.relations += [
            inference.equal(a, b)
            for a, b in zip(providers.total.cells, services.total.cells, strict=True)
        ]
