"""The demo directory: true enough to try the finder in four oblasts, and re-runnable."""

import pytest
from sqlalchemy import func, select

from referral.directory import demo, public, service
from referral.directory.models import Service, ServiceType, Site
from referral.extensions import db


@pytest.fixture
def seeded(session):
    service.load_locations()
    return demo.seed()


@pytest.mark.parametrize("rayon", demo.OBLASTS, ids=lambda o: o.key)
def test_each_demo_rayon_has_police_crisis_centre_and_helplines(seeded, rayon):
    location = service.location_by_code(rayon.rayon)
    found = {s.service_type for s in public.find_services(location, None)}
    assert {
        ServiceType.POLICE_INTERNAL_AFFAIRS,
        ServiceType.CRISIS_CENTRE,
        ServiceType.HEALTH_SEXUAL_REPRODUCTIVE,
        ServiceType.PSYCHOLOGIST_COUNSELLING,
        ServiceType.LEGAL_AID_STATE,
        ServiceType.SHELTER_SAFE_ACCOMMODATION,
        ServiceType.SOCIAL_PROTECTION_DEPARTMENT,
    } <= found
    numbers = {p.number for s in public.helplines() for p in s.phones}
    assert {"112", "117", "111"} <= numbers


def test_helplines_are_left_to_verify_and_shelters_are_confidential(seeded):
    assert all(s.verified_at is None for s in public.helplines())
    shelters = select(func.count()).select_from(Site).where(Site.is_confidential)
    assert service.list_services(service_type=ServiceType.SHELTER_SAFE_ACCOMMODATION)
    assert db.session.execute(shelters).scalar_one() == len(demo.OBLASTS)


def test_seeding_twice_adds_nothing(seeded):
    count = db.session.execute(select(func.count()).select_from(Service)).scalar_one()
    assert seeded == count
    assert demo.seed() == 0
