"""Incidents: the classification answers, the local flags, the Kyrgyz legal category,
the dates, the place and the narrative (encrypted).

Times: the incident date and time are typed in Asia/Bishkek and stored in UTC. Without
a known time the incident counts from midday of that day (or from now, if that is
earlier), so hours and windows are then approximate, to about half a day.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from referral.auth.models import User
from referral.cases.models import (
    AbductionType,
    Case,
    GBVType,
    Incident,
    LegalCategory,
    MarriageRegistration,
    Perpetrator,
    PerpetratorCount,
    PlaceType,
    ReportingDelay,
    TimeOfDay,
)
from referral.cases.service.assessment import (
    ANSWERS,
    MedicalWindows,
    band_for_time,
    classify,
    clean_text,
    display_values,
    medical_windows,
    reporting_delay,
)
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    check_readable,
    read_grant,
    record_event,
    write_grant,
)
from referral.cases.service.intake import RESIDENCE_LEVELS
from referral.cases.service.perpetrators import (
    PERPETRATOR_UNITS,
    PerpetratorView,
    perpetrator_view,
)
from referral.cases.timeutil import to_local, to_utc
from referral.crypto import fields
from referral.crypto import grants as U
from referral.db import utcnow
from referral.directory.models import Location
from referral.extensions import db
from referral.stats import facts as stats_facts

FLAGS = (
    "possible_sexual_violence",
    "ala_kachuu",
    "early_marriage",
    "money_goods_exchanged",
    "reported_to_police",
    "reported_to_health",
    "previous_incidents",
)
CHOICES = (
    "abduction_type",
    "marriage_registration",
    "legal_category",
    "place_type",
    "location_id",
    "perpetrator_count",
)
INCIDENT_UNITS = frozenset({U.NARRATIVE})
READ_UNITS = INCIDENT_UNITS | PERPETRATOR_UNITS


@dataclass(frozen=True)
class IncidentInput:
    """What the incident form gives; its field names are the form's."""

    incident_date: date | None
    incident_time: time | None = None
    time_of_day: TimeOfDay | None = None
    report_date: date | None = None
    q_penetration: bool | None = None
    q_sexual_contact: bool | None = None
    q_physical_assault: bool | None = None
    q_forced_marriage: bool | None = None
    q_denial: bool | None = None
    q_psychological: bool | None = None
    possible_sexual_violence: bool = False
    ala_kachuu: bool = False
    early_marriage: bool = False
    money_goods_exchanged: bool = False
    abduction_type: AbductionType | None = None
    reported_to_police: bool = False
    reported_to_health: bool = False
    previous_incidents: bool = False
    marriage_registration: MarriageRegistration | None = None
    legal_category: LegalCategory | None = None
    place_type: PlaceType | None = None
    location_id: uuid.UUID | None = None
    perpetrator_count: PerpetratorCount | None = None
    narrative: str | None = None


def clean_incident(
    data: IncidentInput, now: datetime, recorded_perpetrators: int = 0
) -> tuple[dict, str | None]:
    """Every rule of an incident at once. Returns the plain column values and the
    narrative; CaseError lists each broken rule on its field."""
    problems = Problems()
    local_today = to_local(now).date()
    report_date = data.report_date or local_today
    if data.report_date is not None and data.report_date > local_today:
        problems.add("report_date", _l("The report date cannot be in the future."))
    occurred_at = None
    if data.incident_date is None:
        problems.add("incident_date", _l("Enter the date of the incident."))
    elif data.incident_date > local_today:
        problems.add("incident_date", _l("The incident cannot be in the future."))
    else:
        occurred_at = to_utc(data.incident_date, data.incident_time)
        if data.incident_time is None:
            occurred_at = min(occurred_at, now)  # today, time not known: not after now
        elif occurred_at > now:
            problems.add("incident_time", _l("The incident cannot be in the future."))
        if data.incident_date > report_date:
            problems.add(
                "incident_date",
                _l("The incident cannot be after the date it was first reported to us."),
            )
    answers = {name: getattr(data, name) for name in ANSWERS}
    for name in ANSWERS:
        if answers[name]:
            break
        if answers[name] is None:
            problems.add(name, _l("Answer this question: the questions stop at the first yes."))
    time_of_day = data.time_of_day or TimeOfDay.UNKNOWN
    if data.incident_time is not None:
        derived = band_for_time(data.incident_time)
        if data.time_of_day not in (None, TimeOfDay.UNKNOWN, derived):
            problems.add(
                "time_of_day", _l("The time of day does not match the time of the incident.")
            )
        time_of_day = derived
    if data.location_id is not None:
        location = db.session.get(Location, data.location_id)
        if location is None or location.level not in RESIDENCE_LEVELS:
            problems.add("location_id", _l("Choose a rayon or a city district from the list."))
    limit = data.perpetrator_count.limit if data.perpetrator_count else None
    if limit is not None and recorded_perpetrators > limit:
        problems.add(
            "perpetrator_count",
            _l("More perpetrators are recorded on this incident than this number."),
        )
    problems.raise_if_any(CaseError)
    abduction = data.abduction_type
    if abduction is None:
        # Bride kidnapping is recorded as an abduction (domain.md §2.1) unless said otherwise.
        abduction = AbductionType.OTHER if data.ala_kachuu else AbductionType.NONE
    values = {
        **answers,
        **{name: bool(getattr(data, name)) for name in FLAGS},
        **{name: getattr(data, name) for name in CHOICES},
        "abduction_type": abduction,
        "gbv_type": classify(answers),
        "occurred_at": occurred_at,
        "is_time_known": data.incident_time is not None,
        "time_of_day": time_of_day,
        "report_date": report_date,
        "reporting_delay": reporting_delay(data.incident_date, report_date),
    }
    return values, clean_text(data.narrative)


def add_incident(
    user: User, case: Case, data: IncidentInput, now: datetime | None = None
) -> Incident:
    grant = write_grant(user, case, INCIDENT_UNITS)
    values, narrative = clean_incident(data, now or utcnow())
    # Loading the case key must not autoflush a half-written row (two versions, or a
    # row without its ciphertext).
    with db.session.no_autoflush:
        incident = Incident(case=case, case_id=case.id, created_by_id=user.id, **values)
        db.session.add(incident)
        fields.write(incident, "narrative", narrative, grant)
    db.session.flush()
    record_event(case, "incident_recorded", target=incident, detail=_event_detail(incident))
    audit_case("sensitive_create", case, INCIDENT_UNITS, incident=incident.id)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return incident


def update_incident(
    user: User,
    case: Case,
    incident: Incident,
    data: IncidentInput,
    lock_version: int | None,
    now: datetime | None = None,
) -> Incident:
    """Replace the incident record. A stale `lock_version` raises StaleError naming the
    fields whose saved value differs from what was submitted."""
    grant = write_grant(user, case, INCIDENT_UNITS)
    if lock_version is None or int(lock_version) != incident.lock_version:
        current = incident_values(user, case, incident)
        submitted = _as_saved(data, now or utcnow())
        changed = [k for k in submitted if current.get(k) != submitted[k]]
        location = (
            db.session.get(Location, current["location_id"]) if current["location_id"] else None
        )
        shown = display_values({**current, "location_id": location.name if location else None})
        raise StaleError(changed, shown)
    count = len(incident.perpetrators)
    values, narrative = clean_incident(data, now or utcnow(), recorded_perpetrators=count)
    with db.session.no_autoflush:
        for name, value in values.items():
            setattr(incident, name, value)
        fields.write(incident, "narrative", narrative, grant)
    db.session.flush()
    record_event(case, "incident_updated", target=incident, detail=_event_detail(incident))
    audit_case("sensitive_update", case, INCIDENT_UNITS, incident=incident.id)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return incident


def _as_saved(data: IncidentInput, now: datetime) -> dict:
    """The submission in the form's terms as it would be saved (defaults and derived
    values filled in), to name the fields that really differ on a stale save."""
    submitted = asdict(data)
    try:
        values, narrative = clean_incident(data, now)
    except CaseError:
        return submitted
    return {
        **submitted,
        **{k: v for k, v in values.items() if k in submitted},
        "narrative": narrative,
    }


def _event_detail(incident: Incident) -> dict:
    return {"gbv_type": incident.gbv_type.value}


def incident_values(user: User, case: Case, incident: Incident) -> dict:
    """The incident as its form's fields (the narrative decrypted, audited), plus its
    version: to fill the edit form and to show what changed on a stale save."""
    grant = read_grant(user, case, INCIDENT_UNITS)
    local = to_local(incident.occurred_at)
    plain = (*ANSWERS, *FLAGS, *CHOICES, "time_of_day", "report_date")
    values = {name: getattr(incident, name) for name in plain}
    values.update(
        incident_date=local.date(),
        incident_time=local.time().replace(second=0, microsecond=0)
        if incident.is_time_known
        else None,
        narrative=fields.read(incident, "narrative", grant),
        lock_version=incident.lock_version,
    )
    audit_case("sensitive_read", case, INCIDENT_UNITS, incident=incident.id)
    return values


@dataclass(frozen=True)
class IncidentView:
    """An incident as the case page shows it: plain fields, the narrative and the
    perpetrators' names decrypted, the medical windows when they apply."""

    id: uuid.UUID
    lock_version: int
    gbv_type: GBVType
    answers: dict
    flags: dict
    abduction_type: AbductionType
    marriage_registration: MarriageRegistration | None
    legal_category: LegalCategory | None
    occurred_local: datetime
    is_time_known: bool
    time_of_day: TimeOfDay
    report_date: date
    reporting_delay: ReportingDelay
    place_type: PlaceType | None
    location_name: str | None
    perpetrator_count: PerpetratorCount | None
    narrative: str | None
    perpetrators: tuple[PerpetratorView, ...]
    windows: MedicalWindows
    shows_medical_windows: bool

    @property
    def windows_open(self) -> bool:
        return self.shows_medical_windows and self.windows.any_open

    @property
    def can_add_perpetrator(self) -> bool:
        limit = self.perpetrator_count.limit if self.perpetrator_count else None
        return limit is None or len(self.perpetrators) < limit


def read_incidents(user: User, case: Case, now: datetime | None = None) -> list[IncidentView]:
    """The case's incidents, oldest first, with their perpetrators (two queries, plus one
    for the rayon names); audited as one read of the narrative and name units."""
    check_readable(case)
    incidents = list(
        db.session.execute(
            select(Incident)
            .where(Incident.case_id == case.id)
            .order_by(Incident.occurred_at, Incident.created_at)
        ).scalars()
    )
    if not incidents:
        return []
    perpetrators: dict[uuid.UUID, list[Perpetrator]] = {i.id: [] for i in incidents}
    for p in db.session.execute(
        select(Perpetrator)
        .where(Perpetrator.case_id == case.id)
        .order_by(Perpetrator.is_primary.desc(), Perpetrator.created_at)
    ).scalars():
        perpetrators.setdefault(p.incident_id, []).append(p)
    location_ids = {i.location_id for i in incidents if i.location_id}
    names = {}
    if location_ids:
        locations = db.session.execute(select(Location).where(Location.id.in_(location_ids)))
        names = {loc.id: loc.name for loc in locations.scalars()}
    grant = read_grant(user, case, READ_UNITS)
    now = now or utcnow()
    views = [
        IncidentView(
            id=i.id,
            lock_version=i.lock_version,
            gbv_type=i.gbv_type,
            answers={name: getattr(i, name) for name in ANSWERS},
            flags={name: getattr(i, name) for name in FLAGS},
            abduction_type=i.abduction_type,
            marriage_registration=i.marriage_registration,
            legal_category=i.legal_category,
            occurred_local=to_local(i.occurred_at),
            is_time_known=i.is_time_known,
            time_of_day=i.time_of_day,
            report_date=i.report_date,
            reporting_delay=i.reporting_delay,
            place_type=i.place_type,
            location_name=names.get(i.location_id),
            perpetrator_count=i.perpetrator_count,
            narrative=fields.read(i, "narrative", grant),
            perpetrators=tuple(perpetrator_view(p, grant) for p in perpetrators[i.id]),
            windows=medical_windows(i.occurred_at, now),
            shows_medical_windows=i.shows_medical_windows,
        )
        for i in incidents
    ]
    audit_case("sensitive_read", case, READ_UNITS, incidents=len(views))
    return views
