"""Assessment: incidents, perpetrators, risk and needs, every endpoint x role x case
scope (own, assigned, a colleague's, another centre's, erased, missing), GET and POST.

Caseworkers change the assessment of their own and assigned cases, supervisors of every
case of their centre; other roles have no case permission (403); out of scope is 404;
an erased case answers 410 before any record is looked up; a record id that is not one
of this case's records answers 404.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import tests.access.cases  # noqa: F401  (registers the case builders)
from referral.cases.models import PerpetratorRelationship
from referral.cases.service import assessment, incidents, perpetrators
from referral.cases.service.common import today
from tests.access.cases import _case_url, _reader
from tests.access.matrix import NOT_FOUND, REDIRECT, Entry, builder, only

SCOPES = ("own", "assigned", "colleague", "other_org", "erased", "missing")
VISIBLE = ("own", "assigned", "colleague", "other_org")
NO = dict.fromkeys(assessment.ANSWERS, "no")


def _records(scope: str):
    @builder(f"assessment_records:{scope}")
    def build(world):
        case = world.get(f"{scope}_case")
        incident = incidents.add_incident(
            case.owner,
            case,
            incidents.IncidentInput(incident_date=today() - timedelta(days=1), q_penetration=True),
        )
        perpetrator = perpetrators.add_perpetrator(
            case.owner,
            case,
            incident,
            perpetrators.PerpetratorInput(PerpetratorRelationship.UNKNOWN),
        )
        return {"incidents": incident.id, "perpetrators": perpetrator.id}

    return build


for _scope in VISIBLE:
    _records(_scope)


def _record_url(scope: str, kind: str, suffix: str):
    """A record of a case of `scope`; for an erased or missing case (or the
    `missing-record` scope) an id that names no record."""

    def url(world):
        if scope in VISIBLE:
            record_id = world.get(f"assessment_records:{scope}")[kind]
        else:
            record_id = uuid.uuid4()
        case_scope = "own" if scope == "missing-record" else scope
        return _case_url(case_scope, f"/{kind}/{record_id}{suffix}")(world)

    return url


def _incident(extra: dict | None = None):
    return lambda world: {
        **NO,
        "q_physical_assault": "yes",
        "incident_date": today().isoformat(),
        **(extra or {}),
    }


PERPETRATOR = {"relationship_to_survivor": "unknown"}
EDIT = {"lock_version": "1"}

# (endpoint, URL for a scope, POST data)
ENDPOINTS = [
    ("cases.incident_new", lambda s: _case_url(s, "/incidents/new"), _incident()),
    (
        "cases.incident_edit",
        lambda s: _record_url(s, "incidents", "/edit"),
        _incident(EDIT),
    ),
    (
        "cases.perpetrator_new",
        lambda s: _record_url(s, "incidents", "/perpetrators/new"),
        PERPETRATOR,
    ),
    (
        "cases.perpetrator_edit",
        lambda s: _record_url(s, "perpetrators", "/edit"),
        {**PERPETRATOR, **EDIT},
    ),
    ("cases.risk_new", lambda s: _case_url(s, "/risk/new"), {"level": "low"}),
    ("cases.needs_new", lambda s: _case_url(s, "/needs/new"), {"safety_priority": "low"}),
]

ENTRIES = []
for _scope in SCOPES:
    for endpoint, url, data in ENDPOINTS:
        ENTRIES += [
            Entry(endpoint, url(_scope), only(_reader(_scope)), scope=_scope),
            Entry(
                endpoint,
                url(_scope),
                only(_reader(_scope, caseworker=REDIRECT, supervisor=REDIRECT), method="POST"),
                method="POST",
                scope=f"{_scope}-submit",
                data=data,
            ),
        ]

# A record id that is not one of this (own) case's records: 404 for both case roles.
for endpoint, url in (
    ("cases.incident_edit", _record_url("missing-record", "incidents", "/edit")),
    ("cases.perpetrator_new", _record_url("missing-record", "incidents", "/perpetrators/new")),
    ("cases.perpetrator_edit", _record_url("missing-record", "perpetrators", "/edit")),
):
    ENTRIES.append(
        Entry(
            endpoint,
            url,
            only({"caseworker": NOT_FOUND, "supervisor": NOT_FOUND}),
            scope="missing-record",
        )
    )
