"""Bounds combined across queries: the tables a page withholds because the same
figures under neighbouring filters would pin one of its small counts
(docs/statistics.md, "Bounds combined across queries").

One page's figures are checked by `inference.protect`. An attacker can also read a
*family* of pages: one filter set to "all" and to each of its values, the others
fixed. The same cell obeys a sum across them (all sexes = female + male + unknown; a
scope = its top areas, an area = its rayons, plus what lies in neither; a year = its
months = its quarters; a month range = its months, and = the range without its last
month + that month), and the intervals of the members can pin a "<t" that no single
page gives away.

For each family the page belongs to, `protect` builds every member's incident tables
from one grouped query over the whole (the family's dimension added to the GROUP BY),
assumes every member published in full (the most an attacker can see), propagates
the intervals over each member's own sums and the family's, and withholds tables one
at a time until no suppressed or withheld cell of any member is pinned to a value
from 1 to t-1. A withheld cell still exists for the attacker: it is unknown, not gone,
so the sums through it stay in force.

Consistency: the decision is a function of the family's data alone, members in a
fixed order, so every member that checks a family reaches the same tables withheld.
A family is *closed* when each of its members checks it (sex, age, type, area, a year
or quarter or the last 12 months against their months, a year against its quarters):
any member's table may then go. Other families (a month range against its months;
a range against the range without its last month and that month) are checked by
their whole only, so only the whole's tables may go; a month's own page never
assumes them. A member with too few incidents shows no table (every cell unknown) but
says so, and its count stays in force. What remains open: chains through more than
one family, and pins of a "too few" page's own count, which no table can hide
(counted in `Dashboard.across["unresolved"]`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from referral.cases.models import AgeBand, GBVType, Sex
from referral.directory.models import Location
from referral.directory.service.locations import descendants_in
from referral.extensions import db
from referral.stats import inference, policy, queries
from referral.stats.forms import last_12_bounds
from referral.stats.queries import Filters
from referral.stats.suppression import Cell, publish

DIMENSION_FAMILIES = (("sex", Sex), ("age_band", AgeBand), ("gbv_type", GBVType))
FLAG_KEYS = ("total", "ala_kachuu", "early_marriage", "within_72h")


def withheld_note() -> str:
    return _(
        "Not shown for this selection: its small numbers could be worked out by "
        "comparing it with the same figures for a neighbouring selection (another "
        "sex, age, type, area or period). Choose a longer period or a larger area."
    )


@dataclass(frozen=True)
class Family:
    name: str
    whole: Filters
    parts: tuple[Filters, ...]
    split: str  # the incident dimension that tells the parts apart
    groups: tuple[frozenset, ...]  # the values of `split` in each part
    me: int  # the page's position: 0 the whole, i + 1 the i-th part
    closed: bool  # every member checks this family, so any member's table may go


class _Context:
    """What the families of one page share: grouped queries, places, the area tree."""

    def __init__(self, scope, t: int):
        from referral.stats import service

        self.scope, self.t, self.service = scope, t, service
        self.places = service.Places()
        self._splits: dict = {}
        self._parent: dict | None = None

    def split(self, filters: Filters, dimension: str) -> dict:
        key = (filters, dimension)
        if key not in self._splits:
            self._splits[key] = queries.incident_summary_split(
                self.scope, filters, self.service.DASHBOARD_DIMENSIONS, dimension
            )
        return self._splits[key]

    @property
    def parent(self) -> dict:
        if self._parent is None:
            rows = db.session.execute(select(Location.id, Location.parent_id)).all()
            self._parent = {r.id: r.parent_id for r in rows}
        return self._parent

    def descendants(self, location_id: uuid.UUID) -> frozenset:
        return frozenset(descendants_in(self.parent, location_id))


def _merge(summaries, dimensions) -> dict:
    merged: dict = {d: {} for d in dimensions}
    flags = dict.fromkeys(FLAG_KEYS, 0)
    for summary in summaries:
        for d in dimensions:
            for value, count in summary.get(d, {}).items():
                merged[d][value] = merged[d].get(value, 0) + count
        for k in FLAG_KEYS:
            flags[k] += summary.get("flags", {}).get(k, 0)
    merged["flags"] = flags
    return merged


def _dimension_families(filters: Filters):
    for name, enum in DIMENSION_FAMILIES:
        values = list(enum)
        chosen = getattr(filters, name)
        yield Family(
            name,
            replace(filters, **{name: None}),
            tuple(replace(filters, **{name: v}) for v in values),
            name,
            tuple(frozenset({v}) for v in values),
            0 if chosen is None else 1 + values.index(chosen),
            True,
        )


def _area_families(ctx: _Context, filters: Filters):
    """An area (or the whole scope) against the areas just under it that the form
    offers, and the page's own area against its siblings."""
    options = [loc.id for loc in policy.area_options(ctx.scope)]
    offered = set(options)

    def above(location_id):
        current = ctx.parent.get(location_id)
        seen = set()
        while current is not None and current not in offered and current not in seen:
            seen.add(current)
            current = ctx.parent.get(current)
        return current if current in offered else None

    under: dict = {}
    for option in options:
        under.setdefault(above(option), []).append(option)
    if filters.area_ids is None:
        area = None
    else:
        tops = [i for i in filters.area_ids if ctx.parent.get(i) not in filters.area_ids]
        if len(tops) != 1 or tops[0] not in offered:
            return
        area = tops[0]

    def finest(whole_area):
        """The offered areas under `whole_area` with none offered under them."""
        found, stack = [], list(under.get(whole_area, []))
        while stack:
            option = stack.pop(0)
            if under.get(option):
                stack.extend(under[option])
            else:
                found.append(option)
        return sorted(found, key=options.index)

    def family(whole_area, children, page_area):
        if page_area != whole_area and page_area not in children:
            return None
        if not children or children == [whole_area]:
            return None
        groups = tuple(ctx.descendants(c) for c in children)
        whole_ids = None if whole_area is None else ctx.descendants(whole_area)
        me = 0 if page_area == whole_area else 1 + children.index(page_area)
        return Family(
            "area",
            replace(filters, area_ids=whole_ids),
            tuple(replace(filters, area_ids=g) for g in groups),
            "place",
            groups,
            me,
            True,
        )

    # The page against the areas under it, and against its own neighbours at every
    # level above it: the scope is also the sum of its rayons, not only of its oblasts.
    wholes = [area]
    current = area
    while current is not None:
        current = above(current)
        wholes.append(current)
    seen = set()
    for whole_area in wholes:
        for children in (under.get(whole_area, []), finest(whole_area)):
            f = family(whole_area, children, area)
            if f is not None and (f.whole, f.parts) not in seen:
                seen.add((f.whole, f.parts))
                yield f


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_keys(start: date, end: date) -> frozenset:
    keys, current = set(), start
    while current < end:
        keys.add(current.strftime("%Y-%m"))
        current = _next_month(current)
    return frozenset(keys)


def _period_family(name, filters, start, end, parts, me, closed) -> Family:
    return Family(
        name,
        replace(filters, start=start, end=end),
        tuple(replace(filters, start=s, end=e) for s, e in parts),
        "month",
        tuple(_month_keys(s, e) for s, e in parts),
        me,
        closed,
    )


def _months_of(start: date, end: date) -> list[tuple[date, date]]:
    bounds, current = [], start
    while current < end:
        bounds.append((current, _next_month(current)))
        current = _next_month(current)
    return bounds


def _period_families(filters: Filters):
    start, end = filters.start, filters.end
    months = _months_of(start, end)
    if not months:
        return
    year = (date(start.year, 1, 1), date(start.year + 1, 1, 1))
    quarters = [
        (date(start.year, m, 1), _next_month(date(start.year, m + 2, 1))) for m in (1, 4, 7, 10)
    ]
    last_12 = last_12_bounds()
    if len(months) == 1:
        yield _period_family(
            "months of the year", filters, *year, _months_of(*year), start.month, True
        )
        q = (start.month - 1) // 3
        yield _period_family(
            "months of the quarter",
            filters,
            *quarters[q],
            _months_of(*quarters[q]),
            1 + start.month - (3 * q + 1),
            True,
        )
        window = _months_of(*last_12)
        if (start, end) in window:
            yield _period_family(
                "months of the last 12",
                filters,
                *last_12,
                window,
                1 + window.index((start, end)),
                True,
            )
        return
    closed = (start, end) in (year, last_12, *quarters)
    yield _period_family("months", filters, start, end, months, 0, closed)
    if (start, end) == year:
        yield _period_family("quarters", filters, start, end, quarters, 0, True)
    elif (start, end) in quarters:
        yield _period_family(
            "quarters", filters, *year, quarters, 1 + quarters.index((start, end)), True
        )
    if len(months) >= 3 and (start, end) != last_12:
        last = months[-1]
        yield _period_family("last month", filters, start, end, [(start, last[0]), last], 0, False)


def families(ctx: _Context, filters: Filters) -> list[Family]:
    return [
        *_dimension_families(filters),
        *_area_families(ctx, filters),
        *_period_families(filters),
    ]


def _cells(table) -> list[Cell]:
    rows = [r.cells for r in table.rows] + ([table.total.cells] if table.total else [])
    return [c for cells in rows for c in cells if isinstance(c, Cell)]


def decide(ctx: _Context, family: Family) -> tuple[set[str], int]:
    """(keys of the page's tables this family withholds, pins no table can hide)."""
    service, t = ctx.service, ctx.t
    dims = service.DASHBOARD_DIMENSIONS
    data = ctx.split(family.whole, family.split)
    summaries = [_merge(data.values(), dims)] + [
        _merge([data[v] for v in group if v in data], dims) for group in family.groups
    ]
    if not any(_holds_small(ctx, summary, t) for summary in summaries):
        # Every figure of every member is 0 or at least t: nothing is suppressed and no
        # member is too small, so nothing can be pinned (and building the tables is
        # most of the check's time).
        return set(), 0
    exact: dict[int, int] = {}
    members = []
    for filters, summary in zip([family.whole, *family.parts], summaries, strict=True):
        count = summary["flags"]["total"]
        headline = publish(count, t)
        exact[id(headline)] = count
        months = [m for m, _e in _months_of(filters.start, filters.end)]
        tables = service.incident_tables(summary, months, t, headline, ctx.places, exact)
        members.append((headline, tables, count < t))
    relations = [r for _h, tables, _f in members for table in tables for r in table.relations]
    whole_headline, whole_tables, _few = members[0]
    relations.append(_across([m[0] for m in members[1:]], whole_headline, exact))
    for k, whole_table in enumerate(whole_tables):
        parts = [{r.label: r.cells[0] for r in m[1][k].rows} for m in members[1:]]
        for row in whole_table.rows:
            cells = [p[row.label] for p in parts if row.label in p]
            relations.append(_across(cells, row.cells[0], exact))
    withholdable = range(len(members)) if family.closed else range(1)
    withheld = {(i, k) for i, m in enumerate(members) if m[2] for k in range(len(m[1]))}
    while True:
        unseen = {id(c) for i, k in withheld for c in _cells(members[i][1][k])}
        bounds = inference.narrow(relations, unseen)
        leaks: dict[tuple[int, int], int] = {}
        unresolved = 0
        for i, (headline, tables, too_few) in enumerate(members):
            for k, table in enumerate(tables):
                for cell in _cells(table):
                    if (id(cell) in unseen or cell.is_suppressed) and _pinned(bounds[id(cell)], t):
                        leaks[(i, k)] = leaks.get((i, k), 0) + 1
            if too_few and headline.is_suppressed and _pinned(bounds[id(headline)], t):
                unresolved += 1
        open_ = {
            key: n for key, n in leaks.items() if key[0] in withholdable and key not in withheld
        }
        if open_:
            withheld.add(max(open_, key=lambda key: (open_[key], key)))
            continue
        # What is pinned lies in tables already unseen: take the same tables of the
        # members that may still give them up.
        more = {(i, k) for _i, k in leaks for i in withholdable} - withheld
        if not more:
            unresolved += sum(leaks.values())
            break
        withheld |= more
    mine = {members[family.me][1][k].key for i, k in withheld if i == family.me}
    return mine, unresolved


def _holds_small(ctx: _Context, summary: dict, t: int) -> bool:
    """Whether any figure of a member's incident tables would be published as "<t" (or
    the member shows too few incidents)."""
    if summary["flags"]["total"] < t:
        return True
    figures = list(summary["flags"].values())
    for dimension, counts in summary.items():
        if dimension == "flags":
            continue
        if dimension == "place":
            rayon_of = ctx.places.rayon_of
            folded: dict = {}
            for place, count in counts.items():
                key = rayon_of.get(place) if place is not None else None
                folded[key] = folded.get(key, 0) + count
            counts = folded
        figures.extend(counts.values())
    return any(0 < n < t for n in figures)


def _across(parts, whole, exact) -> inference.Relation:
    """whole = the parts + what lies in none of them (assumed known: the cautious side)."""
    rest = exact[id(whole)] - sum(exact[id(p)] for p in parts)
    return inference.sum_of([*parts, inference.Known(rest)], whole)


def _pinned(bound: tuple[int, int], t: int) -> bool:
    low, high = bound
    return high < low or (low == high and 1 <= low < t)


def protect(scope, filters: Filters, dashboard) -> None:
    """Withhold (in place) the tables of `dashboard` that a family of queries it belongs
    to would give away; record what was checked in `dashboard.across`."""
    if dashboard.too_few:
        return
    ctx = _Context(scope, dashboard.threshold)
    withheld, unresolved, checked = set(), 0, []
    for family in families(ctx, filters):
        keys, pins = decide(ctx, family)
        withheld |= keys
        unresolved += pins
        checked.append(family.name)
    note = withheld_note()
    for table in dashboard.tables:
        if table.key in withheld and not table.withheld:
            table.withhold(note)
    dashboard.across = {
        "families": checked,
        "withheld": sorted(withheld),
        "unresolved": unresolved,
        "queries": len(ctx._splits),
    }
