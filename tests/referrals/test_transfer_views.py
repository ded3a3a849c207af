"""The screens of a transfer to another crisis centre: the sending page (the receiving
centres offered, consent refusal and the supervisor's override, every error at once
with the input kept), the receiving supervisor's list and transfer page (only what is
shared), accepting with an owner (the case moves: the new centre opens it, the old one
gets 404), declining with a reason, a stale accept (409), and who is refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from referral.auth.permissions import Role
from referral.cases import service as cases
from referral.directory.models import OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals.models import DeclineReason, Referral, ReferralStatus, Urgency
from referral.referrals.service import lifecycle, transfer
from referral.referrals.service.lifecycle import ReferralInput
from tests import factories
from tests.helpers import release
from tests.referrals.test_lifecycle import centre, provider

S = ReferralStatus
NAME = "Aizada Movingova"
PHONE = "0555 808 404"
NOTE = "Canary-note-TR4X stays with the sending centre"
SUMMARY = "She moves to Osh to live with her sister."


def _case(worker, *, consent=True):
    case = cases.open_case(worker, cases.CaseInput(full_name=NAME, phone=PHONE, note=NOTE))
    db.session.flush()
    if consent:
        release(worker, case, (ServiceType.CRISIS_CENTRE,))
    return case


@pytest.fixture
def move(login_as):
    old, new = centre(), centre()
    case = _case(old.worker)
    return SimpleNamespace(old=old, new=new, case=case, browser=login_as(old.worker))


def _html(response) -> str:
    return response.get_data(as_text=True)


def _form(to, **kw):
    data = {
        "to_org_id": str(to.org.id),
        "urgency": "urgent",
        "shared_items": ["name", "age", "risk"],
        "summary": SUMMARY,
    }
    data.update(kw)
    return data


def _fresh(record):
    """The record as the database now has it (the requests closed the test's session)."""
    return db.session.get(type(record), record.id, populate_existing=True)


def _referrals(case):
    return list(db.session.execute(select(Referral).where(Referral.case_id == case.id)).scalars())


def _sent(move):
    referral = transfer.send_transfer(
        move.old.worker,
        move.case,
        ReferralInput(
            to_org_id=move.new.org.id,
            service_type=None,
            urgency=Urgency.ROUTINE,
            shared_items=("name", "risk"),
            summary=SUMMARY,
        ),
    )
    db.session.flush()
    return referral


def test_the_whole_journey_send_see_accept_and_the_case_moves(move, login_as):
    inactive = factories.OrganisationFactory(
        org_type=OrganisationType.CRISIS_CENTRE, is_active=False
    )
    police = provider()
    # The case page offers the transfer; the page offers the other active centres only.
    case_page = _html(move.browser.get(f"/cases/{move.case.id}"))
    assert f"/referrals/cases/{move.case.id}/transfer" in case_page
    page = move.browser.get(f"/referrals/cases/{move.case.id}/transfer")
    html = _html(page)
    assert page.status_code == 200
    assert f'value="{move.new.org.id}"' in html
    for not_offered in (move.old.org, inactive, police.org):
        assert f'value="{not_offered.id}"' not in html
    assert 'value="safe_contact"' in html
    assert 'value="perpetrator_name"' not in html
    sent = move.browser.post(f"/referrals/cases/{move.case.id}/transfer", _form(move.new))
    assert sent.status_code == 302
    (referral,) = _referrals(move.case)
    assert sent.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert referral.service_type == ServiceType.CRISIS_CENTRE
    assert referral.status == S.SENT
    assert referral.shared_items == ["name", "age", "risk", "summary"]

    # The receiving supervisor: the home panel, the list, the page with only the shares.
    boss = login_as(move.new.supervisor)
    home = _html(boss.get("/"))
    assert "Transfers from other crisis centres" in home
    assert "/referrals/transfers" in home
    listed = _html(boss.get("/referrals/transfers"))
    assert f"/referrals/transfers/{referral.id}" in listed
    assert NAME not in listed
    shown = boss.get(f"/referrals/transfers/{referral.id}")
    html = _html(shown)
    assert shown.status_code == 200
    assert NAME in html
    assert SUMMARY in html
    assert PHONE not in html
    assert NOTE not in html
    assert boss.get(f"/cases/{move.case.id}").status_code == 404  # not theirs yet

    newcomer = factories.UserFactory(role=Role.CASEWORKER, organisation=move.new.org)
    assert f'value="{newcomer.id}"' in _html(boss.get(f"/referrals/transfers/{referral.id}"))
    accepted = boss.post(
        f"/referrals/transfers/{referral.id}/accept",
        {"lock_version": str(referral.lock_version), "owner_id": str(newcomer.id)},
    )
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/cases/{move.case.id}")
    moved = _fresh(move.case)
    assert moved.organisation_id == move.new.org.id
    assert moved.owner_id == newcomer.id
    case_page = boss.get(f"/cases/{move.case.id}")
    assert case_page.status_code == 200
    assert "The case is now your centre" in _html(case_page)  # the flash
    assert NAME in _html(case_page)  # the whole case now, not only the shares
    assert "Case transferred to another crisis centre" in _html(case_page)
    assert login_as(newcomer).get(f"/cases/{move.case.id}").status_code == 200
    # The old centre: the case and the transfer are gone for it.
    for old_user in (move.old.worker, move.old.supervisor):
        browser = login_as(old_user)
        assert browser.get(f"/cases/{move.case.id}").status_code == 404
        assert browser.get(f"/referrals/{referral.id}").status_code == 404
    # Nothing waits any more; the transfer page now leads to the case.
    assert "Transfers from other crisis centres" not in _html(boss.get("/"))
    assert f"/referrals/transfers/{referral.id}" not in _html(boss.get("/referrals/transfers"))
    done = boss.get(f"/referrals/transfers/{referral.id}")
    assert done.status_code == 200
    assert f"/cases/{move.case.id}" in _html(done)


def test_without_consent_the_transfer_is_refused_with_every_error_and_the_input_kept(
    move, login_as
):
    bare = _case(move.old.worker, consent=False)
    page = _html(move.browser.get(f"/referrals/cases/{bare.id}/transfer"))
    assert "No consent to release information has been recorded." in page
    assert f"/cases/{bare.id}/consent/new?kind=release" in page
    assert 'name="override_reason"' not in page  # a caseworker cannot override
    response = move.browser.post(
        f"/referrals/cases/{bare.id}/transfer",
        _form(move.new, urgency="", summary="Typed for Osh"),
    )
    html = _html(response)
    assert response.status_code == 422
    assert "No consent to release information has been recorded." in html
    assert "Choose how urgent it is." in html
    assert "Typed for Osh" in html
    assert f'selected value="{move.new.org.id}"' in html
    response = move.browser.post(
        f"/referrals/cases/{bare.id}/transfer", _form(move.new, override_reason="Mandatory")
    )
    assert response.status_code == 422
    assert "Only a supervisor can send a referral that consent does not cover." in _html(response)
    # Nothing chosen at all: every error at once.
    response = move.browser.post(
        f"/referrals/cases/{move.case.id}/transfer", _form(move.new, to_org_id="", summary="")
    )
    html = _html(response)
    assert response.status_code == 422
    assert "Choose an active provider from the list." in html
    assert "Write a summary" in html
    assert _referrals(bare) == []
    assert _referrals(move.case) == []
    # A supervisor overrides with a written reason.
    boss = login_as(move.old.supervisor)
    assert 'name="override_reason"' in _html(boss.get(f"/referrals/cases/{bare.id}/transfer"))
    response = boss.post(
        f"/referrals/cases/{bare.id}/transfer",
        _form(move.new, override_reason="She is in danger here and asked to move."),
    )
    assert response.status_code == 302
    (referral,) = _referrals(bare)
    assert referral.consent_override


def test_a_centre_s_own_or_a_provider_is_not_a_destination(move):
    police = provider()
    for wrong in (move.old, police):
        response = move.browser.post(f"/referrals/cases/{move.case.id}/transfer", _form(wrong))
        assert response.status_code == 422
        assert "Choose one of the options." in _html(response)
    assert _referrals(move.case) == []


def test_a_receiving_caseworker_and_another_centre_s_supervisor_get_404(move, login_as):
    referral = _sent(move)
    version = str(referral.lock_version)
    for outsider in (move.new.worker, centre().supervisor, move.old.supervisor):
        browser = login_as(outsider)
        assert browser.get(f"/referrals/transfers/{referral.id}").status_code == 404
        for action in ("accept", "decline"):
            response = browser.post(
                f"/referrals/transfers/{referral.id}/{action}",
                {"lock_version": version, "decline_reason": "other"},
            )
            assert response.status_code == 404
    assert login_as(move.new.worker).get("/referrals/transfers").status_code == 404
    assert _fresh(referral).status == S.SENT
    assert _fresh(move.case).organisation_id == move.old.org.id


def test_a_stale_accept_answers_409_keeps_the_owner_and_moves_nothing(move, login_as):
    referral = _sent(move)
    newcomer = factories.UserFactory(role=Role.CASEWORKER, organisation=move.new.org)
    boss = login_as(move.new.supervisor)
    loaded = str(referral.lock_version)
    boss.get(f"/referrals/transfers/{referral.id}")
    # Meanwhile a colleague confirms that the centre received it.
    referral = _fresh(referral)
    lifecycle.provider_step(move.new.supervisor, referral, S.ACKNOWLEDGED, referral.lock_version)
    response = boss.post(
        f"/referrals/transfers/{referral.id}/accept",
        {"lock_version": loaded, "owner_id": str(newcomer.id)},
    )
    html = _html(response)
    assert response.status_code == 409
    assert "Someone saved this record while you were editing it." in html
    assert f'selected value="{newcomer.id}"' in html
    referral = _fresh(referral)
    assert _fresh(move.case).organisation_id == move.old.org.id
    assert referral.status == S.ACKNOWLEDGED
    assert f'name="lock_version" value="{referral.lock_version}"' in html
    again = boss.post(
        f"/referrals/transfers/{referral.id}/accept",
        {"lock_version": str(referral.lock_version), "owner_id": str(newcomer.id)},
    )
    assert again.status_code == 302


def test_an_owner_outside_the_centre_is_refused(move, login_as):
    referral = _sent(move)
    boss = login_as(move.new.supervisor)
    response = boss.post(
        f"/referrals/transfers/{referral.id}/accept",
        {"lock_version": str(referral.lock_version), "owner_id": str(move.old.worker.id)},
    )
    assert response.status_code == 422
    assert "Choose one of the options." in _html(response)
    assert _fresh(move.case).organisation_id == move.old.org.id


def test_declining_needs_a_reason_and_the_sender_sees_it(move, login_as):
    referral = _sent(move)
    boss = login_as(move.new.supervisor)
    url = f"/referrals/transfers/{referral.id}/decline"
    response = boss.post(url, {"lock_version": str(referral.lock_version), "message": "Full"})
    assert response.status_code == 422
    assert "Say why the referral is declined." in _html(response)
    assert "Full" in _html(response)
    response = boss.post(
        url,
        {
            "lock_version": str(referral.lock_version),
            "decline_reason": DeclineReason.SERVICE_UNAVAILABLE.value,
            "message": "We have no place this month.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/referrals/transfers")
    assert _fresh(referral).status == S.DECLINED
    assert _fresh(move.case).organisation_id == move.old.org.id
    sender = _html(move.browser.get(f"/referrals/{referral.id}"))
    assert DeclineReason.SERVICE_UNAVAILABLE.label in sender
    assert "We have no place this month." in sender
    # Declined: the page keeps its status but shows nothing of her, and no accept form.
    page = _html(boss.get(f"/referrals/transfers/{referral.id}"))
    assert NAME not in page
    assert 'action="/referrals/transfers/' not in page


def test_the_receiving_supervisors_are_told_and_the_referral_link_opens_the_transfer(
    move, login_as
):
    from referral.notifications.models import Notification

    referral = _sent(move)
    told = {
        n.user_id
        for n in db.session.execute(
            select(Notification).where(Notification.referral_id == referral.id)
        ).scalars()
    }
    assert told == {move.new.supervisor.id}  # the one who may accept, not a caseworker
    boss = login_as(move.new.supervisor)
    opened = boss.get(f"/referrals/{referral.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/referrals/transfers/{referral.id}")
