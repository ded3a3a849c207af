"""Transfer of a case to another crisis centre: sent with consent, seen by the receiving
centre's supervisors as a referral until one of them accepts it; then the case, its
ownership and its access move, and the old centre loses it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.cases import policy as case_policy
from referral.cases.models import CaseAssignment, CaseEvent
from referral.cases.service.assignment import assign_case
from referral.cases.service.common import CaseClosedError, StaleError
from referral.crypto import fields
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals import policy
from referral.referrals.models import DeclineReason, ReferralStatus, Urgency
from referral.referrals.service import lifecycle, transfer
from referral.referrals.service.lifecycle import ReferralError, ReferralInput
from tests.helpers import release
from tests.referrals.test_lifecycle import (
    acting,
    centre,
    events_of,
    open_case,
    provider,
    send,
    withdraw_release,
)

S = ReferralStatus


def _transfer(user, case, to, **kw):
    referral = transfer.send_transfer(
        user,
        case,
        ReferralInput(
            to_org_id=to.org.id,
            service_type=None,
            urgency=Urgency.ROUTINE,
            shared_items=("name", "age", "safe_contact", "risk", "notes"),
            summary="She moves to Osh to live with her sister.",
            **kw,
        ),
    )
    db.session.flush()
    return referral


@pytest.fixture
def move():
    old, new = centre(), centre()
    case = open_case(old.worker, "Aizada Movingova", consent_to=(ServiceType.CRISIS_CENTRE,))
    colleague = centre_colleague(old)
    assign_case(old.supervisor, case, old.worker.id, [colleague.id])
    db.session.flush()
    return SimpleNamespace(old=old, new=new, case=case, colleague=colleague)


def centre_colleague(c):
    from referral.auth.permissions import Role
    from tests import factories

    return factories.UserFactory(role=Role.CASEWORKER, organisation=c.org)


def test_a_transfer_is_a_crisis_centre_referral_sent_with_consent(move):
    referral = _transfer(move.old.worker, move.case, move.new)
    assert referral.service_type == ServiceType.CRISIS_CENTRE
    assert transfer.is_transfer(referral)
    assert referral.shared_items == ["name", "age", "safe_contact", "risk", "summary"]
    # Not to a provider, not to its own centre, not without consent.
    with pytest.raises(ReferralError) as refused:
        _transfer(move.old.worker, move.case, provider(OrganisationType.POLICE))
    assert refused.value.field == "to_org_id"
    with pytest.raises(ReferralError):
        _transfer(move.old.worker, move.case, move.old)
    bare = open_case(move.old.worker, "Bare Consentova")
    with pytest.raises(ReferralError, match="No consent to release"):
        _transfer(move.old.worker, bare, move.new)


def test_the_receiving_supervisor_sees_the_transfer_as_a_provider_until_accepting(move):
    referral = _transfer(move.old.worker, move.case, move.new)
    boss = move.new.supervisor
    assert [r.id for r in db.session.execute(policy.incoming_transfers(boss)).scalars()] == [
        referral.id
    ]
    assert policy.get_referral_for(boss, referral.id) is not None
    access = policy.access_for(boss, referral)
    assert access.visible
    assert access.as_provider
    assert access.can_act
    grant = policy.shared_grant(boss, referral)
    assert fields.read(move.case, "full_name", grant) == "Aizada Movingova"
    with pytest.raises(GrantError):
        fields.read(move.case, "note", grant)  # the case notes are not shared
    # Its caseworkers and other centres' supervisors do not see it; nor the whole case.
    for outsider in (move.new.worker, centre().supervisor):
        assert policy.get_referral_for(outsider, referral.id) is None
        assert not policy.access_for(outsider, referral).visible
    assert not case_policy.access_for(boss, move.case).visible
    # The generic accept step does not move a case.
    with pytest.raises(ReferralError, match="receiving centre"):
        lifecycle.provider_step(boss, referral, S.ACCEPTED, referral.lock_version)
    lifecycle.provider_step(boss, referral, S.ACKNOWLEDGED, referral.lock_version)
    assert referral.status == S.ACKNOWLEDGED


def test_accepting_moves_the_case_its_owner_and_its_access(app, move):
    referral = _transfer(move.old.worker, move.case, move.new)
    boss = move.new.supervisor
    newcomer = centre_colleague(move.new)
    with acting(app, boss):
        case = transfer.accept_transfer(boss, referral, referral.lock_version, owner_id=newcomer.id)
    db.session.flush()
    assert case.organisation_id == move.new.org.id
    assert case.owner_id == newcomer.id
    assert (
        db.session.scalar(
            select(db.func.count())
            .select_from(CaseAssignment)
            .where(CaseAssignment.case_id == case.id)
        )
        == 0
    )
    # The old centre loses it: owner, assigned colleague and supervisor alike.
    for old_user in (move.old.worker, move.colleague, move.old.supervisor):
        assert not case_policy.access_for(old_user, case).visible
        assert case_policy.get_case_for(old_user, case.id) is None
        assert policy.get_referral_for(old_user, referral.id) is None
    # The new owner and the receiving supervisor read the whole case.
    for new_user in (newcomer, boss):
        grant = case_policy.grant_for(new_user, case, {U.NAME, U.NOTES})
        assert fields.read(case, "full_name", grant) == "Aizada Movingova"
    assert policy.access_for(boss, referral).as_case_worker
    assert list(db.session.execute(policy.incoming_transfers(boss)).scalars()) == []
    # The steps, the timeline, the audit trail (ids only).
    steps = [(e.status_from, e.status_to, e.actor_id) for e in events_of(referral)]
    assert steps[-2:] == [(S.SENT, S.ACCEPTED, boss.id), (S.ACCEPTED, S.COMPLETED, boss.id)]
    assert referral.status == S.COMPLETED
    assert referral.closed_at is not None
    moved = db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "case_transferred")
    ).scalar_one()
    assert moved.actor_id == boss.id
    assert moved.detail == {"from_org": str(move.old.org.id), "to_org": str(move.new.org.id)}
    audit = db.session.execute(
        select(AuditEvent).where(
            AuditEvent.action == "case_transferred", AuditEvent.target_id == str(case.id)
        )
    ).scalar_one()
    assert audit.actor_user_id == boss.id
    assert audit.detail == {
        "referral": str(referral.id),
        "from_org": str(move.old.org.id),
        "to_org": str(move.new.org.id),
        "owner": str(newcomer.id),
        "assignments_removed": 1,
    }


def test_the_accepting_supervisor_owns_it_by_default_and_its_referrals_follow(move):
    police = provider()
    release(move.old.worker, move.case, (ServiceType.CRISIS_CENTRE, police.service_type))
    to_police = send(move.old.worker, move.case, police)
    referral = _transfer(move.old.worker, move.case, move.new)
    boss = move.new.supervisor
    case = transfer.accept_transfer(boss, referral)
    assert case.owner_id == boss.id
    # The case's other referrals are the new centre's to follow; the provider keeps its view.
    assert policy.access_for(boss, to_police).as_case_worker
    assert not policy.access_for(move.old.worker, to_police).visible
    assert policy.access_for(police.user, to_police).items == ("name", "safe_contact", "summary")


def test_only_a_supervisor_of_the_receiving_centre_accepts_and_names_its_own_staff(move):
    referral = _transfer(move.old.worker, move.case, move.new)
    for wrong in (move.new.worker, centre().supervisor, move.old.supervisor, provider().user):
        with pytest.raises(GrantError):
            transfer.accept_transfer(wrong, referral, referral.lock_version)
    with pytest.raises(ReferralError) as refused:
        transfer.accept_transfer(
            move.new.supervisor, referral, referral.lock_version, owner_id=move.old.worker.id
        )
    assert refused.value.field == "owner_id"
    assert move.case.organisation_id == move.old.org.id


def test_a_transfer_that_is_no_longer_open_or_consented_or_stale_is_refused(move):
    boss = move.new.supervisor
    declined = _transfer(move.old.worker, move.case, move.new)
    lifecycle.provider_step(
        boss,
        declined,
        S.DECLINED,
        declined.lock_version,
        decline_reason=DeclineReason.SERVICE_UNAVAILABLE,
    )
    with pytest.raises(ReferralError, match="not possible now"):
        transfer.accept_transfer(boss, declined, declined.lock_version)
    withdrawn = _transfer(move.old.worker, move.case, move.new)
    lifecycle.withdraw_referral(move.old.worker, withdrawn, withdrawn.lock_version)
    with pytest.raises(ReferralError):
        transfer.accept_transfer(boss, withdrawn, withdrawn.lock_version)
    stale = _transfer(move.old.worker, move.case, move.new)
    old_version = stale.lock_version
    lifecycle.provider_step(boss, stale, S.ACKNOWLEDGED, old_version)
    with pytest.raises(StaleError):
        transfer.accept_transfer(boss, stale, old_version)
    withdraw_release(move.old.worker, move.case)
    with pytest.raises(GrantError):  # consent gone: nothing of her is shown any more
        policy.shared_grant(boss, stale)
    with pytest.raises(ReferralError, match="consent"):
        transfer.accept_transfer(boss, stale, stale.lock_version)
    assert move.case.organisation_id == move.old.org.id


def test_a_closed_case_is_not_transferred(move):
    referral = _transfer(move.old.worker, move.case, move.new)
    move.case.status = move.case.status.__class__.CLOSED
    db.session.flush()
    with pytest.raises(CaseClosedError):
        transfer.accept_transfer(move.new.supervisor, referral, referral.lock_version)
