"""The statistics a page shows: the grouped counts of `queries`, published through
`suppression`, as tables with labels in the user's language.

Only published cells leave this module: a table holds `Cell`s (a multiple of the
threshold, 0, or "<t"), shares computed from published cells, and medians of at least
t values. The exact counts stay inside `build_dashboard`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.cases.models import AgeBand, GBVType, PerpetratorRelationship, Sex
from referral.cases.models.closure import ClosureReason, Satisfaction
from referral.dates import format_date
from referral.db import utcnow
from referral.directory.models import Location, Organisation, ServiceType
from referral.extensions import db
from referral.referrals.models import DeclineReason, ReferralStatus
from referral.stats import crossquery, inference, queries
from referral.stats.policy import RAYON_LEVELS, Scope
from referral.stats.queries import Filters
from referral.stats.suppression import Cell, median_shown, publish, share, threshold


@dataclass
class Row:
    label: str
    cells: list  # Cell, or an already formatted figure (a share, a median) or None


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[Row]
    total: Row | None = None
    note: str | None = None
    chart: str | None = None  # "trend", "bars", "stacked"
    row_header: str = ""
    # The sums its figures obey, and its links to figures outside it (inference.py).
    relations: list = field(default_factory=list)
    withheld: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def withhold(self, note: str) -> None:
        """Shown as its title and the reason only: its cells could be worked out."""
        self.rows, self.total, self.note, self.withheld = [], None, note, True


def withheld_note() -> str:
    return _(
        "Not shown for this selection: its small numbers could be worked out from the "
        "other figures on this page. Choose a longer period or a larger area."
    )


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    threshold: int
    total: Cell
    too_few: bool
    tables: list[Table] = field(default_factory=list)
    # What the check across queries did (crossquery.py): families, tables withheld.
    across: dict = field(default_factory=dict)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _months(filters: Filters) -> list[date]:
    months, current = [], filters.start.replace(day=1)
    while current < filters.end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def month_label(month: date) -> str:
    return format_date(month, "LLLL y")


def _single(
    key, title, column, items, t, *, chart=None, note=None, total=True, whole=None, exact=None
) -> Table:
    """A one-column table of (label, exact count) items with its total; `whole`, a
    figure published elsewhere on the page that the total equals. `exact`, when given,
    receives each cell's exact count by id (for the check across queries only: it never
    leaves crossquery.py)."""
    rows = [Row(label, [publish(count, t)]) for label, count in items]
    overall = sum(count for _label, count in items)
    table = Table(
        key,
        title,
        [column],
        rows,
        Row(_("Total"), [publish(overall, t)]) if total else None,
        note=note,
        chart=chart,
    )
    if exact is not None:
        for row, (_label, count) in zip(rows, items, strict=True):
            exact[id(row.cells[0])] = count
        if total:
            exact[id(table.total.cells[0])] = overall
    if total:
        table.relations = inference.grid(
            [r.cells for r in rows], table.total.cells, row_totals=False
        )
        if whole is not None:
            table.relations.append(inference.equal(table.total.cells[0], whole))
    return table


def _enum_items(counts: dict, members, unknown=None) -> list[tuple[str, int]]:
    """Fixed categories in the enum's order; None counted as `unknown`."""
    if unknown is not None:
        counts = dict(counts)
        counts[unknown] = counts.get(unknown, 0) + counts.pop(None, 0)
    return [(m.label, counts.get(m, 0)) for m in members]


def _rayon_of() -> dict[uuid.UUID, uuid.UUID]:
    """Each location's rayon (or city district, or town of oblast significance); a
    location above that level stands for itself."""
    rows = db.session.execute(select(Location.id, Location.parent_id, Location.level)).all()
    parent = {r.id: r.parent_id for r in rows}
    level = {r.id: r.level for r in rows}
    result = {}
    for loc_id in parent:
        current, seen = loc_id, set()
        while current is not None and level.get(current) not in RAYON_LEVELS:
            seen.add(current)
            current = parent.get(current)
            if current in seen:
                current = None
        result[loc_id] = current if current is not None else loc_id
    return result


class Places:
    """The breakdown by rayon's lookups, loaded once however many tables use them."""

    def __init__(self):
        self._rayon_of: dict | None = None
        self._names: dict = {}

    @property
    def rayon_of(self) -> dict:
        if self._rayon_of is None:
            self._rayon_of = _rayon_of()
        return self._rayon_of

    def rayon_items(self, by_place: dict) -> list[tuple[str, int]]:
        self._rayon_of = self.rayon_of
        folded: dict[uuid.UUID | None, int] = {}
        for place, count in by_place.items():
            key = self._rayon_of.get(place) if place is not None else None
            folded[key] = folded.get(key, 0) + count
        missing = [k for k in folded if k is not None and k not in self._names]
        if missing:
            self._names.update(
                (loc.id, loc.name)
                for loc in db.session.execute(
                    select(Location).where(Location.id.in_(missing))
                ).scalars()
            )
        items = sorted(
            ((self._names[k], v) for k, v in folded.items() if k is not None),
            key=lambda i: i[0],
        )
        if None in folded:
            items.append((str(_l("Not known")), folded[None]))
        return items


DECLINED = (ReferralStatus.DECLINED,)
OUTCOMES = (
    (_l("Waiting for an answer"), (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)),
    (
        _l("Accepted, in progress"),
        (
            ReferralStatus.ACCEPTED,
            ReferralStatus.APPOINTMENT_SCHEDULED,
            ReferralStatus.SERVICE_PROVIDED,
        ),
    ),
    (_l("Completed"), (ReferralStatus.COMPLETED,)),
    (_l("Declined"), DECLINED),
    (_l("Withdrawn"), (ReferralStatus.WITHDRAWN,)),
)


def _referral_outcomes(by_type_status: dict, t: int) -> Table:
    types = sorted({k[0] for k in by_type_status}, key=lambda s: list(ServiceType).index(s))
    rows, column_totals = [], [0] * (len(OUTCOMES) + 1)
    for service_type in types:
        counts = [
            sum(by_type_status.get((service_type, s), 0) for s in statuses)
            for _label, statuses in OUTCOMES
        ]
        counts.append(sum(counts))
        column_totals = [a + b for a, b in zip(column_totals, counts, strict=True)]
        rows.append(Row(ServiceType(service_type).label, [publish(c, t) for c in counts]))
    table = Table(
        "referral_outcomes",
        _("Referrals by type of service and outcome"),
        [str(label) for label, _s in OUTCOMES] + [_("Total")],
        rows,
        Row(_("Total"), [publish(c, t) for c in column_totals]) if rows else None,
        chart="stacked",
    )
    table.relations = inference.grid(
        [r.cells for r in rows], table.total.cells if table.total else None, row_totals=True
    )
    return table


def _percent(value: int | None) -> str | None:
    return None if value is None else format_number(value) + "%"


def _timeliness_table(
    key: str, title: str, column: str, groups: list, t: int, shared: tuple
) -> Table:
    """groups: (label, Timeliness) pairs; shared: the two unknown sums (with a deadline,
    overdue) the other timeliness table adds up to as well."""
    rows, relations = [], []
    for label, figures in groups:
        with_deadline = publish(figures.with_deadline, t)
        overdue = publish(figures.overdue, t)
        relations.append(inference.at_most(overdue, with_deadline))
        median = median_shown(figures.median_hours, figures.responded, t)
        rows.append(
            Row(
                label,
                [
                    with_deadline,
                    overdue,
                    _percent(share(overdue, with_deadline)),
                    None if median is None else format_number(median),
                ],
            )
        )
    # Both timeliness tables count the same referrals, by type and by provider: their
    # columns add up to the same two unpublished sums.
    relations.append(inference.sum_of([r.cells[0] for r in rows], shared[0]))
    relations.append(inference.sum_of([r.cells[1] for r in rows], shared[1]))
    return Table(
        key,
        title,
        [
            _("Referrals with a deadline"),
            _("Answered late or not yet, past the deadline"),
            _("Share overdue"),
            _("Median hours to the first answer"),
        ],
        rows,
        note=_("A median is shown only for groups of at least %(n)s answered referrals.", n=t),
        chart="bars" if key == "timeliness_by_type" else None,
        row_header=column,
        relations=relations,
    )


DASHBOARD_DIMENSIONS = ("month", "gbv_type", "place", "age_band", "sex", "relationship")


def build_dashboard(scope: Scope, filters: Filters) -> Dashboard:
    t = threshold()
    total = queries.incident_total(scope, filters)
    dashboard = Dashboard(scope, filters, t, publish(total, t), too_few=total < t)
    if dashboard.too_few:
        return dashboard
    tables = dashboard.tables
    summary = queries.incident_summary(scope, filters, DASHBOARD_DIMENSIONS)
    tables.extend(incident_tables(summary, _months(filters), t, dashboard.total))
    now = utcnow()
    referral_figures = queries.referral_summary(scope, filters, now)
    outcomes = _referral_outcomes(referral_figures["by_type_status"], t)
    tables.append(outcomes)
    declines = _single(
        "declines",
        _("Declined referrals by reason"),
        _("Referrals"),
        _enum_items(referral_figures["declines"], DeclineReason),
        t,
    )
    if outcomes.total is not None:
        declined = outcomes.total.cells[[s for _l, s in OUTCOMES].index(DECLINED)]
        declines.relations.append(inference.at_most(declines.total.cells[0], declined))
    tables.append(declines)
    shared = (inference.Unknown(), inference.Unknown())
    by_type_time = referral_figures["timeliness service_type"]
    tables.append(
        _timeliness_table(
            "timeliness_by_type",
            _("Time to the first answer, by type of service"),
            _("Type of service"),
            [
                (ServiceType(k).label, v)
                for k, v in sorted(
                    by_type_time.items(), key=lambda i: list(ServiceType).index(i[0])
                )
            ],
            t,
            shared,
        )
    )
    # Referrals with a deadline are some of the referrals of their type of service.
    of_type = {row.label: row.cells[-1] for row in outcomes.rows}
    for row in tables[-1].rows:
        if row.label in of_type:
            tables[-1].relations.append(inference.at_most(row.cells[0], of_type[row.label]))
    by_org_time = referral_figures["timeliness to_org_id"]
    orgs = {
        o.id: o.name
        for o in db.session.execute(
            select(Organisation).where(Organisation.id.in_(list(by_org_time)))
        ).scalars()
    }
    tables.append(
        _timeliness_table(
            "timeliness_by_provider",
            _("Time to the first answer, by provider"),
            _("Provider"),
            sorted(((orgs.get(k, "?"), v) for k, v in by_org_time.items()), key=lambda i: i[0]),
            t,
            shared,
        )
    )
    orders = queries.protection_orders(scope, filters)
    tables.append(
        _single(
            "protection_orders",
            _("Protection orders"),
            _("Orders"),
            [
                (_("Issued"), orders["issued"]),
                (_("Extended"), orders["extended"]),
                (_("Violated"), orders["violated"]),
            ],
            t,
            total=False,
        )
    )
    opened, closed = queries.case_summary(scope, filters)
    tables.append(
        _single(
            "cases",
            _("Cases opened and closed"),
            _("Cases"),
            [(_("Opened"), opened)]
            + [
                (_("Closed: %(reason)s", reason=r.label), closed.get(r.value, 0))
                for r in ClosureReason
            ],
            t,
            total=False,
        )
    )
    feedback = queries.satisfaction(scope, filters)
    if feedback is not None:
        tables.append(
            _single(
                "satisfaction",
                _("Satisfaction at closure"),
                _("Answers"),
                _enum_items(feedback, Satisfaction),
                t,
                note=_(
                    "Feedback is anonymous and kept by month only: it is counted for the "
                    "centres in this scope and cannot be narrowed by type, age or sex."
                ),
            )
        )
    inference.protect(tables, withheld_note())
    crossquery.protect(scope, filters, dashboard)
    return dashboard


INCIDENT_TABLES = (
    "by_month",
    "by_type",
    "by_rayon",
    "by_age",
    "by_sex",
    "by_relationship",
    "flags",
)


def incident_tables(
    summary: dict,
    months: list[date],
    t: int,
    headline: Cell,
    places: Places | None = None,
    exact: dict | None = None,
) -> list[Table]:
    """The incident breakdowns of a page (INCIDENT_TABLES, in that order) from its
    `queries.incident_summary`; the check across queries builds its neighbours' the same
    way (crossquery.py), with `exact` (see `_single`)."""
    by_month = summary["month"]
    return [
        _single(
            "by_month",
            _("Incidents by month of report"),
            _("Incidents"),
            [(month_label(m), by_month.get(m.strftime("%Y-%m"), 0)) for m in months],
            t,
            whole=headline,
            exact=exact,
            chart="trend",
        ),
        _single(
            "by_type",
            _("Incidents by type of GBV"),
            _("Incidents"),
            _enum_items(summary["gbv_type"], GBVType),
            t,
            whole=headline,
            exact=exact,
            chart="bars",
        ),
        _single(
            "by_rayon",
            _("Incidents by rayon"),
            _("Incidents"),
            (places or Places()).rayon_items(summary["place"]),
            t,
            whole=headline,
            exact=exact,
        ),
        _single(
            "by_age",
            _("Incidents by age of the survivor"),
            _("Incidents"),
            _enum_items(summary["age_band"], AgeBand, AgeBand.UNKNOWN),
            t,
            whole=headline,
            exact=exact,
        ),
        _single(
            "by_sex",
            _("Incidents by sex of the survivor"),
            _("Incidents"),
            _enum_items(summary["sex"], Sex, Sex.UNKNOWN),
            t,
            whole=headline,
            exact=exact,
        ),
        _single(
            "by_relationship",
            _("Incidents by the main perpetrator's relationship to the survivor"),
            _("Incidents"),
            _enum_items(
                summary["relationship"],
                PerpetratorRelationship,
                PerpetratorRelationship.UNKNOWN,
            ),
            t,
            whole=headline,
            exact=exact,
        ),
        _flags_table(summary["flags"], t, headline, exact),
    ]


def _flags_table(flags: dict, t: int, headline: Cell, exact: dict | None = None) -> Table:
    total = publish(flags["total"], t)
    rows, relations = [], [inference.equal(total, headline)]
    if exact is not None:
        exact[id(total)] = flags["total"]
    for label, key in (
        (_("Bride kidnapping (ala kachuu)"), "ala_kachuu"),
        (_("Early marriage"), "early_marriage"),
        (_("Reported within 72 hours (0–3 days)"), "within_72h"),
    ):
        cell = publish(flags[key], t)
        if exact is not None:
            exact[id(cell)] = flags[key]
        relations.append(inference.at_most(cell, total))
        rows.append(Row(label, [cell, _percent(share(cell, total))]))
    return Table(
        "flags",
        _("Local flags and timely reporting"),
        [_("Incidents"), _("Share of all incidents")],
        rows,
        Row(_("All incidents"), [total, None]),
        relations=relations,
    )
