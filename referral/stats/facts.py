"""Keeping the statistics facts (`stats.models`) equal to the live rule.

`refresh_case(case_id)` is the one hook: every service that changes what a case
contributes to a figure (its incidents, primary perpetrators, reporting consent,
demographics, referrals and their answers, closure, erasure, transfer) calls it after
its flush, in its own transaction. It deletes the case's fact rows and inserts them
again from the live tables through the same population rule the live queries use
(`live.counted_case`), so a refreshed case is right by construction, and a
withdrawn consent or an erasure leaves no row behind in the same commit.

Why in the transaction rather than by a timer: a withdrawal of consent must remove the
incident from every figure computed afterwards; a timer would go on publishing it
until its next run. A refresh costs three deletes and three INSERT ... SELECT over one
case's rows, by primary and indexed keys.

`rebuild()` does the same for every case at once (`flask stats rebuild`: the backfill
after migration 0018, and a repair if rows were ever written around the services).
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, delete, func, insert, select

from referral.cases.models import Case, Incident, Perpetrator
from referral.extensions import db
from referral.referrals.models import Referral, ReferralStatus
from referral.stats.models import StatsCase, StatsIncident, StatsReferral

FACT_TABLES = (StatsIncident, StatsReferral, StatsCase)

# `stats.live` is imported where it is used: it reads the consent service, which
# imports this module for its hook.


def _month(column):
    """'YYYY-MM' of a date, on SQLite and PostgreSQL alike."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _cases_select(where):
    from referral.stats.live import counted_case

    return select(
        Case.id,
        Case.organisation_id,
        Case.residence_location_id,
        Case.sex,
        Case.age_band,
        Case.created_at,
        Case.closed_at,
        Case.closure_reason,
    ).where(counted_case(), *where)


def _primary_relationship():
    """The main perpetrator's relationship (the service keeps one main perpetrator per
    incident; the lowest value stands in should two ever be marked)."""
    return (
        select(func.min(Perpetrator.relationship_to_survivor))
        .where(Perpetrator.incident_id == Incident.id, Perpetrator.is_primary.is_(True))
        .correlate(Incident)
        .scalar_subquery()
    )


def _incidents_select(where):
    from referral.stats.live import counted_case

    return (
        select(
            Incident.id,
            Incident.case_id,
            Case.organisation_id,
            Case.residence_location_id,
            func.coalesce(Incident.location_id, Case.residence_location_id),
            Incident.report_date,
            _month(Incident.report_date),
            Incident.gbv_type,
            Case.sex,
            Case.age_band,
            _primary_relationship(),
            Incident.place_type,
            Incident.ala_kachuu,
            Incident.early_marriage,
            Incident.reporting_delay,
        )
        .select_from(Incident)
        .join(Case, Case.id == Incident.case_id)
        .where(counted_case(), *where)
    )


def _referrals_select(where):
    from referral.stats.live import counted_case

    return (
        select(
            Referral.id,
            Referral.case_id,
            Case.organisation_id,
            Case.residence_location_id,
            Case.sex,
            Case.age_band,
            Referral.to_org_id,
            Referral.service_type,
            Referral.status,
            Referral.decline_reason,
            Referral.sent_at,
            Referral.due_at,
            Referral.responded_at,
        )
        .select_from(Referral)
        .join(Case, Case.id == Referral.case_id)
        .where(and_(counted_case(), Referral.status != ReferralStatus.DRAFT), *where)
    )


_CASE_COLUMNS = (
    "case_id",
    "organisation_id",
    "residence_id",
    "sex",
    "age_band",
    "created_at",
    "closed_at",
    "closure_reason",
)
_INCIDENT_COLUMNS = (
    "incident_id",
    "case_id",
    "organisation_id",
    "residence_id",
    "place_id",
    "report_date",
    "month",
    "gbv_type",
    "sex",
    "age_band",
    "relationship",
    "place_type",
    "ala_kachuu",
    "early_marriage",
    "reporting_delay",
)
_REFERRAL_COLUMNS = (
    "referral_id",
    "case_id",
    "organisation_id",
    "residence_id",
    "sex",
    "age_band",
    "to_org_id",
    "service_type",
    "status",
    "decline_reason",
    "sent_at",
    "due_at",
    "responded_at",
)


def _fill(case_where, incident_where, referral_where, *, in_order: bool = False) -> None:
    """`in_order`: write the rows in the order of the dates the figures select by, as
    the live tables grow (incidents are reported today), so that a period is one
    contiguous stretch of the table rather than rows scattered over all of it."""
    session = db.session
    cases = _cases_select(case_where)
    incidents = _incidents_select(incident_where)
    referrals = _referrals_select(referral_where)
    if in_order:
        cases = cases.order_by(Case.created_at)
        incidents = incidents.order_by(Incident.report_date)
        referrals = referrals.order_by(Referral.sent_at)
    session.execute(insert(StatsCase).from_select(list(_CASE_COLUMNS), cases))
    session.execute(insert(StatsIncident).from_select(list(_INCIDENT_COLUMNS), incidents))
    session.execute(insert(StatsReferral).from_select(list(_REFERRAL_COLUMNS), referrals))


def refresh_case(case_id: uuid.UUID) -> None:
    """Make the case's fact rows equal to what the live rule counts of it now. Flushes
    first, so the caller's pending changes are what is read."""
    session = db.session
    session.flush()
    for model in FACT_TABLES:
        session.execute(delete(model).where(model.case_id == case_id))
    _fill([Case.id == case_id], [Incident.case_id == case_id], [Referral.case_id == case_id])


def rebuild() -> dict[str, int]:
    """Recompute every fact row; returns the rows written per table."""
    session = db.session
    session.flush()
    for model in FACT_TABLES:
        session.execute(delete(model))
    _fill([], [], [], in_order=True)
    return {
        model.__tablename__: int(session.execute(select(func.count()).select_from(model)).scalar())
        for model in FACT_TABLES
    }
