"""The demo (`flask demo seed`) is something to click through: the Sokuluk committee
member sees figures and can take them away, and a caseworker referring along a pathway
finds a provider at every step."""

from __future__ import annotations

import re

from sqlalchemy import select

from referral.auth.models import User
from referral.cases.models import Case
from referral.committees.service import pathways
from referral.demo.service import DEMO_PASSWORD, seed_demo
from referral.directory.models import Organisation
from referral.directory.service.locations import location_by_code
from referral.extensions import db
from referral.referrals.service import proposals

SOKULUK = "41708222000000"
OKTYABR = "41711202000000"


def _seeded():
    seed_demo()
    db.session.commit()


def test_the_sokuluk_committee_member_sees_figures_and_the_export_link(app, make_browser):
    _seeded()
    _seeded()  # a second run adds nothing: each figure below would be doubled
    committee = make_browser()
    committee.login("committee", DEMO_PASSWORD)
    page = committee.get("/stats/?lang=en").get_data(as_text=True)
    assert "export.xlsx" in page
    # Six months, six types of GBV: each month and each type published as 5 (6 exactly).
    by_type = page[page.index("Incidents by type of GBV") :]
    for gbv_type in ("Rape", "Physical assault", "Forced marriage", "Psychological"):
        assert re.search(gbv_type + r"[^<]*</th>\s*<td[^>]*>\s*5\b", by_type), gbv_type
    xlsx = committee.get("/stats/export.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")


def test_every_step_of_the_sokuluk_pathway_and_the_national_police_step_propose_a_provider(
    app, make_browser
):
    _seeded()
    for code in (SOKULUK, OKTYABR):
        place = location_by_code(code)
        version = pathways.current_pathway_for(place)
        survivor = proposals.Survivor(place.id, None, 30)
        found = {
            step.service_type.value: proposals.proposals_for(survivor, step.service_type, step)
            for step in version.steps
        }
        if code == SOKULUK:
            assert all(found.values()), [t for t, p in found.items() if not p]
            assert found["police_district_inspector"][0].name == (
                "Sokuluk District Internal Affairs Department"
            )
            assert found["police_district_inspector"][0].is_preferred
        else:
            police = found["police_district_inspector"][0]
            assert version.pathway.is_national
            assert police.is_preferred
            assert police.has_account  # through its inbox, not on paper
            demo_police = db.session.scalar(
                select(User.organisation_id).where(User.username == "police")
            )
            assert police.organisation_id == demo_police
    # As the caseworker sees it: on a demo case's page, the police step's link.
    caseworker = make_browser()
    caseworker.login("caseworker", DEMO_PASSWORD)
    owner = db.session.scalar(select(User.id).where(User.username == "caseworker"))
    case_id = db.session.scalar(
        select(Case.id).where(Case.owner_id == owner).order_by(Case.created_at).limit(1)
    )
    page = caseworker.get(f"/cases/{case_id}?lang=en").get_data(as_text=True)
    steps = re.findall(r'href="(/referrals/cases/[^"]*step=[^"&]+)', page)
    assert len(steps) >= 6
    oktyabr_police = db.session.scalar(
        select(Organisation.id).where(
            Organisation.name_en == "Oktyabr District Internal Affairs Department"
        )
    )
    offered = [
        url
        for url in steps
        if f"provider={oktyabr_police}" in caseworker.get(url).get_data(as_text=True)
    ]
    assert len(offered) == 1  # the police step, and only that one
