"""The statistics queries: GROUP BY over the facts tables (`stats.models`), in the
database.

The facts hold exactly the population of the live rule (`stats.live`: cases not
erased whose latest reporting consent is given, their incidents and sent referrals),
kept current by `stats.facts.refresh_case`; so every function here is the live query
of the same name without the per-case consent subquery and without joining the wide
case rows. `tests/stats/test_facts.py` proves the two give the same figures. Nothing
here loads a case into Python and no encrypted column exists in these tables.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Float, and_, case, cast, exists, false, func, or_, select, true, tuple_

from referral.cases.models import ClientFeedback
from referral.cases.models.assessment import AgeBand, GBVType, ReportingDelay, Sex
from referral.cases.models.plan import OrderKind, OrderStatus, ProtectionOrder
from referral.cases.models.plan import ProtectionOrderViolation as Violation
from referral.cases.timeutil import BISHKEK
from referral.directory.models import Organisation
from referral.extensions import db
from referral.referrals.models import ReferralStatus
from referral.stats.models import StatsCase as SC
from referral.stats.models import StatsIncident as SI
from referral.stats.models import StatsReferral as SR
from referral.stats.policy import Scope, ScopeKind


@dataclass(frozen=True)
class Filters:
    """What the figures are narrowed to. `start`/`end` are Bishkek calendar days, the
    end exclusive; `area_ids` is the chosen area with everything under it."""

    start: date
    end: date
    area_ids: frozenset[uuid.UUID] | None = None
    gbv_type: GBVType | None = None
    age_band: AgeBand | None = None
    sex: Sex | None = None

    @property
    def by_person(self) -> bool:
        """Whether the figures are narrowed by who the survivor is or what happened."""
        return any((self.gbv_type, self.age_band, self.sex))

    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(0), BISHKEK).astimezone(UTC)

    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time(0), BISHKEK).astimezone(UTC)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def hours_between(later, earlier):
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def _ids(ids) -> list[uuid.UUID]:
    return list(ids or ())


# --- scope and filters, for each fact table --------------------------------------------


def _case_in_area(table, ids):
    """The case lives in the area, or one of its incidents happened there. (An
    incident's place falls back to the residence, which the first branch covers, so
    this is the live rule on the incident's own place.)"""
    ids = _ids(ids)
    if not ids:
        return false()
    return or_(
        table.residence_id.in_(ids),
        exists().where(SI.case_id == table.case_id, SI.place_id.in_(ids)),
    )


def _referred_to(table, org_id: uuid.UUID):
    return exists().where(SR.case_id == table.case_id, SR.to_org_id == org_id)


def _case_scope(table, scope: Scope):
    """The scope as a condition on a table with the case's columns (cases, referrals)."""
    if scope.kind == ScopeKind.NATIONAL:
        return true()
    if scope.kind == ScopeKind.ORGANISATION:
        return table.organisation_id == scope.organisation_id
    if scope.kind == ScopeKind.PROVIDER:
        return _referred_to(table, scope.organisation_id)
    return _case_in_area(table, scope.location_ids)


def _case_filters(table, filters: Filters) -> list:
    conditions = []
    if filters.age_band is not None:
        conditions.append(table.age_band == filters.age_band)
    if filters.sex is not None:
        conditions.append(table.sex == filters.sex)
    if filters.gbv_type is not None:
        conditions.append(
            exists().where(SI.case_id == table.case_id, SI.gbv_type == filters.gbv_type)
        )
    if filters.area_ids is not None:
        conditions.append(_case_in_area(table, filters.area_ids))
    return conditions


def incidents(scope: Scope, filters: Filters, *columns):
    """SELECT columns FROM the counted incidents of the scope and filters."""
    if scope.kind == ScopeKind.AREA:
        in_scope = SI.place_id.in_(_ids(scope.location_ids)) if scope.location_ids else false()
    elif scope.kind == ScopeKind.PROVIDER:
        in_scope = _referred_to(SI, scope.organisation_id)
    elif scope.kind == ScopeKind.ORGANISATION:
        in_scope = SI.organisation_id == scope.organisation_id
    else:
        in_scope = true()
    query = (
        select(*columns)
        .select_from(SI)
        .where(in_scope, SI.report_date >= filters.start, SI.report_date < filters.end)
    )
    if filters.gbv_type is not None:
        query = query.where(SI.gbv_type == filters.gbv_type)
    if filters.age_band is not None:
        query = query.where(SI.age_band == filters.age_band)
    if filters.sex is not None:
        query = query.where(SI.sex == filters.sex)
    if filters.area_ids is not None:
        query = query.where(SI.place_id.in_(_ids(filters.area_ids)))
    return query


def referrals(scope: Scope, filters: Filters, *columns):
    """SELECT columns FROM the sent referrals of counted cases."""
    if scope.kind == ScopeKind.PROVIDER:
        in_scope = SR.to_org_id == scope.organisation_id
    else:
        in_scope = _case_scope(SR, scope)
    return (
        select(*columns)
        .select_from(SR)
        .where(
            in_scope,
            SR.sent_at >= filters.start_utc(),
            SR.sent_at < filters.end_utc(),
            *_case_filters(SR, filters),
        )
    )


def cases(scope: Scope, filters: Filters, *columns):
    return (
        select(*columns).select_from(SC).where(_case_scope(SC, scope), *_case_filters(SC, filters))
    )


# --- grouped counts -------------------------------------------------------------------


def _grouped(query, key) -> dict:
    rows = db.session.execute(query.group_by(key)).all()
    return {row[0]: int(row[1]) for row in rows}


# The dimensions an incident figure may be grouped by (the live module names the same).
INCIDENT_DIMENSIONS = (
    "month",
    "gbv_type",
    "age_band",
    "sex",
    "relationship",
    "place_type",
    "reporting_delay",
    "place",
)


def _incident_key(dimension: str):
    if dimension not in INCIDENT_DIMENSIONS:
        raise ValueError(dimension)
    return SI.place_id if dimension == "place" else getattr(SI, dimension)


def incidents_by(scope: Scope, filters: Filters, dimension: str) -> dict:
    key = _incident_key(dimension)
    return _grouped(incidents(scope, filters, key, func.count()), key)


def incidents_by_pair(scope: Scope, filters: Filters, first: str, second: str) -> dict:
    """Counts by two dimensions at once, keyed (first, second)."""
    a, b = _incident_key(first), _incident_key(second)
    rows = db.session.execute(incidents(scope, filters, a, b, func.count()).group_by(a, b))
    return {(row[0], row[1]): int(row[2]) for row in rows}


def incident_total(scope: Scope, filters: Filters) -> int:
    return int(db.session.execute(incidents(scope, filters, func.count())).scalar() or 0)


def incidents_by_month(scope: Scope, filters: Filters) -> dict[str, int]:
    return incidents_by(scope, filters, "month")


def incidents_by_place(scope: Scope, filters: Filters) -> dict[uuid.UUID | None, int]:
    return incidents_by(scope, filters, "place")


def incidents_by_relationship(scope: Scope, filters: Filters) -> dict:
    """By the main perpetrator's relationship to the survivor (None: none recorded)."""
    return incidents_by(scope, filters, "relationship")


def _flag(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def incident_flags(scope: Scope, filters: Filters) -> dict[str, int]:
    row = db.session.execute(
        incidents(
            scope,
            filters,
            func.count(),
            _flag(SI.ala_kachuu.is_(True)),
            _flag(SI.early_marriage.is_(True)),
            _flag(SI.reporting_delay == ReportingDelay.D0_3),
        )
    ).one()
    return {
        "total": int(row[0]),
        "ala_kachuu": int(row[1]),
        "early_marriage": int(row[2]),
        "within_72h": int(row[3]),
    }


def referrals_by_type_status(scope: Scope, filters: Filters) -> dict[tuple, int]:
    query = referrals(scope, filters, SR.service_type, SR.status, func.count())
    rows = db.session.execute(query.group_by(SR.service_type, SR.status)).all()
    return {(row[0], row[1]): int(row[2]) for row in rows}


def referrals_by_org_type_status(scope: Scope, filters: Filters) -> dict[tuple, int]:
    """By the kind of organisation the referral went to, and its status."""
    query = referrals(scope, filters, Organisation.org_type, SR.status, func.count()).join(
        Organisation, Organisation.id == SR.to_org_id
    )
    rows = db.session.execute(query.group_by(Organisation.org_type, SR.status)).all()
    return {(row[0], row[1]): int(row[2]) for row in rows}


def declines_by_reason(scope: Scope, filters: Filters) -> dict:
    query = referrals(scope, filters, SR.decline_reason, func.count()).where(
        SR.status == ReferralStatus.DECLINED
    )
    return _grouped(query, SR.decline_reason)


@dataclass(frozen=True)
class Timeliness:
    with_deadline: int
    overdue: int
    responded: int
    median_hours: float | None


def _overdue(now: datetime):
    return and_(
        SR.due_at.is_not(None),
        or_(
            SR.responded_at > SR.due_at,
            and_(SR.responded_at.is_(None), SR.due_at < now),
        ),
    )


REFERRAL_DIMENSIONS = ("service_type", "to_org_id")


def timeliness_by(scope: Scope, filters: Filters, dimension: str, now: datetime) -> dict:
    """Per group (`service_type` or `to_org_id`): referrals with a deadline, overdue
    ones, answered ones and the median hours from sending to the first answer. The
    median is computed in SQL with window functions (row_number, count over the group),
    which SQLite and PostgreSQL both run the same way: the middle row, or the mean of
    the two middle rows."""
    if dimension not in REFERRAL_DIMENSIONS:
        raise ValueError(dimension)
    key = getattr(SR, dimension)
    counts = db.session.execute(
        referrals(
            scope,
            filters,
            key,
            _flag(SR.due_at.is_not(None)),
            _flag(_overdue(now)),
        ).group_by(key)
    ).all()
    hours = cast(hours_between(SR.responded_at, SR.sent_at), Float)
    ranked = (
        referrals(
            scope,
            filters,
            key.label("g"),
            hours.label("h"),
            func.row_number().over(partition_by=key, order_by=hours).label("rn"),
            func.count().over(partition_by=key).label("n"),
        )
        .where(SR.responded_at.is_not(None))
        .subquery()
    )
    medians = db.session.execute(
        select(ranked.c.g, func.avg(ranked.c.h), func.max(ranked.c.n))
        .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
        .group_by(ranked.c.g)
    ).all()
    median_of = {row[0]: (float(row[1]), int(row[2])) for row in medians}
    result = {}
    for group, with_deadline, overdue in counts:
        median, responded = median_of.get(group, (None, 0))
        result[group] = Timeliness(int(with_deadline), int(overdue), responded, median)
    return result


def protection_orders(scope: Scope, filters: Filters) -> dict[str, int]:
    """Orders of counted cases, read from the orders table itself (small, and an
    order's edits change no fact row), joined to the counted cases."""
    violated = or_(
        ProtectionOrder.status == OrderStatus.VIOLATED,
        exists().where(Violation.order_id == ProtectionOrder.id),
    )
    extended = or_(
        ProtectionOrder.kind == OrderKind.EXTENDED, ProtectionOrder.extended_until.is_not(None)
    )
    query = (
        cases(scope, filters, func.count(), _flag(extended), _flag(violated))
        .join(ProtectionOrder, ProtectionOrder.case_id == SC.case_id)
        .where(ProtectionOrder.issued_on >= filters.start, ProtectionOrder.issued_on < filters.end)
    )
    row = db.session.execute(query).one()
    return {"issued": int(row[0]), "extended": int(row[1]), "violated": int(row[2])}


def cases_opened(scope: Scope, filters: Filters) -> int:
    query = cases(scope, filters, func.count()).where(
        SC.created_at >= filters.start_utc(), SC.created_at < filters.end_utc()
    )
    return int(db.session.execute(query).scalar() or 0)


def cases_closed_by_reason(scope: Scope, filters: Filters) -> dict:
    query = cases(scope, filters, SC.closure_reason, func.count()).where(
        SC.closed_at >= filters.start_utc(), SC.closed_at < filters.end_utc()
    )
    return _grouped(query, SC.closure_reason)


def satisfaction(scope: Scope, filters: Filters) -> dict | None:
    """Client feedback at closure, by overall satisfaction. Feedback is unlinkable by
    design (no case, no person, month only), so it is counted by the centre that
    collected it and cannot be narrowed by type, age or sex: None then, and for a
    provider's scope, which has no centre of its own. (It needs no reporting consent
    and no fact table: it is read from the feedback rows themselves.)"""
    if filters.by_person or scope.kind == ScopeKind.PROVIDER:
        return None
    key = ClientFeedback.overall
    query = select(key, func.count()).where(
        ClientFeedback.month >= filters.start, ClientFeedback.month < filters.end
    )
    if scope.kind == ScopeKind.ORGANISATION:
        query = query.where(ClientFeedback.organisation_id == scope.organisation_id)
    places = [] if scope.kind != ScopeKind.AREA else [scope.location_ids]
    if filters.area_ids is not None:
        places.append(filters.area_ids)
    for ids in places:
        located = select(Organisation.id).where(Organisation.location_id.in_(_ids(ids)))
        query = query.where(ClientFeedback.organisation_id.in_(located))
    return _grouped(query, key)


# --- a page's figures in few statements ------------------------------------------------
#
# A dashboard asks for seven incident breakdowns and six referral figures over the same
# rows. On PostgreSQL each group of them is one statement with GROUPING SETS: the rows
# are selected (and the scope's conditions evaluated) once instead of once per figure.
# Elsewhere (SQLite: development and tests) the same dictionaries come from the
# functions above, one statement each. tests/stats/test_facts.py checks both against
# the live rule, on each database.


def incident_summary(scope: Scope, filters: Filters, dimensions) -> dict:
    """{dimension: {value: count}} for each dimension, and "flags": incident_flags."""
    if _dialect() != "postgresql":
        result = {d: incidents_by(scope, filters, d) for d in dimensions}
        result["flags"] = incident_flags(scope, filters)
        return result
    keys = [_incident_key(d) for d in dimensions]
    query = incidents(
        scope,
        filters,
        *keys,
        func.grouping(*keys),
        func.count(),
        _flag(SI.ala_kachuu.is_(True)),
        _flag(SI.early_marriage.is_(True)),
        _flag(SI.reporting_delay == ReportingDelay.D0_3),
    ).group_by(func.grouping_sets(*[tuple_(k) for k in keys], tuple_()))
    result: dict = {d: {} for d in dimensions}
    everything = (1 << len(keys)) - 1
    flags = {"total": 0, "ala_kachuu": 0, "early_marriage": 0, "within_72h": 0}
    for row in db.session.execute(query):
        mask = row[len(keys)]
        count = int(row[len(keys) + 1])
        if mask == everything:
            flags = {
                "total": count,
                "ala_kachuu": int(row[-3]),
                "early_marriage": int(row[-2]),
                "within_72h": int(row[-1]),
            }
            continue
        # grouping() sets the bit of every key not grouped; the leftmost key is the
        # highest bit: the one bit missing names the set's dimension.
        position = len(keys) - 1 - (everything ^ mask).bit_length() + 1
        result[dimensions[position]][row[position]] = count
    result["flags"] = flags
    return result


def referral_summary(scope: Scope, filters: Filters, now: datetime) -> dict:
    """ "by_type_status", "declines", and "timeliness service_type" / "timeliness
    to_org_id" ({group: Timeliness}), as the functions above give them."""
    if _dialect() != "postgresql":
        return {
            "by_type_status": referrals_by_type_status(scope, filters),
            "declines": declines_by_reason(scope, filters),
            "timeliness service_type": timeliness_by(scope, filters, "service_type", now),
            "timeliness to_org_id": timeliness_by(scope, filters, "to_org_id", now),
        }
    answered = SR.responded_at.is_not(None)
    hours = cast(hours_between(SR.responded_at, SR.sent_at), Float)
    keys = [SR.service_type, SR.status, SR.decline_reason, SR.to_org_id]
    query = referrals(
        scope,
        filters,
        *keys,
        func.grouping(*keys),
        func.count(),
        _flag(SR.due_at.is_not(None)),
        _flag(_overdue(now)),
        _flag(answered),
        func.percentile_cont(0.5).within_group(hours).filter(answered),
    ).group_by(
        func.grouping_sets(
            tuple_(SR.service_type, SR.status),
            tuple_(SR.status, SR.decline_reason),
            tuple_(SR.service_type),
            tuple_(SR.to_org_id),
        )
    )
    # grouping() bits, highest first: service_type, status, decline_reason, to_org_id.
    by_type_status, declines, by_type, by_org = {}, {}, {}, {}
    for row in db.session.execute(query):
        service_type, status, reason, org, mask, count, due, late, answers, median = row
        count = int(count)
        if mask == 0b0011:
            by_type_status[(service_type, status)] = count
        elif mask == 0b1001:
            if status == ReferralStatus.DECLINED:
                declines[reason] = count
        else:
            figures = Timeliness(
                int(due), int(late), int(answers), None if median is None else float(median)
            )
            if mask == 0b0111:
                by_type[service_type] = figures
            else:
                by_org[org] = figures
    return {
        "by_type_status": by_type_status,
        "declines": declines,
        "timeliness service_type": by_type,
        "timeliness to_org_id": by_org,
    }


def case_summary(scope: Scope, filters: Filters) -> tuple[int, dict]:
    """(cases opened in the period, {closure reason: cases closed in the period}), in one
    statement over the cases opened or closed in the period."""
    opened = and_(SC.created_at >= filters.start_utc(), SC.created_at < filters.end_utc())
    closed = and_(SC.closed_at >= filters.start_utc(), SC.closed_at < filters.end_utc())
    query = (
        cases(scope, filters, SC.closure_reason, _flag(opened), _flag(closed))
        .where(or_(opened, closed))
        .group_by(SC.closure_reason)
    )
    total, by_reason = 0, {}
    for reason, opened_count, closed_count in db.session.execute(query):
        total += int(opened_count)
        if closed_count:
            by_reason[reason] = int(closed_count)
    return total, by_reason


def _flag_columns():
    return (
        _flag(SI.ala_kachuu.is_(True)),
        _flag(SI.early_marriage.is_(True)),
        _flag(SI.reporting_delay == ReportingDelay.D0_3),
    )


def _flags_of(count, ala_kachuu, early_marriage, within_72h) -> dict[str, int]:
    return {
        "total": int(count),
        "ala_kachuu": int(ala_kachuu),
        "early_marriage": int(early_marriage),
        "within_72h": int(within_72h),
    }


def incident_summary_split(scope: Scope, filters: Filters, dimensions, split: str) -> dict:
    """{value of `split`: incident_summary of the incidents with that value}: the
    summaries of a family of queries (crossquery.py) from one pass over the rows, one
    statement with GROUPING SETS on PostgreSQL, one per dimension elsewhere. A value
    with no incident has no entry."""
    split_key = _incident_key(split)
    others = [d for d in dimensions if d != split]
    keys = [_incident_key(d) for d in others]
    result: dict = {}

    def summary_of(value) -> dict:
        if value not in result:
            result[value] = {d: {} for d in dimensions}
        return result[value]

    if _dialect() == "postgresql" and keys:
        query = incidents(
            scope,
            filters,
            split_key,
            *keys,
            func.grouping(*keys),
            func.count(),
            *_flag_columns(),
        ).group_by(func.grouping_sets(*[tuple_(split_key, k) for k in keys], tuple_(split_key)))
        everything = (1 << len(keys)) - 1
        for row in db.session.execute(query):
            mask = row[1 + len(keys)]
            count = int(row[2 + len(keys)])
            target = summary_of(row[0])
            if mask == everything:
                target["flags"] = _flags_of(count, *row[-3:])
                continue
            position = len(keys) - (everything ^ mask).bit_length()
            target[others[position]][row[1 + position]] = count
    else:
        for dimension, key in zip(others, keys, strict=True):
            rows = db.session.execute(
                incidents(scope, filters, split_key, key, func.count()).group_by(split_key, key)
            )
            for value, group, count in rows:
                summary_of(value)[dimension][group] = int(count)
        rows = db.session.execute(
            incidents(scope, filters, split_key, func.count(), *_flag_columns()).group_by(split_key)
        )
        for value, *figures in rows:
            summary_of(value)["flags"] = _flags_of(*figures)
    for value, summary in result.items():
        if split in dimensions:
            summary[split] = {value: summary["flags"]["total"]}
    return result
