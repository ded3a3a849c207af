"""What each provider type sees of one case: a case with a canary value in every field,
referred to a police station, a clinic, a psychologist, a legal-aid office, a shelter and
a social-protection department with the full profile of each. Each provider's page
shows exactly its profile's values and none of the others: never the case notes, the
narrative, the safety plan, or another provider's summary and feedback.

The helpers here (`canary_case`, `refer`, `VALUES`) are used by the other provider tests.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from babel.dates import format_date, format_time

from referral.auth.permissions import Role
from referral.cases import policy as case_policy
from referral.cases import service as cases
from referral.cases.models import (
    ContactMethod,
    NeedPriority,
    PerpetratorCount,
    PerpetratorRelationship,
    PlaceType,
    RiskLevel,
    Sex,
)
from referral.cases.models.plan import IssuingBody, OrderKind
from referral.cases.service import incidents, notes, orders, perpetrators, risk
from referral.cases.timeutil import BISHKEK, local_now, to_utc
from referral.crypto import grants as U
from referral.crypto.grants import GrantError
from referral.directory.models import LocationLevel, OrganisationType, ServiceType
from referral.extensions import db
from referral.referrals import service, sharing
from referral.referrals.models import ReferralStatus, Urgency
from referral.referrals.service import shared
from tests import factories
from tests.helpers import release

SERVICE_OF = {
    OrganisationType.POLICE: ServiceType.POLICE_INTERNAL_AFFAIRS,
    OrganisationType.HEALTH: ServiceType.HEALTH_PRIMARY_CARE,
    OrganisationType.PSYCHOSOCIAL: ServiceType.PSYCHOLOGIST_COUNSELLING,
    OrganisationType.LEGAL_AID: ServiceType.LEGAL_AID_NGO,
    OrganisationType.SHELTER: ServiceType.SHELTER_SAFE_ACCOMMODATION,
    OrganisationType.SOCIAL_PROTECTION: ServiceType.SOCIAL_PROTECTION_DEPARTMENT,
}
PROVIDER_TYPES = tuple(SERVICE_OF)
AGE = 47

# Canary values of the encrypted fields: an ASCII word and a Cyrillic one each.
VALUES = {
    "full_name": "Zqxcanaryname Щукаканарейкова",
    "phone": "+996 777 314159",
    "safe_times": "CANARY-TIMES-4d2a Вечерканарейка",
    "address": "CANARY-ADDRESS-77e1 Улицаканарейка",
    "children": "CANARY-CHILDREN-0b9c Детиканарейка",
    "caregiver": "CANARY-CAREGIVER-5f3e Опекунканарейка",
    "intake_note": "CANARY-INTAKENOTE-91aa Заметкаканарейка",
    "narrative": "CANARY-NARRATIVE-3c7d Рассказканарейка",
    "perpetrator": "CANARY-PERPNAME-e2f0 Обидчикканарейка",
    "safety": "CANARY-SAFETY-6a1b Планканарейка",
    "psychosocial": "CANARY-PSYNEED-8c4e Психоканарейка",
    "material": "CANARY-MATNEED-2d9f Матканарейка",
    "health_need": "CANARY-HEALTHNEED-7b3a Здоровканарейка",
    "legal_need": "CANARY-LEGALNEED-1e8c Правоканарейка",
    "safety_need": "CANARY-SAFENEED-4f6d Безопканарейка",
    "child_need": "CANARY-CHILDNEED-9a2e Ребёнканарейка",
    "order": "CANARY-ORDER-5c1f Ордерканарейка",
    "case_note": "CANARY-CASENOTE-0d7b Записьканарейка",
    "rayon": "Zqrayoncanary",
}
NEVER_SHOWN = (
    "caregiver",
    "intake_note",
    "narrative",
    "safety",
    "health_need",
    "legal_need",
    "safety_need",
    "child_need",
    "order",
    "case_note",
)


def summary_of(org_type) -> str:
    return f"CANARY-SUMMARY-{org_type.value} Сводкаканарейка{org_type.value[:3]}"


def feedback_of(org_type) -> str:
    return f"CANARY-FEEDBACK-{org_type.value} Ответканарейка{org_type.value[:3]}"


def _birth_date(today: date) -> date:
    born = today - timedelta(days=AGE * 366)  # AGE years and a few weeks ago
    assert today.year - born.year - ((today.month, today.day) < (born.month, born.day)) == AGE
    return born


def canary_case(worker, *, do_not_contact: bool = False):
    """A case with a canary in every field, an incident 2–3 days ago (a rape: the
    medical windows show) with its perpetrator, high risk with a safety plan, needs in
    every area, a protection order, a case note, and consent to release for all six
    provider types. Returns (case, incident_at: aware UTC)."""
    today = local_now().date()
    oblast = factories.LocationFactory(level=LocationLevel.OBLAST)
    rayon = factories.LocationFactory(
        level=LocationLevel.RAYON,
        parent=oblast,
        name_en=VALUES["rayon"],
        name_ru=VALUES["rayon"],
        name_ky=VALUES["rayon"],
    )
    case = cases.open_case(
        worker,
        cases.CaseInput(
            full_name=VALUES["full_name"],
            birth_date=_birth_date(today),
            sex=Sex.FEMALE,
            phone=VALUES["phone"],
            safe_contact_method=ContactMethod.MESSENGER,
            safe_times=VALUES["safe_times"],
            address=VALUES["address"],
            do_not_contact=do_not_contact,
            caregiver_name=VALUES["caregiver"],
            accompanying_children=VALUES["children"],
            note=VALUES["intake_note"],
            residence_location_id=rayon.id,
        ),
    )
    db.session.flush()
    # A minute of the hour that no other time on the page (now, now + deadline) has.
    minute = (local_now().minute + 30) % 60
    incident = incidents.add_incident(
        worker,
        case,
        incidents.IncidentInput(
            incident_date=today - timedelta(days=2),
            incident_time=time(3, minute),
            q_penetration=True,
            place_type=PlaceType.MARKET,
            location_id=rayon.id,
            perpetrator_count=PerpetratorCount.ONE,
            narrative=VALUES["narrative"],
        ),
    )
    perpetrators.add_perpetrator(
        worker,
        case,
        incident,
        perpetrators.PerpetratorInput(
            relationship_to_survivor=PerpetratorRelationship.FAMILY_FRIEND,
            name=VALUES["perpetrator"],
        ),
    )
    plan = {
        "safety_concern": VALUES["safety"],
        "safety_warning_signs": VALUES["safety"],
        "safety_where_to_go": VALUES["safety"],
        "safety_who_to_call": VALUES["safety"],
        "safety_items_prepared": VALUES["safety"],
    }
    risk.assess_risk(
        worker, case, risk.RiskInput(level=RiskLevel.HIGH, immediate_danger=True, **plan), None
    )
    high = NeedPriority.HIGH
    risk.assess_needs(
        worker,
        case,
        risk.NeedsInput(
            safety_priority=high,
            safety_text=VALUES["safety_need"],
            health_priority=high,
            health_text=VALUES["health_need"],
            psychosocial_priority=high,
            psychosocial_text=VALUES["psychosocial"],
            legal_priority=high,
            legal_text=VALUES["legal_need"],
            material_priority=high,
            material_text=VALUES["material"],
            child_priority=high,
            child_text=VALUES["child_need"],
        ),
        None,
    )
    orders.add_order(
        worker,
        case,
        orders.OrderInput(
            kind=OrderKind.TEMPORARY,
            issuing_body=IssuingBody.POLICE,
            issued_on=today - timedelta(days=1),
            conditions_text=VALUES["order"],
        ),
    )
    notes.add_note(worker, case, VALUES["case_note"])
    release(worker, case, tuple(SERVICE_OF.values()))
    return case, to_utc(today - timedelta(days=2), time(3, minute))


def provider_of(org_type, *, org=None):
    org = org or factories.OrganisationFactory(org_type=org_type)
    return factories.UserFactory(role=Role.PROVIDER, organisation=org, locale="en")


def refer(worker, case, org, *, items=None, urgency=Urgency.URGENT, summary=None):
    referral = service.send_referral(
        worker,
        case,
        service.ReferralInput(
            to_org_id=org.id,
            service_type=SERVICE_OF[org.org_type],
            urgency=urgency,
            shared_items=tuple(sharing.PROFILES[org.org_type] if items is None else items),
            summary=summary or summary_of(org.org_type),
        ),
    )
    db.session.flush()
    return referral


def item_needles(incident_at: datetime, summary: str) -> dict[str, list[str]]:
    """What the page shows for each item (English pages)."""
    local = incident_at.astimezone(BISHKEK)
    return {
        "name": VALUES["full_name"].split(),
        "age": [f"{AGE} years"],
        "sex": ["Female"],
        "safe_contact": ["777314159", "Messenger app", *VALUES["safe_times"].split()],
        "address": VALUES["address"].split(),
        "children": VALUES["children"].split(),
        "incident_type": ["Rape"],
        "incident_date": [format_date(local.date(), "long", locale="en")],
        "incident_place": ["Market", VALUES["rayon"]],
        "incident_time_windows": [
            # "short" on pages names the month: the medium date with the short time.
            format_date(local.date(), "medium", locale="en"),
            format_time(local.replace(tzinfo=None), "short", locale="en"),
            "Hours since the incident",
            "HIV prevention (PEP)",
        ],
        "perpetrator_name": VALUES["perpetrator"].split(),
        "perpetrator_relationship": ["Family friend or neighbour"],
        "risk": ["Risk level", "She is in immediate danger."],
        "psychosocial_needs": VALUES["psychosocial"].split(),
        "material_needs": VALUES["material"].split(),
        "protection_order_status": ["Valid until"],
        "summary": summary.split(),
    }


def never_needles(other_types) -> list[str]:
    words = [w for key in NEVER_SHOWN for w in VALUES[key].split()]
    for other in other_types:
        words += summary_of(other).split() + feedback_of(other).split()
    return words


def test_each_provider_type_sees_exactly_its_profile(login_as):
    worker = factories.UserFactory(role=Role.CASEWORKER)
    case, incident_at = canary_case(worker)
    providers, referrals = {}, {}
    for org_type in PROVIDER_TYPES:
        providers[org_type] = provider_of(org_type)
        referrals[org_type] = refer(worker, case, providers[org_type].organisation)
    for org_type in PROVIDER_TYPES:  # every provider answers, with its feedback
        referral = referrals[org_type]
        service.provider_step(
            providers[org_type],
            referral,
            ReferralStatus.ACCEPTED,
            referral.lock_version,
            feedback=feedback_of(org_type),
        )
        db.session.flush()
    canaries = outside = 0
    for org_type in PROVIDER_TYPES:
        page = login_as(providers[org_type]).get(f"/referrals/{referrals[org_type].id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        profile = sharing.PROFILES[org_type]
        needles = item_needles(incident_at, summary_of(org_type))
        for code, words in needles.items():
            for word in words:
                canaries += 1
                if code in profile:
                    assert word in html, f"{org_type}: {code} ({word!r}) missing"
                elif word in html:
                    outside += 1
                    pytest.fail(f"{org_type}: {code} ({word!r}) shown outside the profile")
        others = [t for t in PROVIDER_TYPES if t != org_type]
        for word in never_needles(others):
            canaries += 1
            if word in html:
                outside += 1
                pytest.fail(f"{org_type}: {word!r} must never reach a provider")
        assert feedback_of(org_type).split()[0] in html  # its own feedback it sees
    print(
        f"[security] shared views: {len(PROVIDER_TYPES)} provider types, {canaries} canaries, "
        f"{outside} outside the profile"
    )
    assert outside == 0


def test_the_named_exclusions_hold_for_police_and_health(login_as):
    """The issue's examples, spelled out: psychosocial needs never in a police view, the
    perpetrator's name never in a health view, case notes and narrative in neither."""
    worker = factories.UserFactory(role=Role.CASEWORKER)
    case, _at = canary_case(worker)
    police = provider_of(OrganisationType.POLICE)
    health = provider_of(OrganisationType.HEALTH)
    # Posting every item never widens: the profile decides.
    to_police = refer(worker, case, police.organisation, items=tuple(sharing.ITEMS))
    to_health = refer(worker, case, health.organisation, items=tuple(sharing.ITEMS))
    police_page = login_as(police).get(f"/referrals/{to_police.id}").get_data(as_text=True)
    health_page = login_as(health).get(f"/referrals/{to_health.id}").get_data(as_text=True)
    assert VALUES["perpetrator"].split()[0] in police_page
    assert VALUES["psychosocial"].split()[0] not in police_page
    assert VALUES["perpetrator"].split()[0] not in health_page
    assert "HIV prevention (PEP)" in health_page
    for page in (police_page, health_page):
        assert VALUES["case_note"].split()[0] not in page
        assert VALUES["narrative"].split()[0] not in page


def test_shared_values_serve_any_holder_of_a_grant_for_exactly_those_items():
    """The paper slip reuses `shared_values` with the caseworker's grant: the same
    values in the profile's order; a grant short of one item's unit is refused."""
    worker = factories.UserFactory(role=Role.CASEWORKER)
    case, _at = canary_case(worker)
    org = factories.OrganisationFactory(org_type=OrganisationType.PSYCHOSOCIAL)
    referral = refer(worker, case, org)
    items = sharing.PROFILES[OrganisationType.PSYCHOSOCIAL]
    grant = case_policy.grant_for(worker, case, sharing.units_of(items))
    values = shared.shared_values(case, items, grant, referral=referral)
    assert tuple(values) == items
    assert values["psychosocial_needs"].lines[1].value == VALUES["psychosocial"]
    assert values["summary"].lines[0].value == summary_of(OrganisationType.PSYCHOSOCIAL)
    short = case_policy.grant_for(worker, case, sharing.units_of(items) - {U.NEEDS_PSYCHOSOCIAL})
    with pytest.raises(GrantError):
        shared.shared_values(case, items, short, referral=referral)
