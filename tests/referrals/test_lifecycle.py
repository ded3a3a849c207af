"""The referral lifecycle's proof: every allowed step works and is recorded (who, when,
the case timeline, the audit trail with ids only), every other pair of statuses is
refused with the same clear message, sending is gated by consent, the shared items
are narrowed and never widened, deadlines follow the urgency, and the provider loses
the survivor's data the moment a referral stops being active."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import policy as case_policy
from referral.cases import service as cases
from referral.cases.models import (
    CaseEvent,
    ConsentKind,
    ErasureReason,
)
from referral.cases.service import consent
from referral.cases.service.timeline import LABELS
from referral.cases.timeutil import BISHKEK
from referral.crypto import fields
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.db import utcnow
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals import policy
from referral.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Urgency,
)
from referral.referrals.service import lifecycle
from referral.referrals.service.lifecycle import (
    INVALID_STEP,
    TRANSITIONS,
    ReferralError,
    ReferralInput,
)
from tests import factories
from tests.helpers import release

S = ReferralStatus
SERVICE_OF = {
    OrganisationType.POLICE: ServiceType.POLICE_INTERNAL_AFFAIRS,
    OrganisationType.HEALTH: ServiceType.HEALTH_PRIMARY_CARE,
    OrganisationType.PSYCHOSOCIAL: ServiceType.PSYCHOLOGIST_COUNSELLING,
    OrganisationType.LEGAL_AID: ServiceType.LEGAL_AID_NGO,
    OrganisationType.SHELTER: ServiceType.SHELTER_SAFE_ACCOMMODATION,
    OrganisationType.SOCIAL_PROTECTION: ServiceType.SOCIAL_PROTECTION_DEPARTMENT,
    OrganisationType.CRISIS_CENTRE: ServiceType.CRISIS_CENTRE,
}
SUMMARY = "Zarina Summaryova needs protection from her husband tonight."
OPEN = [s for s in S if s.is_open]
_ID_OR_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


# --- a small world ----------------------------------------------------------------------


def centre():
    org = factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE)
    return SimpleNamespace(
        org=org,
        worker=factories.UserFactory(role=Role.CASEWORKER, organisation=org),
        supervisor=factories.UserFactory(role=Role.SUPERVISOR, organisation=org),
    )


def provider(org_type=OrganisationType.POLICE):
    org = factories.OrganisationFactory(org_type=org_type)
    return SimpleNamespace(
        org=org,
        user=factories.UserFactory(role=Role.PROVIDER, organisation=org),
        service_type=SERVICE_OF[org_type],
    )


def withdraw_release(worker, case):
    consent.withdraw_consent(
        worker, case, ConsentKind.RELEASE, consent.WithdrawInput(confirmed=True)
    )
    db.session.flush()


def open_case(worker, name="Zarina Summaryova", *, consent_to=()):
    case = cases.open_case(worker, cases.CaseInput(full_name=name, phone="0555 123 987"))
    db.session.flush()
    if consent_to:
        release(worker, case, consent_to)
    return case


def send(user, case, to, *, items=("name", "safe_contact"), urgency=Urgency.URGENT, **kw):
    referral = lifecycle.send_referral(
        user,
        case,
        ReferralInput(
            to_org_id=to.org.id,
            service_type=kw.pop("service_type", to.service_type),
            urgency=urgency,
            shared_items=tuple(items),
            summary=kw.pop("summary", SUMMARY),
            **kw,
        ),
    )
    db.session.flush()
    return referral


@pytest.fixture
def world():
    c = centre()
    p = provider()
    case = open_case(c.worker, consent_to=(p.service_type,))
    return SimpleNamespace(centre=c, provider=p, case=case)


@contextmanager
def acting(app, user):
    """Inside a request signed in as `user`, as the views call the service: the
    timeline and the audit trail read the actor from there."""
    with app.test_request_context("/"):
        g._login_user = user
        try:
            yield
        finally:
            g.pop("_login_user", None)


def put(referral, status):
    """Bring a referral to `status` directly (the transitions that lead there are
    proved on their own)."""
    referral.status = status
    if status != S.SENT and status != S.DRAFT:
        referral.responded_at = utcnow()
    if status.is_final:
        referral.closed_at = utcnow()
    db.session.flush()


def step_kwargs(to):
    return {
        "decline_reason": DeclineReason.SERVICE_UNAVAILABLE if to == S.DECLINED else None,
        "appointment_at": utcnow() + timedelta(days=2) if to == S.APPOINTMENT_SCHEDULED else None,
    }


def events_of(referral):
    return list(
        db.session.execute(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .order_by(ReferralEvent.at, ReferralEvent.id)
        ).scalars()
    )


def audit_of(action, case):
    return list(
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.target_id == str(case.id))
            .order_by(AuditEvent.id)
        ).scalars()
    )


def timeline_of(case, kind):
    return list(
        db.session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
        ).scalars()
    )


def assert_ids_only(detail):
    text = json.dumps(detail)
    assert "Zarina" not in text
    assert "husband" not in text
    for value in (detail or {}).values():
        values = value if isinstance(value, list) else [value]
        for v in values:
            assert v is None or isinstance(v, bool | int) or _ID_OR_CODE.match(v), v


# --- every allowed step -----------------------------------------------------------------


def test_every_allowed_transition_records_who_when_timeline_and_audit(app, world):
    officer = world.provider.user
    for (frm, to), mover in TRANSITIONS.items():
        assert mover in ("provider", "caseworker")
        referral = send(world.centre.worker, world.case, world.provider)
        put(referral, frm)
        before = utcnow()
        with acting(app, officer):
            lifecycle.provider_step(officer, referral, to, referral.lock_version, **step_kwargs(to))
        db.session.flush()
        assert referral.status == to, (frm, to)
        last = events_of(referral)[-1]
        assert (last.status_from, last.status_to) == (frm, to)
        assert last.actor_id == officer.id
        assert not last.on_behalf
        assert before - timedelta(seconds=1) <= last.at.astimezone(UTC) <= utcnow()
        entry = [
            e for e in timeline_of(world.case, f"referral_{to.value}") if e.target_id == referral.id
        ]
        assert len(entry) == 1, (frm, to)
        assert entry[0].actor_id == officer.id, (frm, to)
        assert entry[0].detail["status"] == to.value
        assert f"referral_{to.value}" in LABELS, f"no timeline label for referral_{to.value}"
        audits = [
            a
            for a in audit_of(f"referral_{to.value}", world.case)
            if a.detail.get("referral") == str(referral.id)
        ]
        assert len(audits) == 1, (frm, to)
        assert audits[0].actor_user_id == officer.id, (frm, to)
        assert_ids_only(audits[0].detail)
        if to in (S.ACKNOWLEDGED, S.ACCEPTED, S.DECLINED):
            assert referral.responded_at is not None
        assert (referral.closed_at is not None) == to.is_final
        if to == S.DECLINED:
            assert referral.decline_reason == DeclineReason.SERVICE_UNAVAILABLE
            assert last.detail == {"reason": "service_unavailable"}


def test_sending_records_the_step_the_timeline_and_the_audit(app, world):
    worker = world.centre.worker
    with acting(app, worker):
        referral = send(worker, world.case, world.provider)
    first = events_of(referral)
    assert [(e.status_from, e.status_to, e.actor_id) for e in first] == [(None, S.SENT, worker.id)]
    assert referral.from_user_id == worker.id
    assert referral.from_org_id == world.centre.org.id
    sent = timeline_of(world.case, "referral_sent")
    assert [e.target_id for e in sent] == [referral.id]
    assert sent[0].actor_id == worker.id
    (audit,) = audit_of("referral_sent", world.case)
    assert audit.actor_user_id == worker.id
    assert audit.detail["items"] == ["name", "safe_contact", "summary"]
    assert_ids_only(audit.detail)


def _attempt(actor, referral, to, kind):
    kwargs = step_kwargs(to)
    if kind == "withdraw":
        return lifecycle.withdraw_referral(actor, referral, referral.lock_version)
    if kind == "complete":
        return lifecycle.complete_referral(actor, referral, referral.lock_version)
    return lifecycle.provider_step(actor, referral, to, referral.lock_version, **kwargs)


def test_every_pair_of_statuses_is_allowed_or_refused_with_a_clear_message(world):
    worker, officer = world.centre.worker, world.provider.user
    allowed_pairs = set(TRANSITIONS) | {(s, S.WITHDRAWN) for s in [S.DRAFT, *OPEN]}
    allowed = refused = 0
    for frm in S:
        referral = send(worker, world.case, world.provider)
        for to in S:
            if to == S.WITHDRAWN:
                ways = [(worker, "withdraw")]
            elif to == S.COMPLETED:
                ways = [(worker, "complete"), (officer, "step")]
            else:
                ways = [(officer, "step")]
            for actor, kind in ways:
                savepoint = db.session.begin_nested()
                try:
                    put(referral, frm)
                    events = len(events_of(referral))
                    try:
                        _attempt(actor, referral, to, kind)
                    except ReferralError as error:
                        assert (frm, to) not in allowed_pairs, (frm, to, kind, str(error))
                        assert str(error) == str(INVALID_STEP % {"status": frm.label})
                        assert error.field is None
                        refused += 1
                    except GrantError:
                        # A draft is not the provider's to see: it does not exist for them.
                        assert frm == S.DRAFT, (frm, to, kind)
                        assert actor is officer, (frm, to, kind)
                        refused += 1
                    else:
                        assert (frm, to) in allowed_pairs, (frm, to, kind)
                        db.session.flush()
                        assert referral.status == to
                        assert len(events_of(referral)) == events + 1
                        allowed += 1
                finally:
                    savepoint.rollback()
    attempts = allowed + refused  # completion is tried by the caseworker and the provider
    assert attempts == len(S) * len(S) + len(S)
    assert allowed == len(TRANSITIONS) + 1 + 6  # completion twice; withdrawal from 6 statuses
    pairs = len(S) * len(S)
    print(
        f"[security] referral transitions: {len(allowed_pairs)} allowed, "
        f"{pairs - len(allowed_pairs)} refused ({pairs} status pairs, {attempts} attempts: "
        f"{allowed} went through, {refused} refused)"
    )


def test_withdrawal_from_draft_and_every_open_status(app, world):
    worker = world.centre.worker
    for frm in [S.DRAFT, *OPEN]:
        referral = send(worker, world.case, world.provider)
        put(referral, frm)
        with acting(app, worker):
            lifecycle.withdraw_referral(worker, referral, referral.lock_version)
        db.session.flush()
        assert referral.status == S.WITHDRAWN
        assert referral.closed_at is not None
        last = events_of(referral)[-1]
        assert (last.status_from, last.status_to, last.actor_id) == (frm, S.WITHDRAWN, worker.id)
        assert any(
            e.target_id == referral.id for e in timeline_of(world.case, "referral_withdrawn")
        )
    for final in (S.DECLINED, S.COMPLETED, S.WITHDRAWN):
        referral = send(worker, world.case, world.provider)
        put(referral, final)
        with pytest.raises(ReferralError):
            lifecycle.withdraw_referral(worker, referral, referral.lock_version)


def test_the_provider_cannot_withdraw_and_a_stale_form_is_refused(world):
    worker, officer = world.centre.worker, world.provider.user
    referral = send(worker, world.case, world.provider)
    with pytest.raises(GrantError):
        lifecycle.withdraw_referral(officer, referral, referral.lock_version)
    old = referral.lock_version
    lifecycle.provider_step(officer, referral, S.ACKNOWLEDGED, old)
    db.session.flush()
    with pytest.raises(lifecycle.StaleError):
        lifecycle.withdraw_referral(worker, referral, old)
    with pytest.raises(lifecycle.StaleError):
        lifecycle.provider_step(officer, referral, S.ACCEPTED, old)
    assert referral.status == S.ACKNOWLEDGED


def test_completion_by_the_caseworker_only_after_the_service_was_provided(app, world):
    worker = world.centre.worker
    referral = send(worker, world.case, world.provider)
    for frm in (S.SENT, S.ACKNOWLEDGED, S.ACCEPTED, S.APPOINTMENT_SCHEDULED):
        put(referral, frm)
        with pytest.raises(ReferralError, match="not possible now"):
            lifecycle.complete_referral(worker, referral, referral.lock_version)
    put(referral, S.SERVICE_PROVIDED)
    with acting(app, worker):
        lifecycle.complete_referral(worker, referral, referral.lock_version)
    assert referral.status == S.COMPLETED
    assert referral.closed_at is not None
    last = events_of(referral)[-1]
    assert (last.status_from, last.status_to, last.actor_id) == (
        S.SERVICE_PROVIDED,
        S.COMPLETED,
        worker.id,
    )
    # A caseworker of another centre does not reach it at all.
    stranger = centre().worker
    other = send(worker, world.case, world.provider)
    put(other, S.SERVICE_PROVIDED)
    with pytest.raises(GrantError):
        lifecycle.complete_referral(stranger, other, other.lock_version)


def test_a_caseworker_does_not_act_for_a_provider_that_has_an_account(world):
    referral = send(world.centre.worker, world.case, world.provider)
    with pytest.raises(ReferralError):
        lifecycle.provider_step(world.centre.worker, referral, S.ACCEPTED, referral.lock_version)
    assert referral.status == S.SENT


def test_steps_need_their_reason_and_appointment(world):
    officer = world.provider.user
    referral = send(world.centre.worker, world.case, world.provider)
    with pytest.raises(ReferralError) as refused:
        lifecycle.provider_step(officer, referral, S.DECLINED, referral.lock_version)
    assert refused.value.field == "decline_reason"
    lifecycle.provider_step(officer, referral, S.ACCEPTED, referral.lock_version)
    with pytest.raises(ReferralError) as refused:
        lifecycle.provider_step(officer, referral, S.APPOINTMENT_SCHEDULED, referral.lock_version)
    assert refused.value.field == "appointment_at"
    with pytest.raises(ReferralError) as refused:
        lifecycle.provider_step(
            officer,
            referral,
            S.APPOINTMENT_SCHEDULED,
            referral.lock_version,
            appointment_at=utcnow() - timedelta(days=3),
        )
    assert refused.value.field == "appointment_at"
    assert referral.status == S.ACCEPTED


# --- sending, gated by consent ----------------------------------------------------------


def _refusal(user, case, to, **kw):
    with pytest.raises(ReferralError) as refused:
        send(user, case, to, **kw)
    return [(f, str(m)) for f, m in refused.value.errors]


def test_send_is_refused_without_consent_withdrawn_uncovered_or_unnamed(world):
    worker, police = world.centre.worker, world.provider
    bare = open_case(worker, "No Consentova")
    assert _refusal(worker, bare, police) == [
        (None, "No consent to release information has been recorded.")
    ]
    health = provider(OrganisationType.HEALTH)
    assert _refusal(worker, world.case, health) == [
        (None, "The consent does not cover this type of service.")
    ]
    named = open_case(worker, "Named Consentova")
    other_police = provider()
    release(worker, named, (police.service_type,), (other_police.org.id,))
    assert _refusal(worker, named, police) == [
        (None, "The consent names other providers: this one is not among them.")
    ]
    assert send(worker, named, other_police).status == S.SENT  # the named one is covered
    withdraw_release(worker, world.case)
    assert _refusal(worker, world.case, police) == [
        (None, "The consent to release information was withdrawn.")
    ]
    count = db.session.scalar(
        select(db.func.count()).select_from(Referral).where(Referral.case_id == world.case.id)
    )
    assert count == 0


def test_every_broken_rule_of_a_referral_at_once(world):
    errors = dict(
        (f, str(m))
        for f, m in _refusal(
            world.centre.worker,
            world.case,
            world.provider,
            summary="  ",
            urgency=None,
        )
    )
    assert set(errors) == {"summary", "urgency"}


def test_override_only_by_a_supervisor_with_a_reason_audited_and_shown(app, world):
    c, police = world.centre, world.provider
    case = open_case(c.worker, "Override Childova")
    assert _refusal(c.worker, case, police, override_reason="Mandatory report: a child")[0] == (
        "override_reason",
        "Only a supervisor can send a referral that consent does not cover.",
    )
    assert _refusal(c.supervisor, case, police, override_reason="   ") == [
        (None, "No consent to release information has been recorded.")
    ]
    reason = "Mandatory report: a child in danger"
    with acting(app, c.supervisor):
        referral = send(c.supervisor, case, police, override_reason=reason)
    assert referral.consent_override
    assert referral.override_by_id == c.supervisor.id
    grant = case_policy.grant_for(c.worker, case, {U.NOTES})
    assert fields.read(referral, "override_reason", grant) == reason
    (overridden,) = audit_of("referral_consent_override", case)
    assert overridden.actor_user_id == c.supervisor.id
    assert overridden.detail == {"referral": str(referral.id)}
    (sent,) = audit_of("referral_sent", case)
    assert sent.detail["override"] is True
    assert_ids_only(sent.detail)
    (shown,) = timeline_of(case, "referral_sent")
    assert shown.detail["override"] is True
    # The override stands for the provider while the survivor has not withdrawn.
    assert policy.access_for(police.user, referral).items == ("name", "safe_contact", "summary")
    covered = send(c.supervisor, world.case, police, override_reason=reason)
    assert not covered.consent_override  # consent covered it: no override recorded
    own = case_policy.grant_for(c.worker, world.case, {U.NOTES})
    assert fields.read(covered, "override_reason", own) is None


def test_narrowing_is_honoured_and_widening_refused(world):
    worker, police = world.centre.worker, world.provider
    narrow = send(worker, world.case, police, items=("name",))
    assert narrow.shared_items == ["name", "summary"]
    posted = ("name", "age", "psychosocial_needs", "notes", "narrative", "feedback", "x")
    wide = send(worker, world.case, police, items=posted)
    assert wide.shared_items == ["name", "summary"]  # nothing outside the police profile
    grant = policy.shared_grant(police.user, wide)
    assert grant.units == frozenset({U.NAME, U.REFERRAL_SUMMARY})
    assert fields.read(world.case, "full_name", grant) == "Zarina Summaryova"
    with pytest.raises(GrantError):
        fields.read(world.case, "phone", grant)
    with pytest.raises(GrantError):
        fields.read(world.case, "note", grant)
    full = send(
        worker, world.case, police, items=tuple(policy.sharing.PROFILES[OrganisationType.POLICE])
    )
    assert tuple(full.shared_items) == policy.sharing.PROFILES[OrganisationType.POLICE]


# --- deadlines --------------------------------------------------------------------------


def test_deadline_for_each_urgency_and_the_routine_setting(app, world, monkeypatch):
    worker, police = world.centre.worker, world.provider
    for urgency, hours in ((Urgency.IMMEDIATE, 24), (Urgency.URGENT, 72), (Urgency.ROUTINE, 168)):
        referral = send(worker, world.case, police, urgency=urgency)
        assert referral.due_at - referral.sent_at == timedelta(hours=hours), urgency
    monkeypatch.setitem(app.config, "REFERRAL_ROUTINE_HOURS", 120)
    routine = send(worker, world.case, police, urgency=Urgency.ROUTINE)
    assert routine.due_at - routine.sent_at == timedelta(hours=120)
    assert lifecycle.deadline(routine.sent_at, Urgency.IMMEDIATE) - routine.sent_at == timedelta(
        hours=24
    )


def test_deadlines_cross_midnight_and_month_ends_in_bishkek_time():
    late = datetime(2026, 3, 28, 23, 30, tzinfo=BISHKEK).astimezone(UTC)
    immediate = lifecycle.deadline(late, Urgency.IMMEDIATE).astimezone(BISHKEK)
    assert (immediate.date().isoformat(), immediate.hour, immediate.minute) == (
        "2026-03-29",
        23,
        30,
    )
    urgent = lifecycle.deadline(late, Urgency.URGENT).astimezone(BISHKEK)
    # The last Sunday of March changes nothing in Bishkek (UTC+6 all year).
    assert (urgent.date().isoformat(), urgent.hour) == ("2026-03-31", 23)
    assert urgent.utcoffset() == timedelta(hours=6)


def test_is_overdue_before_and_after_the_deadline(world):
    officer = world.provider.user
    referral = send(world.centre.worker, world.case, world.provider, urgency=Urgency.IMMEDIATE)
    due = referral.due_at
    assert not lifecycle.is_overdue(referral, now=due - timedelta(minutes=1))
    assert lifecycle.is_overdue(referral, now=due + timedelta(minutes=1))
    lifecycle.provider_step(officer, referral, S.ACKNOWLEDGED, referral.lock_version)
    assert not lifecycle.is_overdue(referral, now=due + timedelta(days=3))  # answered


# --- on paper ---------------------------------------------------------------------------


def test_on_paper_the_caseworker_records_steps_on_behalf(app, world):
    worker = world.centre.worker
    rural = SimpleNamespace(
        org=factories.OrganisationFactory(org_type=OrganisationType.POLICE),
        service_type=ServiceType.POLICE_INTERNAL_AFFAIRS,
    )
    referral = send(worker, world.case, rural, on_paper=True)
    assert referral.is_on_paper
    with acting(app, worker):
        lifecycle.provider_step(
            worker,
            referral,
            S.ACCEPTED,
            referral.lock_version,
            feedback="She was seen by the inspector.",
        )
    db.session.flush()
    steps = events_of(referral)
    accepted = [e for e in steps if e.status_to == S.ACCEPTED and e.kind == "status"]
    assert len(accepted) == 1
    assert accepted[0].on_behalf
    assert accepted[0].actor_id == worker.id
    feedback = [e for e in steps if e.kind == "feedback"]
    assert len(feedback) == 1
    assert feedback[0].on_behalf
    (audit,) = audit_of("referral_accepted", world.case)
    assert audit.detail["on_behalf"] is True
    grant = case_policy.grant_for(worker, world.case, {U.REFERRAL_FEEDBACK})
    assert fields.read(referral, "feedback", grant) == "She was seen by the inspector."
    # A provider of any other organisation does not reach it (the addressed one has no
    # account), and the caseworker of another centre neither.
    for outsider in (world.provider.user, centre().worker):
        with pytest.raises(GrantError):
            lifecycle.provider_step(outsider, referral, S.SERVICE_PROVIDED, referral.lock_version)
        assert policy.get_referral_for(outsider, referral.id) is None
    assert referral.status == S.ACCEPTED


# --- the provider loses the survivor's data ---------------------------------------------


def _finish(kind, world, referral):
    worker, officer = world.centre.worker, world.provider.user
    if kind == "completion":
        put(referral, S.SERVICE_PROVIDED)
        lifecycle.complete_referral(worker, referral, referral.lock_version)
    elif kind == "decline":
        lifecycle.provider_step(
            officer,
            referral,
            S.DECLINED,
            referral.lock_version,
            decline_reason=DeclineReason.NOT_ELIGIBLE,
        )
    elif kind == "withdrawal":
        lifecycle.withdraw_referral(worker, referral, referral.lock_version)
    elif kind == "consent withdrawal":
        withdraw_release(worker, referral.case)
    elif kind == "erasure":
        cases.erase_case(world.centre.supervisor, referral.case, ErasureReason.SURVIVOR_REQUEST)
    db.session.flush()


@pytest.mark.parametrize(
    "kind", ["completion", "decline", "withdrawal", "consent withdrawal", "erasure"]
)
def test_the_provider_loses_every_identifying_unit(world, kind):
    officer = world.provider.user
    referral = send(world.centre.worker, world.case, world.provider)
    lifecycle.provider_step(officer, referral, S.ACCEPTED, referral.lock_version)
    grant = policy.shared_grant(officer, referral)
    assert grant.units == frozenset({U.NAME, U.CONTACT, U.REFERRAL_SUMMARY})
    assert fields.read(referral, "summary", grant) == SUMMARY
    notes = policy.provider_grant(officer, referral, U.WRITE)
    fields.write(referral, "provider_notes", "Called her on Monday.", notes)
    db.session.flush()

    _finish(kind, world, referral)

    access = policy.access_for(officer, referral)
    assert access.items == ()
    with pytest.raises(GrantError):
        policy.shared_grant(officer, referral)
    if kind == "erasure":
        assert policy.get_referral_for(officer, referral.id) is None
        with pytest.raises(GrantError):
            policy.provider_grant(officer, referral)
        return
    # The status and the provider's own notes remain.
    assert policy.get_referral_for(officer, referral.id) is not None
    assert access.visible
    assert access.as_provider
    mine = policy.provider_grant(officer, referral)
    assert U.NAME not in mine.units
    assert U.REFERRAL_SUMMARY not in mine.units
    assert fields.read(referral, "provider_notes", mine) == "Called her on Monday."
    with pytest.raises(GrantError):
        fields.read(referral, "summary", mine)
