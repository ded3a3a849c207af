"""Assessment rules that derive from the record: the GBVIMS classification, the
time-of-day band, the reporting delay and the medical windows after sexual violence, and
the open windows of a user's cases for the home page.

Classification (domain.md §2.1): the caseworker answers the tool's six questions in
order; the first "yes" decides the type (ala kachuu with rape is rape, with the ala
kachuu flag beside it).

Medical windows (domain.md §2.4): PEP within 72 hours, emergency contraception within
120 hours. They are shown for rape and sexual assault, and for any incident on which the
caseworker ticked "possible sexual violence": the type follows the first yes, so a
physical assault may still have been sexual, and the flag keeps the windows visible
without changing the statistics. Everything that depends on the clock takes `now`.

The steps themselves live in `service.incidents`, `service.perpetrators` and
`service.risk`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from referral.auth.models import User
from referral.cases import policy
from referral.cases.models import Case, CaseStatus, GBVType, Incident, ReportingDelay, TimeOfDay
from referral.cases.service.common import audit_case
from referral.cases.timeutil import hours_between
from referral.db import utcnow
from referral.extensions import db

PEP_HOURS = 72
EC_HOURS = 120
SEXUAL_TYPES = (GBVType.RAPE, GBVType.SEXUAL_ASSAULT)

# The classification tool, in its order: (answer field, the type a "yes" gives).
QUESTIONS = (
    ("q_penetration", GBVType.RAPE),
    ("q_sexual_contact", GBVType.SEXUAL_ASSAULT),
    ("q_physical_assault", GBVType.PHYSICAL_ASSAULT),
    ("q_forced_marriage", GBVType.FORCED_MARRIAGE),
    ("q_denial", GBVType.DENIAL),
    ("q_psychological", GBVType.PSYCHOLOGICAL),
)
ANSWERS = tuple(name for name, _type in QUESTIONS)


def clean_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def audit_stale_read(case: Case, units, **ids) -> None:
    """A stale save showed the saved values (decrypted); the rollback that keeps nothing
    of the refused save dropped the audit of that read too, so it is recorded again."""
    audit_case("sensitive_read", case, units, **ids)


def display_values(values: dict) -> dict:
    """Saved values as the stale-form notice shows them: yes/no for booleans, labels
    for lists of codes (ids and numbers stay as they are)."""
    shown = {}
    for key, value in values.items():
        if isinstance(value, bool):
            value = _l("Yes") if value else _l("No")
        elif isinstance(value, list | tuple):
            value = "; ".join(getattr(v, "label", str(v)) for v in value)
        shown[key] = value
    return shown


def classify(answers: dict) -> GBVType:
    """The type the tool gives: the first question answered "yes"."""
    for name, gbv_type in QUESTIONS:
        if answers.get(name):
            return gbv_type
    return GBVType.NON_GBV


def band_for_time(moment: time) -> TimeOfDay:
    if 6 <= moment.hour < 12:
        return TimeOfDay.MORNING
    if 12 <= moment.hour < 18:
        return TimeOfDay.AFTERNOON
    return TimeOfDay.EVENING_NIGHT


def reporting_delay(incident_date: date, report_date: date) -> ReportingDelay:
    return ReportingDelay.for_days((report_date - incident_date).days)


@dataclass(frozen=True)
class MedicalWindows:
    """Hours since the incident and the hours left in each window (None: closed)."""

    hours_since: float
    pep_hours_left: float | None
    ec_hours_left: float | None

    @property
    def pep_open(self) -> bool:
        return self.pep_hours_left is not None

    @property
    def ec_open(self) -> bool:
        return self.ec_hours_left is not None

    @property
    def any_open(self) -> bool:
        return self.ec_open or self.pep_open


def medical_windows(occurred_at: datetime, now: datetime | None = None) -> MedicalWindows:
    hours = max(0.0, hours_between(occurred_at, now or utcnow()))
    return MedicalWindows(
        hours,
        PEP_HOURS - hours if hours < PEP_HOURS else None,
        EC_HOURS - hours if hours < EC_HOURS else None,
    )


@dataclass(frozen=True)
class OpenWindow:
    """One incident of the user's cases whose medical windows are still open."""

    case_id: uuid.UUID
    case_code: str
    incident_id: uuid.UUID
    hours_since: float
    pep_hours_left: float | None
    ec_hours_left: float | None


def open_medical_windows(user: User, now: datetime | None = None) -> list[OpenWindow]:
    """For the home page: incidents of the user's open cases (policy.visible_clause)
    whose emergency-contraception window (120 h) is still open, the most urgent first.
    One query, on the occurred_at index; codes and ids only, nothing decrypted."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Incident.case_id, Case.case_code, Incident.id, Incident.occurred_at)
        .join(Case, Case.id == Incident.case_id)
        .where(
            policy.visible_clause(user),
            Case.status.in_((CaseStatus.OPEN, CaseStatus.CLOSURE_REQUESTED)),
            Incident.occurred_at > now - timedelta(hours=EC_HOURS),
            Incident.occurred_at <= now,
            or_(Incident.gbv_type.in_(SEXUAL_TYPES), Incident.possible_sexual_violence.is_(True)),
        )
        .order_by(Incident.occurred_at, Incident.id)
    ).all()
    windows = []
    for case_id, code, incident_id, occurred_at in rows:
        w = medical_windows(occurred_at, now)
        if w.any_open:
            windows.append(
                OpenWindow(
                    case_id, code, incident_id, w.hours_since, w.pep_hours_left, w.ec_hours_left
                )
            )
    return windows
