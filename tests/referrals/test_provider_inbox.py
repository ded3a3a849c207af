"""The inbox service: every referral of the organisation exactly once across pages,
overdue ones first whatever their age, filters, capped counts, and no name unless the
referral is active and shares it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals import service
from referral.referrals.models import Referral, ReferralStatus, Urgency
from referral.referrals.service import inbox
from tests import factories
from tests.helpers import release

S = ReferralStatus


@pytest.fixture
def setup():
    worker = factories.UserFactory(role=Role.CASEWORKER)
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    officer = factories.UserFactory(role=Role.PROVIDER, organisation=police)
    return worker, police, officer


def _send(worker, org, n: int, *, items=("name",)):
    case = cases.open_case(worker, cases.CaseInput(full_name=f"Survivor Number{n}ova"))
    db.session.flush()
    release(worker, case, (ServiceType.POLICE_INTERNAL_AFFAIRS,))
    referral = service.send_referral(
        worker,
        case,
        service.ReferralInput(
            to_org_id=org.id,
            service_type=ServiceType.POLICE_INTERNAL_AFFAIRS,
            urgency=Urgency.URGENT,
            shared_items=items,
            summary="Needs protection.",
        ),
    )
    db.session.flush()
    return referral


def _age(referral, days: float) -> None:
    """Move the referral's sending `days` into the past (its deadline with it)."""
    shift = timedelta(days=days)
    db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(sent_at=referral.sent_at - shift, due_at=referral.due_at - shift)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(referral)


def _all_pages(user, wanted=None) -> list:
    ids, cursor, pages = [], None, 0
    while True:
        page = inbox.list_inbox(user, wanted, cursor)
        assert page.first == (cursor is None)
        ids += [row.id for row in page.rows]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return ids, pages


def test_pages_keep_overdue_first_and_each_referral_once(setup, monkeypatch):
    worker, police, officer = setup
    monkeypatch.setattr(inbox, "PAGE_SIZE", 3)
    sent = [_send(worker, police, n) for n in range(8)]
    for n, referral in enumerate(sent):
        _age(referral, 8 - n)  # the first is the oldest
    overdue = [sent[0], sent[2], sent[4]]  # sent 8, 6 and 4 days ago: past 72 h
    for referral in sent[1::2]:
        service.provider_step(officer, referral, S.ACKNOWLEDGED, referral.lock_version)
    db.session.flush()
    elsewhere = _send(worker, factories.OrganisationFactory(org_type=OrganisationType.POLICE), 9)
    ids, pages = _all_pages(officer)
    expected_overdue = [r.id for r in reversed(overdue)]
    rest = [r.id for r in reversed(sent) if r not in overdue]
    assert ids == expected_overdue + rest  # overdue first, then newest first
    assert pages == 3
    assert elsewhere.id not in ids
    assert _all_pages(officer, inbox.OVERDUE)[0] == expected_overdue
    assert _all_pages(officer, S.ACKNOWLEDGED)[0] == [r.id for r in reversed(sent[1::2])]
    sent_only = _all_pages(officer, S.SENT)[0]
    assert sent_only == [*expected_overdue, sent[6].id]  # the odd ones were acknowledged


def test_a_malformed_cursor_starts_at_the_top(setup):
    worker, police, officer = setup
    first = _send(worker, police, 1)
    for cursor in ("", "x", "o.zz.abc", "n.1." + "0" * 40, "q.1." + first.id.hex, "n" * 200):
        page = inbox.list_inbox(officer, None, cursor)
        assert [r.id for r in page.rows] == [first.id]
        assert page.first


def test_counts_per_status_and_overdue_stop_at_the_cap(setup, monkeypatch):
    worker, police, officer = setup
    for n in range(3):
        _age(_send(worker, police, n), 5)
    accepted = _send(worker, police, 9)
    service.provider_step(officer, accepted, S.ACCEPTED, accepted.lock_version)
    db.session.flush()
    counts = inbox.inbox_counts(officer)
    assert counts["sent"] == 3
    assert counts["accepted"] == 1
    assert counts[inbox.OVERDUE] == 3
    assert counts["completed"] == 0
    assert inbox.waiting_count(officer) == 3
    monkeypatch.setattr(inbox, "COUNT_CAP", 2)
    counts = inbox.inbox_counts(officer)
    assert counts["sent"] == "2+"
    assert counts[inbox.OVERDUE] == "2+"
    assert counts["accepted"] == 1
    assert inbox.waiting_count(officer) == "2+"


def test_a_name_only_while_active_and_shared(setup):
    worker, police, officer = setup
    named = _send(worker, police, 1)
    unnamed = _send(worker, police, 2, items=("summary",))
    closed = _send(worker, police, 3)
    service.withdraw_referral(worker, closed, closed.lock_version)
    db.session.flush()
    names = {row.id: row.name for row in inbox.list_inbox(officer).rows}
    assert names == {named.id: "Survivor Number1ova", unnamed.id: None, closed.id: None}


def test_other_roles_see_no_inbox_rows(setup):
    worker, police, _officer = setup
    _send(worker, police, 1)
    for role in (Role.COMMITTEE_MEMBER, Role.ADMIN, Role.AUDITOR):
        assert inbox.list_inbox(factories.UserFactory(role=role)).rows == []
