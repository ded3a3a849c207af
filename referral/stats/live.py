"""The live statistics queries: the reference the facts tables are checked against.

The pages read `stats.queries` (the same figures from the facts tables); this module
keeps the rule over the live tables, for `stats.facts` (which fills the facts through
`counted_case`) and for the test that proves the facts equal these figures. GROUP BY
over plain columns, in the database.

Nothing here loads a case, an incident or a referral into Python: every function
returns grouped counts (or a median per group). The population is always the same:
incidents (and the cases and referrals behind them) whose case is not erased and whose
latest reporting consent is "given", inside the user's scope and the filters. No
encrypted column is named, so no decryption can happen (tests/stats count them).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache

from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    true,
)

from referral.cases.models import Case, CaseStatus, ClientFeedback, Incident, Perpetrator
from referral.cases.models.assessment import ReportingDelay
from referral.cases.models.consent import ConsentKind
from referral.cases.models.plan import OrderKind, OrderStatus, ProtectionOrder
from referral.cases.models.plan import ProtectionOrderViolation as Violation
from referral.cases.service.consent import consented_clause
from referral.directory.models import Organisation
from referral.extensions import db
from referral.referrals.models import Referral, ReferralStatus
from referral.stats.policy import Scope, ScopeKind
from referral.stats.queries import Filters, Timeliness


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def month_of(column):
    """'YYYY-MM' of a date column, on SQLite and PostgreSQL alike."""
    if _dialect() == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def hours_between(later, earlier):
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


# --- the population -------------------------------------------------------------------


@cache
def counted_case():
    """Cases that may be counted at all: not erased, reporting consent in force. Built
    once: an expression is immutable, and building its subquery costs more than
    running it on a small table."""
    return and_(
        Case.erased_at.is_(None),
        Case.status != CaseStatus.ERASED,
        consented_clause(ConsentKind.REPORTING),
    )


def _ids(ids) -> list[uuid.UUID]:
    return list(ids or ())


def case_in_area(ids) -> object:
    """The case lives in the area, or one of its incidents happened there."""
    ids = _ids(ids)
    if not ids:
        return false()
    return or_(
        Case.residence_location_id.in_(ids),
        exists().where(Incident.case_id == Case.id, Incident.location_id.in_(ids)),
    )


def incident_place():
    return func.coalesce(Incident.location_id, Case.residence_location_id)


def _referred_to(org_id: uuid.UUID):
    return exists().where(
        Referral.case_id == Case.id,
        Referral.to_org_id == org_id,
        Referral.status != ReferralStatus.DRAFT,
    )


def case_scope(scope: Scope):
    """The scope as a condition on `Case`."""
    if scope.kind == ScopeKind.NATIONAL:
        return true()
    if scope.kind == ScopeKind.ORGANISATION:
        return Case.organisation_id == scope.organisation_id
    if scope.kind == ScopeKind.PROVIDER:
        return _referred_to(scope.organisation_id)
    return case_in_area(scope.location_ids)


def _case_filters(filters: Filters) -> list:
    conditions = []
    if filters.age_band is not None:
        conditions.append(Case.age_band == filters.age_band)
    if filters.sex is not None:
        conditions.append(Case.sex == filters.sex)
    if filters.gbv_type is not None:
        conditions.append(
            exists().where(Incident.case_id == Case.id, Incident.gbv_type == filters.gbv_type)
        )
    if filters.area_ids is not None:
        conditions.append(case_in_area(filters.area_ids))
    return conditions


def incidents(scope: Scope, filters: Filters, *columns):
    """SELECT columns FROM incidents JOIN cases, with the whole population rule."""
    if scope.kind == ScopeKind.AREA:
        in_scope = incident_place().in_(_ids(scope.location_ids)) if scope.location_ids else false()
    else:
        in_scope = case_scope(scope)
    query = (
        select(*columns)
        .select_from(Incident)
        .join(Case, Case.id == Incident.case_id)
        .where(
            counted_case(),
            in_scope,
            Incident.report_date >= filters.start,
            Incident.report_date < filters.end,
        )
    )
    if filters.gbv_type is not None:
        query = query.where(Incident.gbv_type == filters.gbv_type)
    if filters.age_band is not None:
        query = query.where(Case.age_band == filters.age_band)
    if filters.sex is not None:
        query = query.where(Case.sex == filters.sex)
    if filters.area_ids is not None:
        query = query.where(incident_place().in_(_ids(filters.area_ids)))
    return query


def referrals(scope: Scope, filters: Filters, *columns):
    """SELECT columns FROM referrals JOIN cases: sent referrals of counted cases."""
    if scope.kind == ScopeKind.PROVIDER:
        in_scope = Referral.to_org_id == scope.organisation_id
    else:
        in_scope = case_scope(scope)
    return (
        select(*columns)
        .select_from(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(
            counted_case(),
            in_scope,
            Referral.status != ReferralStatus.DRAFT,
            Referral.sent_at >= filters.start_utc(),
            Referral.sent_at < filters.end_utc(),
            *_case_filters(filters),
        )
    )


def cases(scope: Scope, filters: Filters, *columns):
    return (
        select(*columns)
        .select_from(Case)
        .where(counted_case(), case_scope(scope), *_case_filters(filters))
    )


# --- grouped counts -------------------------------------------------------------------


def _grouped(query, key) -> dict:
    rows = db.session.execute(query.group_by(key)).all()
    return {row[0]: int(row[1]) for row in rows}


def _primary():
    return and_(Perpetrator.incident_id == Incident.id, Perpetrator.is_primary.is_(True))


def _incident_key(dimension: str):
    keys = {
        "month": lambda: month_of(Incident.report_date),
        "gbv_type": lambda: Incident.gbv_type,
        "age_band": lambda: Case.age_band,
        "sex": lambda: Case.sex,
        "relationship": lambda: Perpetrator.relationship_to_survivor,
        "place_type": lambda: Incident.place_type,
        "reporting_delay": lambda: Incident.reporting_delay,
        "place": incident_place,
    }
    return keys[dimension]()


def _incidents_with(scope: Scope, filters: Filters, dimensions, *columns):
    query = incidents(scope, filters, *columns)
    if "relationship" in dimensions:
        query = query.outerjoin(Perpetrator, _primary())
    return query


def incidents_by(scope: Scope, filters: Filters, dimension: str) -> dict:
    key = _incident_key(dimension)
    return _grouped(_incidents_with(scope, filters, [dimension], key, func.count()), key)


def incidents_by_pair(scope: Scope, filters: Filters, first: str, second: str) -> dict:
    a, b = _incident_key(first), _incident_key(second)
    query = _incidents_with(scope, filters, [first, second], a, b, func.count())
    rows = db.session.execute(query.group_by(a, b))
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
            _flag(Incident.ala_kachuu.is_(True)),
            _flag(Incident.early_marriage.is_(True)),
            _flag(Incident.reporting_delay == ReportingDelay.D0_3),
        )
    ).one()
    return {
        "total": int(row[0]),
        "ala_kachuu": int(row[1]),
        "early_marriage": int(row[2]),
        "within_72h": int(row[3]),
    }


def referrals_by_type_status(scope: Scope, filters: Filters) -> dict[tuple, int]:
    query = referrals(scope, filters, Referral.service_type, Referral.status, func.count())
    rows = db.session.execute(query.group_by(Referral.service_type, Referral.status)).all()
    return {(row[0], row[1]): int(row[2]) for row in rows}


def declines_by_reason(scope: Scope, filters: Filters) -> dict:
    query = referrals(scope, filters, Referral.decline_reason, func.count()).where(
        Referral.status == ReferralStatus.DECLINED
    )
    return _grouped(query, Referral.decline_reason)


def _overdue(now: datetime):
    return and_(
        Referral.due_at.is_not(None),
        or_(
            Referral.responded_at > Referral.due_at,
            and_(Referral.responded_at.is_(None), Referral.due_at < now),
        ),
    )


def referrals_by_org_type_status(scope: Scope, filters: Filters) -> dict[tuple, int]:
    query = referrals(scope, filters, Organisation.org_type, Referral.status, func.count()).join(
        Organisation, Organisation.id == Referral.to_org_id
    )
    rows = db.session.execute(query.group_by(Organisation.org_type, Referral.status)).all()
    return {(row[0], row[1]): int(row[2]) for row in rows}


def timeliness_by(scope: Scope, filters: Filters, dimension: str, now: datetime) -> dict:
    """Per group: referrals with a deadline, overdue ones, answered ones and the median
    hours from sending to the first answer. The median is computed in SQL with window
    functions (row_number, count over the group), which SQLite and PostgreSQL both run
    the same way: the middle row, or the mean of the two middle rows."""
    key = {"service_type": Referral.service_type, "to_org_id": Referral.to_org_id}[dimension]
    counts = db.session.execute(
        referrals(
            scope,
            filters,
            key,
            _flag(Referral.due_at.is_not(None)),
            _flag(_overdue(now)),
        ).group_by(key)
    ).all()
    hours = cast(hours_between(Referral.responded_at, Referral.sent_at), Float)
    ranked = (
        referrals(
            scope,
            filters,
            key.label("g"),
            hours.label("h"),
            func.row_number().over(partition_by=key, order_by=hours).label("rn"),
            func.count().over(partition_by=key).label("n"),
        )
        .where(Referral.responded_at.is_not(None))
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
    violated = or_(
        ProtectionOrder.status == OrderStatus.VIOLATED,
        exists().where(Violation.order_id == ProtectionOrder.id),
    )
    extended = or_(
        ProtectionOrder.kind == OrderKind.EXTENDED, ProtectionOrder.extended_until.is_not(None)
    )
    query = (
        cases(scope, filters, func.count(), _flag(extended), _flag(violated))
        .join(ProtectionOrder, ProtectionOrder.case_id == Case.id)
        .where(ProtectionOrder.issued_on >= filters.start, ProtectionOrder.issued_on < filters.end)
    )
    row = db.session.execute(query).one()
    return {"issued": int(row[0]), "extended": int(row[1]), "violated": int(row[2])}


def cases_opened(scope: Scope, filters: Filters) -> int:
    query = cases(scope, filters, func.count()).where(
        Case.created_at >= filters.start_utc(), Case.created_at < filters.end_utc()
    )
    return int(db.session.execute(query).scalar() or 0)


def cases_closed_by_reason(scope: Scope, filters: Filters) -> dict:
    query = cases(scope, filters, Case.closure_reason, func.count()).where(
        Case.closed_at >= filters.start_utc(), Case.closed_at < filters.end_utc()
    )
    return _grouped(query, Case.closure_reason)


def satisfaction(scope: Scope, filters: Filters) -> dict | None:
    """Client feedback at closure, by overall satisfaction. Feedback is unlinkable by
    design (no case, no person, month only), so it is counted by the centre that
    collected it and cannot be narrowed by type, age or sex: None then, and for a
    provider's scope, which has no centre of its own."""
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


def incident_summary(scope: Scope, filters: Filters, dimensions) -> dict:
    result = {d: incidents_by(scope, filters, d) for d in dimensions}
    result["flags"] = incident_flags(scope, filters)
    return result


def referral_summary(scope: Scope, filters: Filters, now: datetime) -> dict:
    return {
        "by_type_status": referrals_by_type_status(scope, filters),
        "declines": declines_by_reason(scope, filters),
        "timeliness service_type": timeliness_by(scope, filters, "service_type", now),
        "timeliness to_org_id": timeliness_by(scope, filters, "to_org_id", now),
    }


def case_summary(scope: Scope, filters: Filters) -> tuple[int, dict]:
    return cases_opened(scope, filters), cases_closed_by_reason(scope, filters)
