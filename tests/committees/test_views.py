"""Committee and pathway screens, as a coordinator, a member, a caseworker and an admin
use them."""

from datetime import timedelta

from sqlalchemy import select

from referral.auth.permissions import Role
from referral.committees import service
from referral.committees.models import (
    Committee,
    CommitteeActivity,
    MemberAgency,
    VersionStatus,
)
from referral.db import utcnow
from referral.directory.models import OrganisationType, ServiceType, Site
from referral.extensions import db
from tests import factories


def _coordinated_committee(user, **kwargs):
    committee = factories.CommitteeFactory(coordinator=user, **kwargs)
    factories.CommitteeMemberFactory(committee=committee, user=user, full_name="")
    return committee


def _reload(obj):
    """The row as the database has it now (a request ends the objects' session)."""
    return db.session.get(type(obj), obj.id, populate_existing=True)


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- reading -------------------------------------------------------------------------


def test_caseworker_sees_committees_their_area_and_the_pathway_in_force(login_as):
    rayon = factories.LocationFactory(name_en="Sokuluk")
    committee = factories.CommitteeFactory(name_en="Sokuluk committee", areas=[rayon])
    factories.version_with_steps(committee.pathway, ServiceType.CRISIS_CENTRE)
    browser = login_as("caseworker")
    index = _text(browser.get("/committees/"))
    assert "Sokuluk committee" in index
    assert "Sokuluk" in index
    assert "Version 1" in index
    page = _text(browser.get(f"/committees/pathways/{committee.pathway.id}"))
    assert "Crisis centre" in page
    assert "Start a new version" not in page  # readers get no edit controls


def test_the_committee_page_lists_members_with_and_without_accounts_and_activities(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    factories.CommitteeMemberFactory(
        committee=committee,
        full_name="Gulmira Asanova",
        position="Chair of the women's council",
        agency=MemberAgency.WOMEN_COUNCIL,
    )
    factories.CommitteeMemberFactory(committee=committee, full_name="Gone Member", is_active=False)
    factories.CommitteeActivityFactory(committee=committee, title="School session on ala kachuu")
    page = _text(browser.get(f"/committees/{committee.id}"))
    assert "Gulmira Asanova" in page
    assert "Women&#39;s council" in page
    assert browser.user.full_name in page
    assert "Coordinator" in page
    assert "Gone Member" not in page
    assert "School session on ala kachuu" in page
    assert "Log an activity" in page


def test_superseded_versions_stay_readable_and_drafts_are_hidden_from_readers(login_as):
    committee = factories.CommitteeFactory()
    factories.version_with_steps(
        committee.pathway, ServiceType.HELPLINE, status=VersionStatus.SUPERSEDED
    )
    factories.version_with_steps(committee.pathway, ServiceType.CRISIS_CENTRE)
    factories.version_with_steps(
        committee.pathway, ServiceType.LEGAL_AID_NGO, status=VersionStatus.DRAFT
    )
    browser = login_as("supervisor")
    url = f"/committees/pathways/{committee.pathway.id}"
    old = _text(browser.get(url + "?version=1"))
    assert "Helpline" in old
    assert "See the version in force" in old
    assert browser.get(url + "?version=3").status_code == 404
    assert browser.get(url + "?version=x").status_code == 404
    assert browser.get(url + "?version=²").status_code == 404
    assert "Legal aid (NGO)" not in _text(browser.get(url))


def test_pathway_without_a_published_version_says_the_national_default_applies(login_as):
    committee = factories.CommitteeFactory()
    browser = login_as("provider")
    page = _text(browser.get(f"/committees/pathways/{committee.pathway.id}"))
    assert "national default pathway applies" in page
    assert browser.get(f"/committees/pathways/{committee.pathway.id}/print").status_code == 404


def test_printable_page_has_steps_times_providers_phones_and_never_an_address(login_as):
    committee = factories.CommitteeFactory(name_en="Naryn committee")
    version = factories.version_with_steps(
        committee.pathway, ServiceType.SHELTER_SAFE_ACCOMMODATION, ServiceType.LEGAL_AID_NGO
    )
    version.steps[1].target_hours = 120
    shelter = factories.OrganisationFactory(
        org_type=OrganisationType.SHELTER, name_en="Safe House Naryn"
    )
    db.session.add(
        Site(
            organisation_id=shelter.id,
            name_en="Hidden house",
            address="7 Secret Street",
            is_confidential=True,
        )
    )
    factories.PathwayStepProviderFactory(step=version.steps[0], organisation=shelter)
    from referral.directory.models import Phone

    db.session.add(Phone(organisation_id=shelter.id, number="+996 700 111 222"))
    browser = login_as("caseworker")
    page = _text(browser.get(f"/committees/pathways/{committee.pathway.id}/print"))
    assert "Naryn committee" in page
    assert "Version 1" in page
    assert "Shelter / safe accommodation" in page
    assert "5 days" in page
    assert "24 hours" in page
    assert "Safe House Naryn" in page
    assert "+996 700 111 222" in page
    assert "Secret Street" not in page
    assert "Hidden house" not in page


def test_printable_page_follows_the_users_language(login_as):
    committee = factories.CommitteeFactory(name_ru="Нарынский комитет")
    version = factories.version_with_steps(committee.pathway, ServiceType.CRISIS_CENTRE)
    version.steps[0].guidance_ru = "Звоните сразу"
    browser = login_as("caseworker", locale="ru")
    page = _text(browser.get(f"/committees/pathways/{committee.pathway.id}/print"))
    assert "Нарынский комитет" in page
    assert "Звоните сразу" in page
    assert 'lang="ru"' in page


# --- the coordinator edits and publishes ----------------------------------------------


def test_coordinator_builds_and_publishes_a_new_version_without_javascript(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    pathway = committee.pathway
    v1 = factories.version_with_steps(pathway, ServiceType.CRISIS_CENTRE, ServiceType.HELPLINE)
    base = f"/committees/pathways/{pathway.id}"

    assert browser.post(base + "/draft/start").status_code == 302
    response = browser.post(
        base + "/draft/steps",
        {"service_type": "legal_aid_ngo", "target_hours": "120", "guidance_en": "Free lawyer"},
    )
    assert response.status_code == 302
    draft = service.draft_version(pathway)
    steps = draft.steps
    assert [s.service_type for s in steps] == [
        ServiceType.CRISIS_CENTRE,
        ServiceType.HELPLINE,
        ServiceType.LEGAL_AID_NGO,
    ]
    # Move the new step to the top, remove the helpline.
    browser.post(f"{base}/draft/steps/{steps[2].id}/move", {"direction": "up"})
    browser.post(f"{base}/draft/steps/{steps[2].id}/move", {"direction": "up"})
    browser.post(f"{base}/draft/steps/{steps[1].id}/remove")
    page = _text(browser.get(base + "/draft"))
    assert page.index("Legal aid (NGO)") < page.index("Crisis centre")
    assert "Helpline" not in page.split("Add a step")[0]

    response = browser.post(base + "/draft/publish")
    assert response.status_code == 302
    page = _text(browser.get(base))
    assert "Version 2 is published" in page
    assert "Free lawyer" in page
    v1 = _reload(v1)
    assert v1.status == VersionStatus.SUPERSEDED
    assert [s.service_type for s in v1.steps] == [ServiceType.CRISIS_CENTRE, ServiceType.HELPLINE]


def test_coordinator_edits_a_step_and_its_preferred_providers(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    draft = factories.version_with_steps(
        committee.pathway, ServiceType.POLICE_DISTRICT_INSPECTOR, status=VersionStatus.DRAFT
    )
    step = draft.steps[0]
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE, name_en="Naryn ROVD")
    url = f"/committees/pathways/{committee.pathway.id}/draft/steps/{step.id}"
    assert "Naryn ROVD" in _text(browser.get(url))
    assert browser.post(url + "/providers", {"organisation_id": str(police.id)}).status_code == 302
    response = browser.post(
        url,
        {"service_type": "police_internal_affairs", "target_hours": "6", "guidance_ru": "Сразу"},
    )
    assert response.status_code == 302
    page = _text(browser.get(f"/committees/pathways/{committee.pathway.id}/draft"))
    assert "Police (internal affairs department)" in page
    assert "6 hours" in page
    assert "Naryn ROVD" in page
    assert browser.post(f"{url}/providers/{police.id}/remove").status_code == 302
    assert _reload(step).providers == []


def test_bad_step_input_is_explained_and_nothing_typed_is_lost(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    service.start_draft(committee.pathway, None)
    url = f"/committees/pathways/{committee.pathway.id}/draft/steps"
    response = browser.post(
        url,
        {"service_type": "crisis_centre", "target_hours": "soon", "guidance_en": "Call Aida first"},
    )
    assert response.status_code == 422
    page = _text(response)
    assert "Call Aida first" in page
    assert 'aria-invalid="true"' in page
    aksakal = browser.post(url, {"service_type": "aksakal_court", "target_hours": "24"})
    assert aksakal.status_code == 422
    assert "Not a valid choice" in _text(aksakal)
    assert service.draft_version(committee.pathway).steps == []


def test_publishing_an_empty_draft_is_refused_with_a_message(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    service.start_draft(committee.pathway, None)
    base = f"/committees/pathways/{committee.pathway.id}"
    response = browser.post(base + "/draft/publish")
    assert response.status_code == 302
    assert "at least one step" in _text(browser.get(response.headers["Location"]))
    assert service.published_version(committee.pathway) is None


def test_discarding_the_draft_keeps_the_version_in_force(login_as):
    browser = login_as("admin")
    pathway = service.national_pathway()
    factories.version_with_steps(pathway, ServiceType.CRISIS_CENTRE)
    service.start_draft(pathway, None)
    assert browser.post(f"/committees/pathways/{pathway.id}/draft/discard").status_code == 302
    assert service.draft_version(pathway) is None
    assert "Crisis centre" in _text(browser.get(f"/committees/pathways/{pathway.id}"))


def test_steps_of_a_published_version_cannot_be_reached_for_editing(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    published = factories.version_with_steps(committee.pathway)
    service.start_draft(committee.pathway, None)
    url = f"/committees/pathways/{committee.pathway.id}/draft/steps/{published.steps[0].id}"
    assert browser.get(url).status_code == 404
    assert browser.post(url + "/remove").status_code == 404


def test_a_plain_member_reads_but_may_not_edit(login_as):
    browser = login_as("committee_member")
    committee = factories.CommitteeFactory()
    factories.CommitteeMemberFactory(committee=committee, user=browser.user, full_name="")
    factories.version_with_steps(committee.pathway)
    base = f"/committees/pathways/{committee.pathway.id}"
    assert browser.get(base).status_code == 200
    assert "Start a new version" not in _text(browser.get(base))
    assert browser.post(base + "/draft/start").status_code == 403
    assert service.draft_version(committee.pathway) is None


def test_coordinator_logs_an_activity_and_a_future_date_is_refused(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    url = f"/committees/{committee.id}/activities/new"
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    data = {
        "occurred_on": tomorrow,
        "activity_type": "awareness_session",
        "title": "Talk at the college",
        "participants_women": "40",
        "participants_men": "38",
    }
    refused = browser.post(url, data)
    assert refused.status_code == 422
    assert "Talk at the college" in _text(refused)
    data["occurred_on"] = utcnow().date().isoformat()
    assert browser.post(url, data).status_code == 302
    page = _text(browser.get(f"/committees/{committee.id}"))
    assert "Talk at the college" in page
    assert "40" in page
    activity = db.session.execute(select(CommitteeActivity)).scalar_one()
    assert activity.recorded_by_id == browser.user.id


# --- the administrator manages committees ----------------------------------------------


def test_admin_creates_a_committee_adds_members_and_names_the_coordinator(login_as):
    browser = login_as("admin")
    rayon = factories.LocationFactory(name_en="Kochkor")
    response = browser.post(
        "/committees/new",
        {"name_en": "Kochkor committee", "area_ids": [str(rayon.id)], "founding_partners": "UNODC"},
    )
    assert response.status_code == 302
    committee = db.session.execute(
        select(Committee).where(Committee.name_en == "Kochkor committee")
    ).scalar_one()
    assert [loc.id for loc in committee.areas] == [rayon.id]
    members_url = f"/committees/{committee.id}/members"
    person = factories.UserFactory(role=Role.COMMITTEE_MEMBER, full_name="Meerim Coordinator")
    assert "Meerim Coordinator" in _text(browser.get(members_url))
    browser.post(members_url, {"user_id": str(person.id), "position": "Head", "agency": "ngo"})
    browser.post(
        members_url,
        {"full_name": "Imam Kubanych", "position": "Imam", "agency": "religious_leader"},
    )
    page = _text(browser.get(members_url))
    assert "Meerim Coordinator" in page
    assert "Imam Kubanych" in page
    response = browser.post(
        f"/committees/{committee.id}/edit",
        {
            "name_en": "Kochkor committee",
            "area_ids": [str(rayon.id)],
            "coordinator_id": str(person.id),
        },
    )
    assert response.status_code == 302
    assert _reload(committee).coordinator_id == person.id


def test_member_form_needs_a_name_or_an_account(login_as):
    browser = login_as("admin")
    committee = factories.CommitteeFactory()
    response = browser.post(
        f"/committees/{committee.id}/members", {"position": "Teacher", "agency": "education"}
    )
    assert response.status_code == 422
    page = _text(response)
    assert "Give the name, or choose an account." in page
    assert 'value="Teacher"' in page


def test_admin_cannot_give_a_place_to_two_committees(login_as):
    browser = login_as("admin")
    rayon = factories.LocationFactory(name_en="At-Bashy")
    factories.CommitteeFactory(name_en="First", areas=[rayon])
    response = browser.post("/committees/new", {"name_ru": "Второй", "area_ids": [str(rayon.id)]})
    assert response.status_code == 422
    page = _text(response)
    assert "already in the area of" in page
    assert 'value="Второй"' in page


def test_a_committee_needs_a_name(login_as):
    browser = login_as("admin")
    response = browser.post("/committees/new", {"founding_partners": "UNODC"})
    assert response.status_code == 422
    assert "Give the name in at least one language." in _text(response)


def test_ending_the_coordinators_membership_is_refused(login_as):
    browser = login_as("admin")
    coordinator = factories.UserFactory(role=Role.COMMITTEE_MEMBER)
    committee = _coordinated_committee(coordinator)
    member = committee.members[0]
    response = browser.post(f"/committees/{committee.id}/members/{member.id}/end")
    assert response.status_code == 302
    assert "Choose another coordinator" in _text(browser.get(response.headers["Location"]))
    assert _reload(member).is_active


# --- home panels ---------------------------------------------------------------------


def test_home_shows_the_coordinator_their_committee_pathway_and_activities(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user, name_en="Sokuluk committee")
    factories.version_with_steps(committee.pathway)
    factories.CommitteeActivityFactory(committee=committee)
    page = _text(browser.get("/"))
    assert "Your committee" in page
    assert "Sokuluk committee" in page
    assert "Pathway last published" in page
    assert "Activities this quarter" in page
    assert "Edit the pathway" in page


def test_home_tells_a_member_without_a_committee_whom_to_ask(login_as):
    page = _text(login_as("committee_member").get("/"))
    assert "not a member of a committee yet" in page


def test_admin_home_counts_committees_without_a_pathway(login_as):
    factories.CommitteeFactory()
    page = _text(login_as("admin").get("/"))
    assert "Without a published pathway" in page


def test_malformed_input_is_refused_plainly_never_with_a_server_error(login_as):
    browser = login_as("admin")
    committee = factories.CommitteeFactory()
    draft = factories.version_with_steps(committee.pathway, status=VersionStatus.DRAFT)
    step = draft.steps[0]
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    factories.PathwayStepProviderFactory(step=step, organisation=police)
    base = f"/committees/pathways/{committee.pathway.id}/draft"
    attempts = [
        (f"{base}/steps", {"service_type": "no_such_service", "target_hours": "24"}, 422),
        (f"{base}/steps", {"service_type": "helpline", "target_hours": "99999999999999999"}, 422),
        (f"{base}/steps/{step.id}/move", {"direction": "sideways"}, 400),
        (f"{base}/steps/{step.id}/providers", {"organisation_id": "not-an-id"}, 422),
        (f"{base}/steps/{step.id}/providers", {"organisation_id": str(police.id)}, 422),
        (f"{base}/steps/{step.id}/providers/not-an-id/remove", {}, 404),
        (f"/committees/{committee.id}/members", {"user_id": "x", "agency": "ngo"}, 422),
        (f"/committees/{committee.id}/members/not-an-id/end", {}, 404),
        (f"/committees/{committee.id}/edit", {"name_en": "X", "area_ids": ["nowhere"]}, 422),
        (
            f"/committees/{committee.id}/activities/new",
            {"occurred_on": "31.02.2026", "activity_type": "meeting", "title": "T"},
            422,
        ),
        (
            f"/committees/{committee.id}/activities/new",
            {
                "occurred_on": "2026-01-10",
                "activity_type": "meeting",
                "title": "T",
                "participants_women": "-3",
            },
            422,
        ),
    ]
    for url, data, expected in attempts:
        assert browser.post(url, data).status_code == expected, url
    assert "already preferred" in _text(
        browser.post(f"{base}/steps/{step.id}/providers", {"organisation_id": str(police.id)})
    )


def test_an_editor_sees_which_languages_a_steps_guidance_is_missing_in(login_as):
    browser = login_as("committee_member")
    committee = _coordinated_committee(browser.user)
    draft = service.start_draft(committee.pathway, None)
    police = ServiceType.POLICE_INTERNAL_AFFAIRS
    service.add_step(draft, service.StepInput(police, 24, guidance_en="Call first"))
    service.add_step(
        draft,
        service.StepInput(ServiceType.HEALTH_PRIMARY_CARE, 24, "Алгач чалыңыз", "Сначала", "Call"),
    )
    page = _text(browser.get(f"/committees/pathways/{committee.pathway.id}/draft?lang=en"))
    assert page.count("Guidance not yet translated into") == 1
    assert "Guidance not yet translated into: Кыргызча, Русский." in page
