"""Perpetrators of an incident: the GBVIMS data points (plain) and an optional name
(encrypted: needed for a protection order, never for statistics). The first perpetrator
of an incident is its main one until another is marked; statistics count the main one.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from dataclasses import fields as dc_fields

from flask_babel import lazy_gettext as _l

from referral.auth.models import User
from referral.cases.models import AgeBand, Case, Incident, Perpetrator, PerpetratorRelationship, Sex
from referral.cases.service.assessment import clean_text, display_values
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    read_grant,
    record_event,
    write_grant,
)
from referral.crypto import fields
from referral.crypto import grants as U
from referral.extensions import db
from referral.stats import facts as stats_facts

PERPETRATOR_UNITS = frozenset({U.PERPETRATOR_NAME})


@dataclass(frozen=True)
class PerpetratorView:
    id: uuid.UUID
    lock_version: int
    is_primary: bool
    sex: Sex | None
    age_group: AgeBand
    relationship_to_survivor: PerpetratorRelationship
    lives_with_survivor: bool
    previous_gbv: bool
    name: str | None = None


def perpetrator_view(p: Perpetrator, grant) -> PerpetratorView:
    return PerpetratorView(
        p.id,
        p.lock_version,
        p.is_primary,
        p.sex,
        p.age_group,
        p.relationship_to_survivor,
        p.lives_with_survivor,
        p.previous_gbv,
        fields.read(p, "name", grant),
    )


@dataclass(frozen=True)
class PerpetratorInput:
    relationship_to_survivor: PerpetratorRelationship | None = None
    is_primary: bool = False
    sex: Sex | None = None
    age_group: AgeBand | None = None
    lives_with_survivor: bool = False
    previous_gbv: bool = False
    name: str | None = None


def _others(incident: Incident, perpetrator: Perpetrator | None) -> list[Perpetrator]:
    return [p for p in incident.perpetrators if perpetrator is None or p.id != perpetrator.id]


def clean_perpetrator(
    incident: Incident, data: PerpetratorInput, perpetrator: Perpetrator | None = None
) -> dict:
    problems = Problems()
    others = _others(incident, perpetrator)
    if data.relationship_to_survivor is None:
        problems.add(
            "relationship_to_survivor",
            _l("Choose the relationship to the survivor (or “Not known”)."),
        )
    limit = incident.perpetrator_count.limit if incident.perpetrator_count else None
    if perpetrator is None and limit is not None and len(others) >= limit:
        problems.add(
            None,
            _l(
                "The incident says how many perpetrators there were, and that many are "
                "recorded. Change the number on the incident first."
            ),
        )
    if perpetrator is not None and perpetrator.is_primary and not data.is_primary and others:
        problems.add(
            "is_primary", _l("One perpetrator must be the main one: mark another one instead.")
        )
    problems.raise_if_any(CaseError)
    return {
        "relationship_to_survivor": data.relationship_to_survivor,
        # The first perpetrator of an incident is its main one (statistics count it).
        "is_primary": data.is_primary or not any(p.is_primary for p in others),
        "sex": data.sex,
        "age_group": data.age_group or AgeBand.UNKNOWN,
        "lives_with_survivor": data.lives_with_survivor,
        "previous_gbv": data.previous_gbv,
    }


def _save_perpetrator(incident, perpetrator, values, name, grant) -> None:
    # Loading the case key must not autoflush a half-written row (see incidents).
    with db.session.no_autoflush:
        if values["is_primary"]:
            for other in _others(incident, perpetrator):
                other.is_primary = False
        for key, value in values.items():
            setattr(perpetrator, key, value)
        fields.write(perpetrator, "name", clean_text(name), grant)


def add_perpetrator(
    user: User, case: Case, incident: Incident, data: PerpetratorInput
) -> Perpetrator:
    grant = write_grant(user, case, PERPETRATOR_UNITS)
    values = clean_perpetrator(incident, data)
    perpetrator = Perpetrator(
        case=case, case_id=case.id, incident=incident, incident_id=incident.id
    )
    db.session.add(perpetrator)
    _save_perpetrator(incident, perpetrator, values, data.name, grant)
    db.session.flush()
    record_event(case, "perpetrator_recorded", target=perpetrator)
    audit_case("sensitive_create", case, PERPETRATOR_UNITS, perpetrator=perpetrator.id)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return perpetrator


def update_perpetrator(
    user: User,
    case: Case,
    perpetrator: Perpetrator,
    data: PerpetratorInput,
    lock_version: int | None,
) -> Perpetrator:
    grant = write_grant(user, case, PERPETRATOR_UNITS)
    if lock_version is None or int(lock_version) != perpetrator.lock_version:
        current = perpetrator_values(user, case, perpetrator)
        submitted = {
            **asdict(data),
            "age_group": data.age_group or AgeBand.UNKNOWN,
            "name": clean_text(data.name),
        }
        changed = [k for k in submitted if current.get(k) != submitted[k]]
        raise StaleError(changed, display_values(current))
    incident = perpetrator.incident
    values = clean_perpetrator(incident, data, perpetrator)
    _save_perpetrator(incident, perpetrator, values, data.name, grant)
    db.session.flush()
    record_event(case, "perpetrator_updated", target=perpetrator)
    audit_case("sensitive_update", case, PERPETRATOR_UNITS, perpetrator=perpetrator.id)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return perpetrator


def perpetrator_values(user: User, case: Case, perpetrator: Perpetrator) -> dict:
    grant = read_grant(user, case, PERPETRATOR_UNITS)
    values = {
        f.name: getattr(perpetrator, f.name)
        for f in dc_fields(PerpetratorInput)
        if f.name != "name"
    }
    values["name"] = fields.read(perpetrator, "name", grant)
    values["lock_version"] = perpetrator.lock_version
    audit_case("sensitive_read", case, PERPETRATOR_UNITS, perpetrator=perpetrator.id)
    return values
