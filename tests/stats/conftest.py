"""A small country for the statistics tests: one oblast, two rayons each with a village,
a committee over each rayon with one member account, and a crisis centre that records
incidents in both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from referral.auth.permissions import Role
from referral.cases.timeutil import local_now
from referral.directory.models import LocationLevel, OrganisationType
from tests import factories
from tests.stats.seed import Seeder


@dataclass
class Country:
    oblast: object
    rayon_a: object
    rayon_b: object
    village_a: object
    village_b: object
    committee_a: object
    committee_b: object
    member_a: object
    member_b: object
    police: object
    seeder: Seeder


def this_month(day: int = 5) -> date:
    today = local_now().date()
    return date(today.year, today.month, min(day, 28))


@pytest.fixture
def country():
    oblast = factories.LocationFactory(level=LocationLevel.OBLAST, name_en="Chui Oblast")
    rayon_a = factories.LocationFactory(
        parent_id=oblast.id, name_en="Alamedin", name_ru="Аламудунский район"
    )
    rayon_b = factories.LocationFactory(
        parent_id=oblast.id, name_en="Sokuluk", name_ru="Сокулукский район"
    )
    village_a = factories.LocationFactory(parent_id=rayon_a.id, level=LocationLevel.VILLAGE)
    village_b = factories.LocationFactory(parent_id=rayon_b.id, level=LocationLevel.VILLAGE)
    committee_org = factories.OrganisationFactory(org_type=OrganisationType.COMMITTEE)
    members, committees = [], []
    for rayon in (rayon_a, rayon_b):
        committee = factories.CommitteeFactory(areas=[rayon])
        user = factories.UserFactory(role=Role.COMMITTEE_MEMBER, organisation=committee_org)
        factories.CommitteeMemberFactory(committee=committee, user=user, full_name="")
        members.append(user)
        committees.append(committee)
    police = factories.OrganisationFactory(org_type=OrganisationType.POLICE)
    return Country(
        oblast,
        rayon_a,
        rayon_b,
        village_a,
        village_b,
        committees[0],
        committees[1],
        members[0],
        members[1],
        police,
        Seeder.make(),
    )
