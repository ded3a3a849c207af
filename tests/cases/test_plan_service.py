"""Action plan and follow-up services: every rule at once, encryption, optimistic
locking, and the home page's overdue lists within the user's scope."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases import service
from referral.cases.models import CaseEvent, CaseStatus
from referral.cases.models.plan import (
    FollowUpType,
    PlanArea,
    Progress,
    ServicesReceived,
)
from referral.cases.service import followup, plan
from referral.cases.service.common import CaseClosedError, StaleError, today
from referral.crypto.grants import GrantError
from referral.directory.models import ServiceType
from referral.extensions import db
from tests import factories

GOAL = "Safe housing for her and the two children"


@pytest.fixture
def worker():
    return factories.UserFactory(role=Role.CASEWORKER)


def _open(user, name="Айгүл Токтогулова"):
    return service.open_case(user, service.CaseInput(full_name=name, phone="0555 12 34 56"))


def _item(user, case, **kw):
    data = {
        "area": PlanArea.SAFETY,
        "goal": GOAL,
        "owner_id": user.id,
        "due_date": today() + timedelta(days=7),
        "service_type": ServiceType.SHELTER_SAFE_ACCOMMODATION,
    }
    data.update(kw)
    return plan.add_action_item(user, case, plan.ActionItemInput(**data))


def _follow_up(user, case, **kw):
    data = {
        "held_on": today(),
        "kind": FollowUpType.PHONE,
        "services_received": ServicesReceived.PARTLY,
        "services_details": "Shelter yes, legal aid not yet",
        "notes": "She sounded calmer",
        "next_date": today() + timedelta(days=5),
    }
    data.update(kw)
    return followup.add_follow_up(user, case, followup.FollowUpInput(**data))


def _events(case, kind):
    return list(
        db.session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
        ).scalars()
    )


# --- action plan ------------------------------------------------------------------------


def test_an_item_is_saved_encrypted_and_read_back(worker):
    case = _open(worker)
    item = _item(worker, case)
    db.session.flush()
    assert GOAL.encode() not in item.goal_ct
    [view] = plan.action_items(worker, case)
    assert view.goal == GOAL
    assert view.owner_id == worker.id
    assert view.progress == Progress.NOT_STARTED
    assert view.service_type == ServiceType.SHELTER_SAFE_ACCOMMODATION
    assert len(_events(case, "action_item_added")) == 1
    audit = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "sensitive_create")
    ).scalars()
    assert any(e.detail.get("record") == "action_plan_items" for e in audit)


def test_every_broken_rule_of_an_item_comes_back_at_once(worker):
    case = _open(worker)
    stranger = factories.UserFactory(role=Role.CASEWORKER)  # another centre
    with pytest.raises(service.CaseError) as caught:
        plan.add_action_item(
            worker,
            case,
            plan.ActionItemInput(
                area=None, goal="   ", owner_id=stranger.id, due_date=today() - timedelta(days=1)
            ),
        )
    assert {f for f, _m in caught.value.errors} == {"area", "goal", "owner_id", "due_date"}
    assert "before the case was opened" in str(caught.value)


def test_the_owner_may_be_a_colleague_of_the_centre(worker):
    case = _open(worker)
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=worker.organisation)
    item = _item(worker, case, owner_id=colleague.id)
    assert item.owner_id == colleague.id


def test_an_edit_from_an_old_form_is_stale_and_names_what_changed(worker):
    case = _open(worker)
    item = _item(worker, case)
    db.session.flush()
    version = item.lock_version
    changed = plan.ActionItemInput(
        area=PlanArea.SAFETY,
        goal="A different goal",
        owner_id=worker.id,
        due_date=item.due_date,
        service_type=item.service_type,
        progress=Progress.IN_PROGRESS,
    )
    plan.update_action_item(worker, case, item, changed, version)
    db.session.flush()
    with pytest.raises(StaleError) as caught:
        plan.update_action_item(
            worker, case, item, plan.ActionItemInput(**{**changed.__dict__, "goal": GOAL}), version
        )
    assert caught.value.changed == ["goal"]
    assert caught.value.current["goal"] == "A different goal"


def test_mark_met_records_when_and_tells_the_timeline(worker):
    case = _open(worker)
    item = _item(worker, case)
    db.session.flush()
    plan.mark_met(worker, case, item, item.lock_version)
    assert item.progress == Progress.MET
    assert item.met_at is not None
    assert len(_events(case, "action_item_met")) == 1
    with pytest.raises(StaleError):
        plan.mark_met(worker, case, item, 1)


def test_a_closed_case_refuses_plan_changes(worker):
    case = _open(worker)
    item = _item(worker, case)
    case.status = CaseStatus.CLOSED
    db.session.flush()
    with pytest.raises(CaseClosedError):
        _item(worker, case)
    with pytest.raises(CaseClosedError):
        plan.mark_met(worker, case, item, item.lock_version)
    assert plan.action_items(worker, case)[0].goal == GOAL  # still readable


def test_a_caseworker_outside_the_case_gets_no_grant(worker):
    case = _open(worker)
    colleague = factories.UserFactory(role=Role.CASEWORKER, organisation=worker.organisation)
    with pytest.raises(GrantError):
        _item(colleague, case, owner_id=colleague.id)


# --- follow-up --------------------------------------------------------------------------


def test_a_follow_up_is_saved_encrypted_and_listed_newest_first(worker):
    case = _open(worker)
    older = _follow_up(worker, case, next_date=None)
    newer = _follow_up(worker, case, notes="Second call", risk_reassessed=True)
    db.session.flush()
    assert b"calmer" not in older.notes_ct
    assert b"legal aid" not in older.services_details_ct
    views = followup.follow_ups(worker, case)
    assert [v.id for v in views] == [newer.id, older.id]
    assert views[0].notes == "Second call"
    assert views[0].risk_reassessed
    assert views[1].services_details == "Shelter yes, legal aid not yet"
    assert len(_events(case, "follow_up_added")) == 2


def test_every_broken_rule_of_a_follow_up_comes_back_at_once(worker):
    case = _open(worker)
    with pytest.raises(service.CaseError) as caught:
        _follow_up(
            worker,
            case,
            held_on=today() + timedelta(days=1),
            kind=None,
            services_received=None,
            next_date=today(),
        )
    assert {f for f, _m in caught.value.errors} == {
        "held_on",
        "kind",
        "services_received",
        "next_date",
    }
    assert "future" in str(caught.value)


def test_a_follow_up_before_the_case_was_opened_is_refused(worker):
    case = _open(worker)
    with pytest.raises(service.CaseError) as caught:
        _follow_up(worker, case, held_on=today() - timedelta(days=3))
    assert caught.value.field == "held_on"


def test_follow_up_edit_with_an_old_version_is_stale(worker):
    case = _open(worker)
    record = _follow_up(worker, case)
    db.session.flush()
    version = record.lock_version
    data = followup.FollowUpInput(
        held_on=today(),
        kind=FollowUpType.VISIT,
        services_received=ServicesReceived.YES,
        notes="Visited",
    )
    followup.update_follow_up(worker, case, record, data, version)
    db.session.flush()
    with pytest.raises(StaleError) as caught:
        followup.update_follow_up(worker, case, record, data, version)
    assert caught.value.changed == []  # she typed what is saved: nothing differs
    assert followup.follow_ups(worker, case)[0].kind == FollowUpType.VISIT


# --- the home page's overdue lists -------------------------------------------------------


@pytest.fixture
def centre():
    """A caseworker, a colleague and their supervisor, plus a caseworker elsewhere."""
    worker = factories.UserFactory(role=Role.CASEWORKER)
    org = worker.organisation
    return {
        "worker": worker,
        "colleague": factories.UserFactory(role=Role.CASEWORKER, organisation=org),
        "supervisor": factories.UserFactory(role=Role.SUPERVISOR, organisation=org),
        "elsewhere": factories.UserFactory(role=Role.CASEWORKER),
    }


def test_overdue_action_items_follow_the_case_scope(centre):
    worker, colleague = centre["worker"], centre["colleague"]
    own, theirs, far = _open(worker), _open(colleague), _open(centre["elsewhere"])
    assigned = _open(colleague, name="Назира Асанова")
    service.assign_case(centre["supervisor"], assigned, colleague.id, [worker.id])
    soon = today() + timedelta(days=2)
    for case, owner in ((own, worker), (theirs, colleague), (assigned, colleague)):
        _item(owner, case, due_date=soon)
        _item(owner, case, due_date=soon + timedelta(days=1))
    _item(centre["elsewhere"], far, due_date=soon)
    later = today() + timedelta(days=10)

    rows = plan.overdue_action_items(worker, later)
    assert {r.case_id for r in rows} == {own.id, assigned.id}
    assert all(r.since == soon and r.count == 2 for r in rows)
    supervised = plan.overdue_action_items(centre["supervisor"], later)
    assert {r.case_id for r in supervised} == {own.id, theirs.id, assigned.id}
    assert plan.overdue_action_items(worker, soon) == []  # due today is not overdue yet


def test_met_items_and_closed_cases_are_not_overdue(centre):
    worker = centre["worker"]
    done, closed = _open(worker), _open(worker, name="Жылдыз Асанова")
    item = _item(worker, done, due_date=today())
    _item(worker, done, due_date=today(), progress=Progress.NOT_APPLICABLE)
    db.session.flush()
    plan.mark_met(worker, done, item, item.lock_version)
    _item(worker, closed, due_date=today())
    closed.status = CaseStatus.CLOSED
    db.session.flush()
    assert plan.overdue_action_items(worker, today() + timedelta(days=1)) == []


def test_overdue_follow_ups_look_at_the_latest_follow_up_only(centre):
    worker, colleague = centre["worker"], centre["colleague"]
    waiting, done, theirs = _open(worker), _open(worker, name="Жылдыз Асанова"), _open(colleague)
    _follow_up(worker, waiting, next_date=today() + timedelta(days=2))
    _follow_up(worker, done, next_date=today() + timedelta(days=1))
    _follow_up(worker, done, next_date=None)  # the later one planned nothing further
    _follow_up(colleague, theirs, next_date=today() + timedelta(days=1))
    later = today() + timedelta(days=5)

    rows = followup.overdue_followups(worker, later)
    assert [(r.case_id, r.since) for r in rows] == [(waiting.id, today() + timedelta(days=2))]
    supervised = followup.overdue_followups(centre["supervisor"], later)
    assert [r.case_id for r in supervised] == [theirs.id, waiting.id]  # longest overdue first
    assert followup.overdue_followups(centre["elsewhere"], later) == []
    assert followup.overdue_followups(worker, today() + timedelta(days=2)) == []


def test_overdue_lists_decrypt_nothing(centre, monkeypatch):
    worker = centre["worker"]
    case = _open(worker)
    _item(worker, case, due_date=today())
    _follow_up(worker, case, next_date=today() + timedelta(days=1))
    db.session.flush()
    from referral.crypto import fields

    def refuse(*_a, **_k):
        raise AssertionError("the overdue lists must not decrypt")

    monkeypatch.setattr(fields, "read", refuse)
    later = today() + timedelta(days=3)
    assert plan.overdue_action_items(worker, later)[0].case_code == case.case_code
    assert followup.overdue_followups(worker, later)[0].case_code == case.case_code
