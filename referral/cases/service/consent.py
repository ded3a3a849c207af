"""Consent: record, refuse and withdraw the three consents of a case, and answer what
they allow right now.

Each decision is a new `Consent` row numbered per case; nothing is ever overwritten.
The consent in force of a kind is its highest-numbered row, so a withdrawal takes
effect the moment it is committed: `release_decision`, `services_consented` and
`reporting_consented` read the latest rows (one query) on every call and keep no copy
on the case.

Rules (all broken ones reported at once): a child cannot consent alone (a caregiver, a
trusted adult or the caseworker's best-interest decision, and the child's assent
answered); a release needs at least one service type that can receive referrals; named
providers must be active organisations; the date it was given is not in the future.
Audit events carry the consent kind and ids only; the remark is encrypted (NOTES).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from referral.auth.models import User
from referral.cases.models import (
    Case,
    ChildAssent,
    Consent,
    ConsentDecision,
    ConsentGiver,
    ConsentKind,
    ConsentMethod,
)
from referral.cases.service.common import (
    CaseError,
    Problems,
    StaleError,
    audit_case,
    read_grant,
    record_event,
    today,
    write_grant,
)
from referral.cases.service.timeline import event_label
from referral.crypto import fields
from referral.crypto import grants as U
from referral.db import utcnow
from referral.directory.models import SERVICE_TYPE_LABELS, Organisation, ServiceType
from referral.extensions import db
from referral.stats import facts as stats_facts

REMARK_MAX = 2000

# Reason codes of a release decision (the referral step shows the message, logs the code).
COVERED = "covered"
NO_CONSENT = "no_consent"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
TYPE_NOT_COVERED = "service_type_not_covered"
PROVIDER_NOT_NAMED = "provider_not_named"

RELEASE_TYPES = tuple(t for t in ServiceType if t.is_referral_destination)

_TIMELINE = {
    (ConsentKind.SERVICES, ConsentDecision.GIVEN): _l("Consent to services given"),
    (ConsentKind.SERVICES, ConsentDecision.REFUSED): _l("Consent to services refused"),
    (ConsentKind.SERVICES, ConsentDecision.WITHDRAWN): _l("Consent to services withdrawn"),
    (ConsentKind.RELEASE, ConsentDecision.GIVEN): _l("Consent to release information given"),
    (ConsentKind.RELEASE, ConsentDecision.REFUSED): _l("Consent to release information refused"),
    (ConsentKind.RELEASE, ConsentDecision.WITHDRAWN): _l(
        "Consent to release information withdrawn"
    ),
    (ConsentKind.REPORTING, ConsentDecision.GIVEN): _l("Consent to reporting given"),
    (ConsentKind.REPORTING, ConsentDecision.REFUSED): _l("Consent to reporting refused"),
    (ConsentKind.REPORTING, ConsentDecision.WITHDRAWN): _l("Consent to reporting withdrawn"),
}


def timeline_kind(kind: ConsentKind, decision: ConsentDecision) -> str:
    """The timeline names the consent as well as the decision, so that three withdrawals
    in a row are told apart; the audit action is the decision alone."""
    return f"consent_{kind.value}_{decision.value}"


for (_kind, _decision), _label in _TIMELINE.items():
    event_label(timeline_kind(_kind, _decision), _label)


@dataclass(frozen=True)
class ConsentInput:
    kind: ConsentKind | None
    decision: ConsentDecision | None
    given_by: ConsentGiver | None = None
    child_assent: ChildAssent | None = None
    method: ConsentMethod | None = None
    mandatory_reporting_explained: bool = False
    given_on: date | None = None
    service_types: tuple[ServiceType, ...] = ()
    organisation_ids: tuple[uuid.UUID, ...] = ()
    remark: str | None = None


@dataclass(frozen=True)
class WithdrawInput:
    confirmed: bool
    given_by: ConsentGiver | None = None
    remark: str | None = None


@dataclass(frozen=True)
class ReleaseDecision:
    allowed: bool
    reason_code: str
    message: object  # a lazily translated string, safe to show


@dataclass(frozen=True)
class ConsentRecord:
    """One row of the history as the page shows it (the remark only when asked for)."""

    id: uuid.UUID
    seq: int
    kind: ConsentKind
    decision: ConsentDecision
    service_types: tuple[ServiceType, ...]
    organisations: tuple[tuple[uuid.UUID, str], ...]
    given_by: ConsentGiver | None
    child_assent: ChildAssent | None
    method: ConsentMethod | None
    mandatory_reporting_explained: bool
    recorded_by_name: str
    recorded_at: datetime
    given_on: date | None
    has_remark: bool
    remark: str | None = None

    @property
    def in_force(self) -> bool:
        return self.decision == ConsentDecision.GIVEN

    @property
    def service_type_labels(self) -> list[str]:
        return [str(SERVICE_TYPE_LABELS[t]) for t in self.service_types]


@dataclass(frozen=True)
class ConsentState:
    kind: ConsentKind
    current: ConsentRecord | None

    @property
    def in_force(self) -> bool:
        return self.current is not None and self.current.in_force


@dataclass(frozen=True)
class ConsentOverview:
    states: tuple[ConsentState, ...]
    history: tuple[ConsentRecord, ...]
    version: int  # the number of the latest row: the form's optimistic lock


# --- what consent allows now ------------------------------------------------------------


def _prefetched() -> dict | None:
    return g.get("_release_rows") if has_app_context() else None


def prefetch_release(case_ids) -> None:
    """Load the release consent in force for many cases in one query, for this request
    (the provider's inbox decides a page of referrals at once). Recording or withdrawing
    a consent drops what was loaded."""
    ids = set(case_ids)
    if not ids or not has_app_context():
        return
    latest = (
        select(Consent.case_id, func.max(Consent.seq).label("seq"))
        .where(Consent.case_id.in_(ids), Consent.kind == ConsentKind.RELEASE)
        .group_by(Consent.case_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Consent).join(
            latest, and_(Consent.case_id == latest.c.case_id, Consent.seq == latest.c.seq)
        )
    ).scalars()
    cache = g.get("_release_rows") or {}
    cache.update(dict.fromkeys(ids))
    cache.update({row.case_id: row for row in rows})
    g._release_rows = cache


def _forget_prefetched() -> None:
    if has_app_context():
        g.pop("_release_rows", None)


def latest_consent(case: Case, kind: ConsentKind) -> Consent | None:
    cache = _prefetched() if kind == ConsentKind.RELEASE else None
    if cache is not None and case.id in cache:
        return cache[case.id]
    latest = (
        select(func.max(Consent.seq))
        .where(Consent.case_id == case.id, Consent.kind == kind)
        .scalar_subquery()
    )
    return db.session.execute(
        select(Consent).where(
            Consent.case_id == case.id, Consent.kind == kind, Consent.seq == latest
        )
    ).scalar_one_or_none()


def _given(case: Case, kind: ConsentKind) -> bool:
    if case.is_erased:
        return False
    row = latest_consent(case, kind)
    return row is not None and row.decision == ConsentDecision.GIVEN


def services_consented(case: Case) -> bool:
    return _given(case, ConsentKind.SERVICES)


def reporting_consented(case: Case) -> bool:
    return _given(case, ConsentKind.REPORTING)


def consented_clause(kind: ConsentKind):
    """A WHERE clause on `Case`: the case's latest consent of `kind` is given. For
    queries over many cases (statistics count only cases with reporting consent)."""
    latest = (
        select(func.max(Consent.seq))
        .where(Consent.case_id == Case.id, Consent.kind == kind)
        .correlate(Case)
        .scalar_subquery()
    )
    return exists().where(
        and_(
            Consent.case_id == Case.id,
            Consent.kind == kind,
            Consent.seq == latest,
            Consent.decision == ConsentDecision.GIVEN,
        )
    )


def release_decision(
    case: Case, service_type: ServiceType | str, organisation_id: uuid.UUID | None
) -> ReleaseDecision:
    """May the case's information go to `organisation_id` for `service_type`? Read from
    the latest release row at the moment of asking: a withdrawal committed a second ago
    already refuses."""
    row = None if case.is_erased else latest_consent(case, ConsentKind.RELEASE)
    if row is None:
        return ReleaseDecision(
            False, NO_CONSENT, _l("No consent to release information has been recorded.")
        )
    if row.decision == ConsentDecision.WITHDRAWN:
        return ReleaseDecision(
            False, WITHDRAWN, _l("The consent to release information was withdrawn.")
        )
    if row.decision == ConsentDecision.REFUSED:
        return ReleaseDecision(
            False, REFUSED, _l("The survivor refused to have her information released.")
        )
    if str(service_type) not in row.scope_types:
        return ReleaseDecision(
            False, TYPE_NOT_COVERED, _l("The consent does not cover this type of service.")
        )
    named = row.scope_organisation_ids
    if named and organisation_id not in named:
        return ReleaseDecision(
            False,
            PROVIDER_NOT_NAMED,
            _l("The consent names other providers: this one is not among them."),
        )
    return ReleaseDecision(True, COVERED, _l("The consent covers this referral."))


# --- recording --------------------------------------------------------------------------


def history_version(case: Case) -> int:
    """The number of the case's latest consent row (0 before the first)."""
    return (
        db.session.execute(select(func.max(Consent.seq)).where(Consent.case_id == case.id)).scalar()
        or 0
    )


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check_remark(remark: str | None, problems: Problems) -> str | None:
    remark = _text(remark)
    if remark is not None and len(remark) > REMARK_MAX:
        problems.add("remark", _l("Keep the remark under 2000 characters."))
    return remark


def _check_scope(data: ConsentInput, problems: Problems) -> tuple[list[str], list[str]]:
    types = list(dict.fromkeys(data.service_types))
    org_ids = list(dict.fromkeys(data.organisation_ids))
    if data.kind != ConsentKind.RELEASE:
        if types or org_ids:
            problems.add(
                "service_types",
                _l("Service types and providers belong to the consent to release information."),
            )
        return [], []
    if data.decision != ConsentDecision.GIVEN:
        return [], []  # a refusal releases nothing, whatever was ticked
    if not types:
        problems.add(
            "service_types", _l("Choose at least one type of service she agrees to be referred to.")
        )
    elif any(t not in RELEASE_TYPES for t in types):
        problems.add("service_types", _l("Choose the types of service from the list."))
    if org_ids:
        active = set(
            db.session.execute(
                select(Organisation.id).where(
                    Organisation.id.in_(org_ids), Organisation.is_active.is_(True)
                )
            ).scalars()
        )
        if any(oid not in active for oid in org_ids):
            problems.add(
                "organisation_ids", _l("Choose providers from the list of active organisations.")
            )
    return [t.value for t in types], [str(oid) for oid in org_ids]


def check_consent(case: Case, data: ConsentInput) -> tuple[list[str], list[str], str | None]:
    """Every rule of a consent decision at once (CaseError); the cleaned scope and remark."""
    problems = Problems()
    if data.kind is None:
        problems.add("kind", _l("Choose which consent this is."))
    if data.decision not in (ConsentDecision.GIVEN, ConsentDecision.REFUSED):
        problems.add("decision", _l("Choose whether consent was given or refused."))
    if data.given_by is None:
        problems.add("given_by", _l("Choose who decided."))
    if data.method is None:
        problems.add("method", _l("Choose how the decision was given."))
    if case.is_child:
        if data.child_assent is None:
            problems.add("child_assent", _l("The survivor is a child: record her assent."))
        if data.decision == ConsentDecision.GIVEN and data.given_by == ConsentGiver.SURVIVOR:
            problems.add(
                "given_by",
                _l(
                    "A child cannot consent alone: record the consent of her caregiver or "
                    "another trusted adult, or your decision in her best interest."
                ),
            )
    if data.given_on is not None and data.given_on > today():
        problems.add("given_on", _l("The date cannot be in the future."))
    types, org_ids = _check_scope(data, problems)
    remark = _check_remark(data.remark, problems)
    problems.raise_if_any(CaseError)
    return types, org_ids, remark


def _add(row: Consent, expected_version: int) -> None:
    """Insert the row as number `expected_version + 1`; a save from a form loaded on an
    older history is stale, also when two saves race for the same number."""
    row.seq = expected_version + 1
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise StaleError([], {}) from None


def _write_remark(row: Consent, remark: str | None, grant) -> None:
    if remark is not None:
        fields.write(row, "remark", remark, grant)


def _log(case: Case, row: Consent, remark: str | None) -> None:
    record_event(
        case,
        timeline_kind(row.kind, row.decision),
        target=row,
        detail={"kind": row.kind.value, "decision": row.decision.value},
    )
    db.session.flush()
    audit_case(
        f"consent_{row.decision.value}",
        case,
        {U.NOTES} if remark is not None else None,
        kind=row.kind.value,
        consent=row.id,
    )


def record_consent(user: User, case: Case, data: ConsentInput, lock_version: int | None) -> Consent:
    """Record a consent given or refused. `lock_version` is the history number the form
    was loaded with (StaleError if someone recorded a consent since); CaseError lists
    every broken rule; CaseClosedError/CaseErasedError/GrantError as write_grant."""
    _forget_prefetched()
    grant = write_grant(user, case, {U.NOTES})
    types, org_ids, remark = check_consent(case, data)
    current = history_version(case)
    if lock_version is None or int(lock_version) != current:
        raise StaleError([], {})
    row = Consent(
        case_id=case.id,
        case=case,
        kind=data.kind,
        decision=data.decision,
        service_types=types or None,
        organisation_ids=org_ids or None,
        given_by=data.given_by,
        child_assent=data.child_assent if case.is_child else None,
        method=data.method,
        mandatory_reporting_explained=bool(data.mandatory_reporting_explained),
        recorded_by_id=user.id,
        recorded_at=utcnow(),
        given_on=data.given_on,
    )
    _write_remark(row, remark, grant)
    _add(row, current)
    _log(case, row, remark)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return row


def withdraw_consent(user: User, case: Case, kind: ConsentKind, data: WithdrawInput) -> Consent:
    _forget_prefetched()
    """Withdraw the consent of `kind` now in force. CaseError if none is in force or the
    withdrawal was not confirmed."""
    grant = write_grant(user, case, {U.NOTES})
    problems = Problems()
    latest = latest_consent(case, kind)
    if latest is None or latest.decision != ConsentDecision.GIVEN:
        problems.add(None, _l("There is no consent of this kind in force to withdraw."))
    if not data.confirmed:
        problems.add("confirmed", _l("Tick the box to confirm the withdrawal."))
    remark = _check_remark(data.remark, problems)
    problems.raise_if_any(CaseError)
    row = Consent(
        case_id=case.id,
        case=case,
        kind=kind,
        decision=ConsentDecision.WITHDRAWN,
        given_by=data.given_by,
        recorded_by_id=user.id,
        recorded_at=utcnow(),
    )
    _write_remark(row, remark, grant)
    _add(row, history_version(case))
    _log(case, row, remark)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return row


# --- reading ----------------------------------------------------------------------------


def _organisation_names(rows: list[Consent]) -> dict[uuid.UUID, str]:
    ids = {oid for row in rows for oid in row.scope_organisation_ids}
    if not ids:
        return {}
    orgs = db.session.execute(select(Organisation).where(Organisation.id.in_(ids))).scalars()
    return {org.id: org.name for org in orgs}


def _record(row: Consent, names: dict[uuid.UUID, str], remark: str | None) -> ConsentRecord:
    user = row.recorded_by
    return ConsentRecord(
        id=row.id,
        seq=row.seq,
        kind=row.kind,
        decision=row.decision,
        service_types=tuple(ServiceType(t) for t in row.scope_types),
        organisations=tuple((oid, names.get(oid, "—")) for oid in row.scope_organisation_ids),
        given_by=row.given_by,
        child_assent=row.child_assent,
        method=row.method,
        mandatory_reporting_explained=row.mandatory_reporting_explained,
        recorded_by_name=(user.full_name or user.username) if user else "",
        recorded_at=row.recorded_at,
        given_on=row.given_on,
        has_remark=row.remark_ct is not None,
        remark=remark,
    )


def consent_overview(user: User, case: Case, *, with_remarks: bool = True) -> ConsentOverview:
    """The state of each consent and the whole history, newest first (one query for the
    rows, one for the named providers). Remarks are decrypted, and the read audited,
    only when asked for and when there is one."""
    rows = list(
        db.session.execute(
            select(Consent)
            .where(Consent.case_id == case.id)
            .options(joinedload(Consent.recorded_by))
            .order_by(Consent.seq.desc())
        ).scalars()
    )
    remarks: dict[uuid.UUID, str | None] = {}
    if with_remarks and any(row.remark_ct is not None for row in rows):
        grant = read_grant(user, case, {U.NOTES})
        remarks = {
            row.id: fields.read(row, "remark", grant) for row in rows if row.remark_ct is not None
        }
        audit_case("sensitive_read", case, {U.NOTES}, part="consent")
    names = _organisation_names(rows)
    history = tuple(_record(row, names, remarks.get(row.id)) for row in rows)
    latest: dict[ConsentKind, ConsentRecord] = {}
    for record in history:
        latest.setdefault(record.kind, record)
    states = tuple(ConsentState(kind, latest.get(kind)) for kind in ConsentKind)
    return ConsentOverview(states, history, history[0].seq if history else 0)


def state_of(case: Case, kind: ConsentKind) -> ConsentState:
    """The consent of `kind` in force, without remarks (for the withdrawal page)."""
    row = latest_consent(case, kind)
    if row is None:
        return ConsentState(kind, None)
    return ConsentState(kind, _record(row, _organisation_names([row]), None))


def release_scope(case: Case) -> tuple[list[ServiceType], list[uuid.UUID]]:
    """The service types and named providers the release consent covers now (empty when
    no release consent is in force): what a new release form starts from."""
    row = latest_consent(case, ConsentKind.RELEASE)
    if row is None or row.decision != ConsentDecision.GIVEN:
        return [], []
    return [ServiceType(t) for t in row.scope_types], row.scope_organisation_ids


def provider_choices() -> list[tuple[uuid.UUID, str]]:
    """Active organisations a release may name, by name."""
    orgs = db.session.execute(select(Organisation).where(Organisation.is_active.is_(True)))
    return sorted(((org.id, org.name) for org in orgs.scalars()), key=lambda pair: pair[1])
