"""Closure (GBV case management step 6, domain.md §1b): the caseworker asks for closure
with a reason and the checklist; a supervisor of the centre approves it or sends it
back with a reason; a supervisor reopens a closed case with a reason. The case stays
editable while the request waits.

Client feedback is recorded apart from any case (models.closure.ClientFeedback): its
audit event names the organisation and the month, never the case, and nothing of it
goes on a case's timeline.

Every function takes the acting user, flushes and never commits.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from referral.audit import service as audit
from referral.auth.models import User
from referral.auth.permissions import Permission, Role
from referral.cases import policy
from referral.cases.models import (
    FEEDBACK_QUESTIONS,
    Case,
    CaseEvent,
    CaseStatus,
    ClientFeedback,
    ClosureCheck,
    ClosureReason,
    FeedbackAnswer,
    ReopenReason,
    ReturnReason,
    Satisfaction,
)
from referral.cases.service.common import (
    CaseClosedError,
    CaseError,
    Problems,
    audit_case,
    check_lock,
    check_readable,
    record_event,
    today,
)
from referral.cases.service.timeline import event_label
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.extensions import db
from referral.stats import facts as stats_facts

AWAITING_LIMIT = 50
# Items that need the survivor present; a case closed because she cannot be reached
# cannot have them.
NEEDS_CONTACT = frozenset({ClosureCheck.SAFETY_PLAN_REVIEWED, ClosureCheck.SURVIVOR_INFORMED})
CLOSURE_EVENTS = ("closure_requested", "closure_returned", "closure_approved", "case_reopened")

event_label("closure_requested", _l("Closure requested"))
event_label("closure_approved", _l("Closure approved: case closed"))
event_label("closure_returned", _l("Closure request sent back"))
event_label("case_reopened", _l("Case reopened"))


@dataclass(frozen=True)
class ClosureRequestInput:
    reason: ClosureReason | None
    checklist: tuple[ClosureCheck, ...] = ()


@dataclass(frozen=True)
class FeedbackInput:
    felt_welcome: FeedbackAnswer | None = None
    felt_safe: FeedbackAnswer | None = None
    staff_listened: FeedbackAnswer | None = None
    services_explained: FeedbackAnswer | None = None
    would_recommend: FeedbackAnswer | None = None
    overall: Satisfaction | None = None


@dataclass(frozen=True)
class ClosureState:
    """What the case page shows of closure: codes, dates and staff names only."""

    status: CaseStatus
    reason: ClosureReason | None
    checklist: tuple[ClosureCheck, ...]
    requested_at: datetime | None
    requested_by: str
    closed_at: datetime | None
    closed_by: str
    returned_reason: ReturnReason | None = None  # the last request was sent back
    lock_version: int = 0

    @property
    def missing(self) -> tuple[ClosureCheck, ...]:
        return tuple(c for c in ClosureCheck if c not in self.checklist)


@dataclass(frozen=True)
class AwaitingClosure:
    case_id: uuid.UUID
    case_code: str
    requested_at: datetime


@dataclass(frozen=True)
class FeedbackCounts:
    total: int
    answers: dict[str, Counter] = field(default_factory=dict)


def _reason(value: str | None) -> ClosureReason | None:
    try:
        return ClosureReason(value) if value else None
    except ValueError:
        return None


def checklist_of(case: Case) -> tuple[ClosureCheck, ...]:
    known = {c.value: c for c in ClosureCheck}
    return tuple(known[v] for v in case.closure_checklist or () if v in known)


def required_checks(reason: ClosureReason | None) -> frozenset[ClosureCheck]:
    if reason == ClosureReason.NO_CONTACT_30_DAYS:
        return frozenset(ClosureCheck) - NEEDS_CONTACT
    return frozenset(ClosureCheck)


def _supervisor(user: User, case: Case) -> policy.CaseAccess:
    access = policy.access_for(user, case)
    if not access.visible or not access.is_supervisor:
        raise GrantError("only a supervisor of the centre decides on closure")
    check_readable(case)
    return access


def _name(user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    user = db.session.get(User, user_id)
    return (user.full_name or user.username) if user else ""


def request_closure(user: User, case: Case, data: ClosureRequestInput, lock_version) -> Case:
    """The caseworker asks for closure. CaseError lists a missing reason and every
    unticked required item; CaseClosedError on a closed case; StaleError if the case
    changed since the form was loaded."""
    check_readable(case)
    access = policy.access_for(user, case)
    if not access.visible:
        raise GrantError("no access to this case")
    if not access.can_edit:
        raise CaseClosedError()
    if case.status == CaseStatus.CLOSURE_REQUESTED:
        raise CaseError(_l("Closure was already requested. A supervisor will review it."))
    problems = Problems()
    if data.reason is None:
        problems.add("reason", _l("Choose why the case can be closed."))
    missing = [c for c in ClosureCheck if c in required_checks(data.reason)]
    missing = [c for c in missing if c not in data.checklist]
    if missing:
        problems.add(
            "checklist",
            _l(
                "Before closing, check every item: %(items)s.",
                items="; ".join(c.label for c in missing),
            ),
        )
    problems.raise_if_any(CaseError)
    check_lock(case, lock_version)
    checklist = sorted({c.value for c in data.checklist})
    case.status = CaseStatus.CLOSURE_REQUESTED
    case.closure_reason = data.reason.value
    case.closure_checklist = checklist
    case.closure_requested_at = utcnow()
    case.closure_requested_by_id = user.id
    record_event(
        case, "closure_requested", detail={"reason": data.reason.value, "checklist": checklist}
    )
    db.session.flush()
    audit_case("closure_requested", case, reason=data.reason.value, checklist=checklist)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return case


def approve_closure(user: User, case: Case, lock_version) -> Case:
    """A supervisor closes the case: it becomes read-only until reopened."""
    _supervisor(user, case)
    if case.status != CaseStatus.CLOSURE_REQUESTED:
        raise CaseError(_l("There is no closure request to decide on."))
    check_lock(case, lock_version)
    case.status = CaseStatus.CLOSED
    case.closed_at = utcnow()
    case.closed_by_id = user.id
    record_event(case, "closure_approved", detail={"reason": case.closure_reason})
    db.session.flush()
    audit_case(
        "closure_approved",
        case,
        reason=case.closure_reason,
        requested_by=case.closure_requested_by_id,
    )
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return case


def return_closure(user: User, case: Case, reason: ReturnReason | None, lock_version) -> Case:
    """A supervisor sends the request back: the case is open again, the reason and the
    checklist stay as the starting point of the next request."""
    _supervisor(user, case)
    if case.status != CaseStatus.CLOSURE_REQUESTED:
        raise CaseError(_l("There is no closure request to decide on."))
    if reason is None:
        raise CaseError(_l("Choose why the request goes back."), "return_reason")
    check_lock(case, lock_version)
    case.status = CaseStatus.OPEN
    case.closure_requested_at = None
    case.closure_requested_by_id = None
    record_event(case, "closure_returned", detail={"reason": reason.value})
    db.session.flush()
    audit_case("closure_returned", case, reason=reason.value)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return case


def reopen_case(user: User, case: Case, reason: ReopenReason | None, lock_version) -> Case:
    """A supervisor reopens a closed case (she came back, a new incident...). The
    closure fields are cleared, so the retention period starts again at the next
    closure."""
    _supervisor(user, case)
    if case.status != CaseStatus.CLOSED:
        raise CaseError(_l("Only a closed case can be reopened."))
    if reason is None:
        raise CaseError(_l("Choose why the case is reopened."), "reason")
    check_lock(case, lock_version)
    closed_reason = case.closure_reason
    case.status = CaseStatus.OPEN
    case.closed_at = None
    case.closed_by_id = None
    case.closure_requested_at = None
    case.closure_requested_by_id = None
    case.closure_reason = None
    case.closure_checklist = None
    record_event(case, "case_reopened", detail={"reason": reason.value})
    db.session.flush()
    audit_case("case_reopened", case, reason=reason.value, closed_reason=closed_reason)
    stats_facts.refresh_case(case.id)  # the statistics, in this transaction
    return case


def closure_state(case: Case) -> ClosureState:
    returned = None
    if case.status == CaseStatus.OPEN:
        last = db.session.execute(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(CLOSURE_EVENTS))
            .order_by(CaseEvent.at.desc(), CaseEvent.id)
            .limit(1)
        ).scalar_one_or_none()
        if last is not None and last.kind == "closure_returned":
            try:
                returned = ReturnReason((last.detail or {}).get("reason"))
            except ValueError:
                returned = ReturnReason.OTHER
    return ClosureState(
        status=case.status,
        reason=_reason(case.closure_reason),
        checklist=checklist_of(case),
        requested_at=case.closure_requested_at,
        requested_by=_name(case.closure_requested_by_id),
        closed_at=case.closed_at,
        closed_by=_name(case.closed_by_id),
        returned_reason=returned,
        lock_version=case.lock_version,
    )


def cases_awaiting_closure(user: User) -> list[AwaitingClosure]:
    """For the supervisor's home page: the centre's cases whose closure waits for a
    decision, oldest request first. Codes and dates only, nothing decrypted."""
    if user.role != Role.SUPERVISOR:
        return []
    rows = db.session.execute(
        select(Case.id, Case.case_code, Case.closure_requested_at)
        .where(policy.visible_clause(user), Case.status == CaseStatus.CLOSURE_REQUESTED)
        .order_by(Case.closure_requested_at, Case.id)
        .limit(AWAITING_LIMIT)
    ).all()
    return [AwaitingClosure(*row) for row in rows]


# --- anonymous client feedback --------------------------------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def record_feedback(user: User, data: FeedbackInput) -> ClientFeedback:
    """Store one survivor's answers for the user's centre and the current month, with
    nothing that links them to her case. CaseError if no question was answered."""
    if not user.can(Permission.CASE_EDIT) or user.role not in (Role.CASEWORKER, Role.SUPERVISOR):
        raise GrantError("only crisis-centre staff record client feedback")
    answers = {name: getattr(data, name) for name in FEEDBACK_QUESTIONS}
    given = [v for v in (*answers.values(), data.overall) if v is not None]
    if not [v for v in given if v.value != "no_answer"]:
        raise CaseError(_l("Record at least one answer, or skip the feedback."))
    month = month_of(today())
    row = ClientFeedback(
        organisation_id=user.organisation_id,
        month=month,
        overall=data.overall or Satisfaction.NO_ANSWER,
        **{name: value or FeedbackAnswer.NO_ANSWER for name, value in answers.items()},
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "client_feedback_recorded",
        target_type="organisation",
        target_id=user.organisation_id,
        detail={"month": month.strftime("%Y-%m")},
    )
    return row


def feedback_counts(organisation_id: uuid.UUID, since: date | None = None) -> FeedbackCounts:
    """Answer counts per question for one centre, for statistics (which apply their own
    small-cell suppression before showing them)."""
    columns = [*FEEDBACK_QUESTIONS, "overall"]
    answers: dict[str, Counter] = {}
    total = 0
    for name in columns:
        column = getattr(ClientFeedback, name)
        query = select(column, func.count()).where(
            ClientFeedback.organisation_id == organisation_id
        )
        if since is not None:
            query = query.where(ClientFeedback.month >= month_of(since))
        counts = Counter(
            {value.value: n for value, n in db.session.execute(query.group_by(column))}
        )
        answers[name] = counts
        total = max(total, sum(counts.values()))
    return FeedbackCounts(total, answers)
