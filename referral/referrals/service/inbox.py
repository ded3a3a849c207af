"""The provider's inbox: the referrals addressed to their organisation (starting from
`policy.visible_referrals`), overdue first, then the newest, by keyset; capped counts
for the header and the home page; and the provider's own writing on a referral (its
feedback for the caseworker, its notes).

A row shows the service, urgency, dates and status, and the survivor's name only while
the referral is active and the name is one of its shared items (read through the
referral policy's grant); never a case code. Nothing on a page counts the whole table:
each count stops at COUNT_CAP, one page is one index range per segment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal, not_, select, tuple_, union_all, update
from sqlalchemy.orm import joinedload

from referral.auth.models import User
from referral.cases.models import Case
from referral.cases.service import consent
from referral.cases.service.common import Problems, StaleError, audit_case
from referral.cases.timeutil import to_local, to_utc
from referral.crypto import fields
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.directory.models import ServiceType
from referral.extensions import db
from referral.referrals import policy
from referral.referrals.models import OPEN_STATUSES, Referral, ReferralStatus, Urgency
from referral.referrals.service import lifecycle
from referral.referrals.service.lifecycle import ReferralError, is_overdue

PAGE_SIZE = 25
COUNT_CAP = 1000
OVERDUE = "overdue"  # the inbox filter for referrals past their deadline
# The statuses a provider filters by, in the order of the work.
INBOX_STATUSES = (
    ReferralStatus.SENT,
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.APPOINTMENT_SCHEDULED,
    ReferralStatus.SERVICE_PROVIDED,
    ReferralStatus.COMPLETED,
    ReferralStatus.DECLINED,
    ReferralStatus.WITHDRAWN,
)


@dataclass(frozen=True)
class InboxRow:
    id: uuid.UUID
    service_type: ServiceType
    urgency: Urgency
    status: ReferralStatus
    sent_at: datetime | None  # Bishkek
    due_at: datetime | None  # Bishkek
    is_overdue: bool
    name: str | None  # only while active and shared


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None
    first: bool


def _overdue_clause(now: datetime):
    """The SQL form of `lifecycle.is_overdue`: sent, unanswered, past its deadline."""
    return and_(
        Referral.status == ReferralStatus.SENT,
        Referral.responded_at.is_(None),
        Referral.due_at.is_not(None),
        Referral.due_at < now,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(segment: str, sent_at: datetime, referral_id: uuid.UUID) -> str:
    """The segment (o: overdue, n: the rest), then the last row's sent_at in whole
    microseconds and its id, in hex: nothing in it but a time and a random id."""
    micros = (sent_at - _EPOCH) // timedelta(microseconds=1)
    return f"{segment}.{micros:x}.{referral_id.hex}"


def decode_cursor(cursor: str | None) -> tuple[str, datetime, uuid.UUID] | None:
    """(segment, sent_at, id), or None for anything malformed (the list starts over)."""
    if not cursor or len(cursor) > 64 or not cursor.isascii():
        return None
    segment, _dot, rest = cursor.partition(".")
    stamp, _dot, hex_id = rest.partition(".")
    if segment not in ("o", "n"):
        return None
    try:
        micros = int(stamp, 16)
        if not 0 <= micros < 2**56:
            return None
        return segment, _EPOCH + timedelta(microseconds=micros), uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError):
        return None


def parse_filter(value: str | None) -> ReferralStatus | str | None:
    """A status code, "overdue", or None (everything) for anything else."""
    if value == OVERDUE:
        return OVERDUE
    try:
        status = ReferralStatus(value)
    except ValueError:
        return None
    return status if status in INBOX_STATUSES else None


def _segment_query(user: User, segment: str, wanted, now: datetime):
    query = policy.visible_referrals(user)
    overdue = _overdue_clause(now)
    query = query.where(overdue if segment == "o" else not_(overdue))
    if isinstance(wanted, ReferralStatus):
        query = query.where(Referral.status == wanted)
    return query


def _segments(wanted) -> tuple[str, ...]:
    """Overdue first, then the rest; a filter may leave only one of them."""
    if wanted == OVERDUE:
        return ("o",)
    if isinstance(wanted, ReferralStatus) and wanted != ReferralStatus.SENT:
        return ("n",)  # only a sent referral can be overdue
    return ("o", "n")


def list_inbox(
    user: User, wanted=None, cursor: str | None = None, now: datetime | None = None
) -> InboxPage:
    """One page of the inbox: overdue referrals first, then the others, each newest
    first, by keyset on (sent_at, id) within the segment; no count of all rows."""
    now = now or utcnow()
    after = decode_cursor(cursor)
    segments = _segments(wanted)
    if after is not None and after[0] in segments:
        segments = segments[segments.index(after[0]) :]
    else:
        after = None
    found: list[tuple[str, Referral]] = []
    for segment in segments:
        need = PAGE_SIZE + 1 - len(found)
        if need <= 0:
            break
        query = _segment_query(user, segment, wanted, now)
        if after is not None and after[0] == segment:
            query = query.where(tuple_(Referral.sent_at, Referral.id) < (after[1], after[2]))
        rows = db.session.execute(
            query.order_by(Referral.sent_at.desc(), Referral.id.desc()).limit(need)
        ).scalars()
        found += [(segment, r) for r in rows]
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    next_cursor = None
    if more:
        segment, last = found[-1]
        next_cursor = encode_cursor(segment, last.sent_at, last.id)
    return InboxPage(
        _rows(user, [r for _s, r in found], now), next_cursor, cursor is None or after is None
    )


def _rows(user: User, referrals: list[Referral], now: datetime) -> list[InboxRow]:
    named = [r for r in referrals if r.status in OPEN_STATUSES and "name" in (r.shared_items or ())]
    # Their cases with their keys, and their consents, in two queries. The cases are kept
    # referenced here: the session holds loaded objects weakly, and a discarded result
    # would be loaded again, row by row, below.
    cases: dict = {}
    if named:
        cases = {
            case.id: case
            for case in db.session.execute(
                select(Case)
                .where(Case.id.in_({r.case_id for r in named}))
                .options(joinedload(Case.key))
            )
            .unique()
            .scalars()
        }
        consent.prefetch_release({r.case_id for r in named})
    # Each row decided on its own, one grant for the names of the page.
    decided = []
    for referral in named:
        access = policy.access_for(user, referral)
        if "name" in access.items:
            decided.append((referral, access))
    grant = policy.shared_page_grant(user, decided, U.NAME) if decided else None
    shown = [referral for referral, _access in decided]
    names = dict(
        zip(
            [referral.id for referral in shown],
            fields.read_column([cases[r.case_id] for r in shown], "full_name", grant),
            strict=True,
        )
    )
    rows = []
    for referral in referrals:
        name = names.get(referral.id)
        rows.append(
            InboxRow(
                referral.id,
                referral.service_type,
                referral.urgency,
                referral.status,
                to_local(referral.sent_at),
                to_local(referral.due_at),
                is_overdue(referral, now),
                name,
            )
        )
    return rows


def _capped(query) -> object:
    return (
        select(func.count())
        .select_from(query.with_only_columns(Referral.id).limit(COUNT_CAP + 1).subquery())
        .scalar_subquery()
    )


def _shown(total: int) -> int | str:
    return f"{COUNT_CAP}+" if total > COUNT_CAP else total


def inbox_counts(user: User, now: datetime | None = None) -> dict[str, int | str]:
    """Referrals per inbox status, and overdue, each counted up to COUNT_CAP ("1000+"
    beyond), in one statement: the page must not scan a busy provider's history."""
    now = now or utcnow()
    base = policy.visible_referrals(user)
    parts = [
        select(literal(status.value).label("key"), _capped(base.where(Referral.status == status)))
        for status in INBOX_STATUSES
    ]
    parts.append(select(literal(OVERDUE).label("key"), _capped(base.where(_overdue_clause(now)))))
    rows = db.session.execute(union_all(*parts)).all()
    counts = {key: _shown(total) for key, total in rows}
    if has_request_context():  # the header's number on the same page is its "sent"
        g._referral_waiting = (user.id, counts[ReferralStatus.SENT.value])
    return counts


def waiting_count(user: User) -> int | str:
    """New referrals waiting for the provider's first answer: the header's number (on
    the inbox page, its count of "sent", counted moments before for the same user)."""
    counted = g.get("_referral_waiting") if has_request_context() else None
    if counted is not None and counted[0] == user.id:
        return counted[1]
    waiting = policy.visible_referrals(user).where(Referral.status == ReferralStatus.SENT)
    total = db.session.execute(select(_capped(waiting))).scalar_one()
    return _shown(total)


def wait_for_other_writer(referral_id: uuid.UUID) -> None:
    """Before showing a referral again after a refused or stale step, which may have
    given way to another writer. Showing it records the read in the audit trail, a
    write: on SQLite, which locks the whole database, a unit of work that reads first
    and writes later while the other writer waits to commit would deadlock with it,
    and SQLite refuses at once. Taking the write lock first (a no-op update) waits for
    the other's commit instead. PostgreSQL locks rows and needs nothing."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.execute(
        update(Referral)
        .where(Referral.id == referral_id)
        .values(lock_version=Referral.lock_version, updated_at=Referral.updated_at)
        .execution_options(synchronize_session=False)
    )


# --- the provider's own writing ---------------------------------------------------------


@dataclass(frozen=True)
class FeedbackInput:
    service_given: str | None = None
    next_date: object | None = None  # a date typed in Bishkek
    next_time: object | None = None
    outcome: str | None = None


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def feedback_text(data: FeedbackInput) -> str:
    """The feedback as the caseworker reads it on the case: one labelled line per part
    written, in the writer's language (a provider without an account gives feedback in
    words too, recorded as plain text)."""
    lines = []
    # Labels outside the f-strings: the message extractor does not look inside them.
    service_label, next_label, outcome_label = (
        _("Service given"),
        _("Next appointment"),
        _("Outcome"),
    )
    if given := _clean(data.service_given):
        lines.append(f"{service_label}: {given}")
    if data.next_date is not None:
        moment = to_local(to_utc(data.next_date, data.next_time))
        when = moment.strftime("%Y-%m-%d %H:%M") if data.next_time else str(data.next_date)
        lines.append(f"{next_label}: {when}")
    if outcome := _clean(data.outcome):
        lines.append(f"{outcome_label}: {outcome}")
    return "\n".join(lines)


def _provider_access(user: User, referral: Referral) -> policy.ReferralAccess:
    access = policy.access_for(user, referral)
    if not access.visible or not access.as_provider:
        raise GrantError("not the provider of this referral")
    return access


def give_feedback(user: User, referral: Referral, data: FeedbackInput, lock_version) -> Referral:
    """The provider's feedback for the referring caseworker (replaces the last one);
    only while the referral is open. StaleError if the referral changed meanwhile."""
    access = _provider_access(user, referral)
    problems = Problems()
    lifecycle._check_version(referral, lock_version)  # first, as in provider_step
    if not access.can_act:
        problems.add(
            None, _l("Feedback can be written while the referral is open. Use your notes.")
        )
        problems.raise_if_any(ReferralError)
    if not (_clean(data.service_given) or _clean(data.outcome) or data.next_date):
        problems.add("service_given", _l("Write what was done, the outcome or the next date."))
    if data.next_time is not None and data.next_date is None:
        problems.add("next_date", _l("Give the date of the next appointment."))
    next_at = to_utc(data.next_date, data.next_time) if data.next_date else None
    if next_at is not None and next_at < utcnow() - timedelta(days=1):
        problems.add("next_date", _l("The next appointment cannot be in the past."))
    problems.raise_if_any(ReferralError)
    lifecycle.write_feedback(user, referral, feedback_text(data))
    referral.updated_at = utcnow()
    db.session.flush()
    return referral


def write_notes(user: User, referral: Referral, text: str | None, lock_version) -> Referral:
    """The provider's own notes on the referral: theirs to keep after it closes, never
    shown to the crisis centre. StaleError (with the saved notes) if someone of the
    organisation saved them meanwhile."""
    _provider_access(user, referral)
    grant = policy.provider_grant(user, referral, U.WRITE)
    try:
        lifecycle._check_version(referral, lock_version)
    except StaleError:
        saved = fields.read(referral, "provider_notes", grant)
        raise StaleError(["notes"], {"notes": saved}) from None
    fields.write(referral, "provider_notes", _clean(text), grant)
    referral.updated_at = utcnow()
    db.session.flush()
    audit_case(
        "referral_provider_notes", referral.case, {U.PROVIDER_NOTES}, referral=str(referral.id)
    )
    return referral
