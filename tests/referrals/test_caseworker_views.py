"""The caseworker's referral screens: the case page's Referrals section, the send page
(proposals, consent refusal with what to record, the supervisor's override, every error
at once with the input kept), the referral page with its steps, withdrawing, answers
recorded on behalf of a provider without an account, and the printed slip."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from referral.audit.models import AuditEvent
from referral.auth.permissions import Role
from referral.cases.models import CaseEvent
from referral.committees.models import PathwayStepProvider
from referral.committees.service import pathways
from referral.directory.models import OrganisationType
from referral.extensions import db
from referral.referrals.models import Referral, ReferralEvent, ReferralStatus, Urgency
from referral.referrals.service import proposals
from tests import factories
from tests.helpers import release
from tests.referrals.test_caseworker_proposals import (
    CANARY_NOTE,
    HEALTH,
    POLICE,
    local_pathway,
    open_case,
    places,
    provider,
    send_input,
)

S = ReferralStatus


@pytest.fixture
def world(login_as):
    where = places()
    org = factories.OrganisationFactory(
        org_type=OrganisationType.CRISIS_CENTRE, name_en="Sezim crisis centre"
    )
    factories.PhoneFactory(organisation_id=org.id, number="+996 312 555 777")
    worker = factories.UserFactory(role=Role.CASEWORKER, organisation=org)
    supervisor = factories.UserFactory(role=Role.SUPERVISOR, organisation=org)
    case = open_case(worker, where.rayon)
    return SimpleNamespace(
        places=where,
        org=org,
        worker=worker,
        supervisor=supervisor,
        case=case,
        browser=login_as(worker),
    )


def _html(response) -> str:
    return response.get_data(as_text=True)


def _section(response) -> str:
    return _html(response).split('id="referrals"')[1].split("</section>")[0]


def _form(to, service_type=POLICE, **kw):
    data = {
        "service_type": service_type.value,
        "to_org_id": str(to.org.id),
        "urgency": "urgent",
        "shared_items": ["name", "safe_contact"],
        "summary": "She needs protection tonight.",
    }
    data.update(kw)
    return data


def _only(model, **where):
    query = select(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(db.session.execute(query).scalars())


# --- the case page ----------------------------------------------------------------------


def test_the_case_page_shows_the_pathway_its_steps_and_the_referrals(world):
    rayon = world.places.rayon
    police = provider(area=rayon, name="Rayon police")
    version = local_pathway(rayon, POLICE, HEALTH)
    release(world.worker, world.case, (POLICE,))
    referral = proposals.send_along(
        world.worker, world.case, send_input(police, step_id=version.steps[0].id)
    )
    section = _section(world.browser.get(f"/cases/{world.case.id}"))
    assert version.pathway.committee.name in section
    assert "version 1" in section
    assert section.count("In progress") == 1
    assert section.count("Not started") == 1
    assert f"/referrals/{referral.id}" in section
    assert "Rayon police" in section
    assert f"/referrals/cases/{world.case.id}/new?step={version.steps[1].id}" in section
    timeline = _html(world.browser.get(f"/cases/{world.case.id}")).split('id="timeline"')[1]
    assert "Referral sent" in timeline
    printed = world.browser.get(f"/cases/{world.case.id}/print")
    assert printed.status_code == 200
    assert "Rayon police" in _section(printed)
    assert f"/referrals/{referral.id}" not in _section(printed)


def test_an_overdue_referral_is_flagged_on_the_case_page(world):
    police = provider(area=world.places.rayon)
    release(world.worker, world.case, (POLICE,))
    referral = proposals.send_along(world.worker, world.case, send_input(police))
    referral.due_at = referral.sent_at.replace(year=referral.sent_at.year - 1)
    db.session.flush()
    assert "Overdue" in _section(world.browser.get(f"/cases/{world.case.id}"))


# --- the send page ---------------------------------------------------------------------


def test_the_send_page_proposes_providers_and_offers_the_profile(world):
    rayon = world.places.rayon
    with_account = provider(area=rayon, name="Rayon police")
    provider(area=rayon, name="Village police", account=False)
    version = local_pathway(rayon, POLICE)
    step = version.steps[0]
    db.session.add(PathwayStepProvider(step=step, organisation_id=with_account.org.id, position=1))
    db.session.flush()
    page = world.browser.get(f"/referrals/cases/{world.case.id}/new?step={step.id}")
    html = _html(page)
    assert page.status_code == 200
    assert html.index("Rayon police") < html.index("Village police")
    assert "preferred on the pathway" in html
    assert "No account: on paper" in html
    page = world.browser.get(
        f"/referrals/cases/{world.case.id}/new?step={step.id}&provider={with_account.org.id}"
    )
    html = _html(page)
    assert 'value="perpetrator_name"' in html  # the police profile
    assert 'value="psychosocial_needs"' not in html
    assert 'checked id="shared_items-0" name="shared_items" type="checkbox" value="name"' in html
    # No consent yet: the page says why and what to record, with the link.
    assert "No consent to release information has been recorded." in html
    assert f"/cases/{world.case.id}/consent/new?kind=release" in html
    assert 'name="override_reason"' not in html  # a caseworker cannot override


def test_sending_redirects_to_the_referral_with_its_step(world):
    police = provider(area=world.places.rayon)
    version = local_pathway(world.places.rayon, POLICE)
    release(world.worker, world.case, (POLICE,))
    response = world.browser.post(
        f"/referrals/cases/{world.case.id}/new",
        _form(police, step_id=str(version.steps[0].id)),
    )
    assert response.status_code == 302
    (referral,) = _only(Referral, case_id=world.case.id)
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert referral.pathway_step_id == version.steps[0].id
    assert referral.urgency == Urgency.URGENT
    page = _html(world.browser.get(f"/referrals/{referral.id}"))
    assert "She needs protection tonight." in page
    assert "version 1, step 1" in page


def test_a_refused_send_shows_every_error_keeps_the_input_and_says_why(world):
    police = provider(area=world.places.rayon)
    response = world.browser.post(
        f"/referrals/cases/{world.case.id}/new",
        _form(police, urgency="", summary="Typed for the police"),
    )
    html = _html(response)
    assert response.status_code == 422
    assert "Choose how urgent it is." in html
    assert "No consent to release information has been recorded." in html
    assert "Typed for the police" in html
    assert _only(Referral, case_id=world.case.id) == []


def test_a_caseworker_posting_an_override_is_refused(world):
    police = provider(area=world.places.rayon)
    response = world.browser.post(
        f"/referrals/cases/{world.case.id}/new",
        _form(police, override_reason="Mandatory report"),
    )
    assert response.status_code == 422
    assert "Only a supervisor can send a referral that consent does not cover." in _html(response)
    assert _only(Referral, case_id=world.case.id) == []


def test_a_supervisor_overrides_consent_with_a_reason_shown_on_the_referral(world, login_as):
    police = provider(area=world.places.rayon)
    boss = login_as(world.supervisor)
    page = boss.get(
        f"/referrals/cases/{world.case.id}/new?service_type={POLICE.value}&provider={police.org.id}"
    )
    assert 'name="override_reason"' in _html(page)
    response = boss.post(
        f"/referrals/cases/{world.case.id}/new",
        _form(police, override_reason="Mandatory report: a child in danger"),
    )
    assert response.status_code == 302
    (referral,) = _only(Referral, case_id=world.case.id)
    assert referral.consent_override
    page = _html(boss.get(f"/referrals/{referral.id}"))
    assert "Consent overridden by a supervisor" in page
    assert "Mandatory report: a child in danger" in page


def test_posted_items_outside_the_profile_change_nothing(world):
    clinic = provider(OrganisationType.HEALTH, HEALTH, area=world.places.rayon)
    release(world.worker, world.case, (HEALTH,))
    response = world.browser.post(
        f"/referrals/cases/{world.case.id}/new",
        _form(clinic, HEALTH, shared_items=["name", "perpetrator_name", "address"]),
    )
    assert response.status_code == 302
    (referral,) = _only(Referral, case_id=world.case.id)
    assert referral.shared_items == ["name", "summary"]


def test_a_provider_outside_the_proposals_is_refused(world):
    far = provider(area=world.places.elsewhere)
    release(world.worker, world.case, (POLICE,))
    response = world.browser.post(f"/referrals/cases/{world.case.id}/new", _form(far))
    assert response.status_code == 422
    assert "Choose an active provider from the list." in _html(response)


# --- the referral page: withdraw, record on behalf ----------------------------------------


def _sent(world, **kw):
    release(world.worker, world.case, (POLICE,))
    return proposals.send_along(world.worker, world.case, send_input(**kw))


def test_withdraw_needs_confirmation_and_a_current_version(world):
    police = provider(area=world.places.rayon)
    referral = _sent(world, to=police)
    db.session.commit()
    url = f"/referrals/{referral.id}/withdraw"
    assert world.browser.get(url).status_code == 200
    unconfirmed = world.browser.post(url, {"lock_version": str(referral.lock_version)})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm." in _html(unconfirmed)
    stale = world.browser.post(url, {"lock_version": "999", "confirmed": "y"})
    assert stale.status_code == 409
    done = world.browser.post(url, {"lock_version": str(referral.lock_version), "confirmed": "y"})
    assert done.status_code == 302
    referral = db.session.get(Referral, referral.id)
    assert referral.status == S.WITHDRAWN
    again = world.browser.get(url)
    assert again.status_code == 409


def test_answers_of_a_provider_without_an_account_are_recorded_on_its_behalf(world):
    rural = provider(area=world.places.rayon, account=False, name="Village police")
    referral = _sent(world, to=rural)
    assert referral.is_on_paper
    url = f"/referrals/{referral.id}/record"
    form = world.browser.get(url)
    assert form.status_code == 200
    assert 'value="accepted"' in _html(form)
    missing = world.browser.post(
        url, {"lock_version": str(referral.lock_version), "status": "declined"}
    )
    assert missing.status_code == 422
    assert "Say why the referral is declined." in _html(missing)
    response = world.browser.post(
        url,
        {
            "lock_version": str(referral.lock_version),
            "status": "accepted",
            "feedback": "She comes on Monday with her documents.",
        },
    )
    assert response.status_code == 302
    referral = db.session.get(Referral, referral.id)
    assert referral.status == S.ACCEPTED
    accepted = [e for e in _only(ReferralEvent, referral_id=referral.id) if e.kind == "status"][-1]
    assert accepted.on_behalf
    assert accepted.actor_id == world.worker.id
    page = _html(world.browser.get(f"/referrals/{referral.id}"))
    assert "recorded on behalf of the provider" in page
    assert "She comes on Monday with her documents." in page
    section = _section(world.browser.get(f"/cases/{world.case.id}"))
    assert "She comes on Monday with her documents." in section
    labels = {e.kind for e in _only(CaseEvent, case_id=world.case.id)}
    assert {"referral_sent", "referral_accepted", "referral_feedback"} <= labels


def test_a_provider_with_an_account_answers_itself(world):
    police = provider(area=world.places.rayon)
    referral = _sent(world, to=police)
    assert world.browser.get(f"/referrals/{referral.id}/record").status_code == 409


def test_complete_after_the_service_was_provided(world):
    rural = provider(area=world.places.rayon, account=False)
    referral = _sent(world, to=rural)
    early = world.browser.post(
        f"/referrals/{referral.id}/complete", {"lock_version": str(referral.lock_version)}
    )
    assert early.status_code == 409
    for status in ("accepted", "service_provided"):
        referral = db.session.get(Referral, referral.id)
        world.browser.post(
            f"/referrals/{referral.id}/record",
            {"lock_version": str(referral.lock_version), "status": status},
        )
    referral = db.session.get(Referral, referral.id)
    assert referral.status == S.SERVICE_PROVIDED
    done = world.browser.post(
        f"/referrals/{referral.id}/complete", {"lock_version": str(referral.lock_version)}
    )
    assert done.status_code == 302
    referral = db.session.get(Referral, referral.id)
    assert referral.status == S.COMPLETED


# --- the slip --------------------------------------------------------------------------


def test_the_slip_carries_only_the_shared_items(world):
    rural = provider(area=world.places.rayon, account=False, name="Village police")
    referral = _sent(world, to=rural, shared_items=("name",), summary="Summary-canary-31")
    response = world.browser.get(f"/referrals/{referral.id}/slip")
    html = _html(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Zarina Canaryeva" in html
    assert "Summary-canary-31" in html
    assert "Sezim crisis centre" in html
    assert "+996 312 555 777" in html
    assert "Village police" in html
    # Not shared: her phone and address; never shared: the case notes.
    for absent in ("555987321", "Canary street 7", CANARY_NOTE):
        assert absent not in html
    printed = _only(AuditEvent, action="referral_slip_printed")
    assert len(printed) == 1
    assert printed[0].target_id == str(world.case.id)


def test_no_slip_once_the_referral_is_withdrawn(world):
    rural = provider(area=world.places.rayon, account=False)
    referral = _sent(world, to=rural)
    from referral.referrals.service import lifecycle

    lifecycle.withdraw_referral(world.worker, referral, referral.lock_version)
    response = world.browser.get(f"/referrals/{referral.id}/slip")
    assert response.status_code == 409
    assert "Zarina Canaryeva" not in _html(response)


# --- the pathway editor's provider picker -------------------------------------------------


def test_the_picker_offers_the_committees_area_first():
    where = places()
    committee = factories.CommitteeFactory()
    committee.areas.append(where.oblast)
    db.session.flush()
    near = provider(area=where.rayon, name="Aaa near police")
    far = provider(area=where.elsewhere, name="Aaa far police")
    located = factories.OrganisationFactory(
        org_type=OrganisationType.HEALTH, name_en="Zzz clinic in the oblast", location=where.rayon
    )
    choices = pathways.provider_choices(committee)
    ids = [o.id for o in choices]
    assert ids.index(near.org.id) < ids.index(far.org.id)
    assert ids.index(located.id) < ids.index(far.org.id)
    assert pathways.area_organisation_ids(committee) >= {near.org.id, located.id}
    assert far.org.id not in pathways.area_organisation_ids(committee)


def test_the_step_page_groups_the_committees_area_first(login_as):
    from referral.committees.models import VersionStatus

    where = places()
    committee = factories.CommitteeFactory()
    committee.areas.append(where.oblast)
    draft = factories.version_with_steps(committee.pathway, POLICE, status=VersionStatus.DRAFT)
    provider(area=where.elsewhere, name="Aaa far police")
    provider(area=where.rayon, name="Zzz near police")
    url = f"/committees/pathways/{committee.pathway.id}/draft/steps/{draft.steps[0].id}"
    admin = login_as("admin")
    html = _html(admin.get(url))
    assert html.index("Police — in the committee&#39;s area") < html.index("Zzz near police")
    assert html.index("Zzz near police") < html.index("Aaa far police")
