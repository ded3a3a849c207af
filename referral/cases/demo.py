"""Demo cases: fictional survivors whose case files show every step, so that each
screen has something to show. Names and numbers are made up; the numbers sit in one
block (+996 700 000 1xx) so a demo that leaks into a real phone book is easy to spot.

Aigul's case is far along (consent, an incident with its perpetrator, high risk with a
safety plan, needs, a plan, a follow-up, a note); Bermet's incident was yesterday, so
the PEP window shows on the caseworker's home page; Nazgul's closure waits for the
supervisor; Jyldyz is a child whose caregiver is recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import func, select

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.cases import service, timeutil
from referral.cases.models.assessment import (
    NeedPriority,
    PerpetratorRelationship,
    PlaceType,
    RiskFactor,
)
from referral.cases.models.case import Case, ContactMethod, ReferralSource, RiskLevel, Sex
from referral.cases.models.closure import ClosureCheck, ClosureReason
from referral.cases.models.consent import (
    ChildAssent,
    ConsentDecision,
    ConsentGiver,
    ConsentKind,
    ConsentMethod,
)
from referral.cases.models.plan import FollowUpType, PlanArea, ServicesReceived
from referral.cases.service import (
    closure,
    consent,
    followup,
    incidents,
    notes,
    perpetrators,
    plan,
    risk,
)
from referral.directory.models import ServiceType
from referral.directory.service.locations import location_by_code
from referral.extensions import db

DEMO_RESIDENCE = "41711202000000"  # Bishkek, Oktyabr district

DEMO_CASES = [
    service.CaseInput(
        full_name="Айгүл Токтогулова",
        birth_date=date(1994, 3, 8),
        sex=Sex.FEMALE,
        phone="+996 700 000 101",
        safe_contact_method=ContactMethod.SMS,
        safe_times="after 18:00",
        referral_source=ReferralSource.HEALTH,
        accompanying_children="Two children, 4 and 7",
        note="Came with her two children; safe contact by phone after 18:00.",
    ),
    service.CaseInput(
        full_name="Бермет Асанова",
        birth_date=date(2001, 11, 2),
        sex=Sex.FEMALE,
        phone="+996 700 000 102",
        referral_source=ReferralSource.HOTLINE,
        note="Called the hotline; came the same day.",
    ),
    service.CaseInput(
        full_name="Nazgul Osmonova",
        birth_date=date(1987, 6, 15),
        sex=Sex.FEMALE,
        phone="+996 700 000 103",
        referral_source=ReferralSource.SELF,
    ),
    service.CaseInput(
        full_name="Жылдыз Мамытова",
        birth_date=date(2008, 1, 20),
        sex=Sex.FEMALE,
        caregiver_name="Гүлнара Мамытова",
        caregiver_relationship="aunt",
        caregiver_phone="+996 700 000 104",
        referral_source=ReferralSource.COMMITTEE,
        note="A child: caregiver consent to be recorded with the case file.",
    ),
]


def _consents(user: User, case, child: bool = False) -> None:
    giver = ConsentGiver.CAREGIVER if child else ConsentGiver.SURVIVOR
    common = {"given_by": giver, "method": ConsentMethod.VERBAL}
    if child:
        common["child_assent"] = ChildAssent.GIVEN
    for kind, extra in (
        (ConsentKind.SERVICES, {}),
        (
            ConsentKind.RELEASE,
            {
                "service_types": (
                    ServiceType.POLICE_INTERNAL_AFFAIRS,
                    ServiceType.PSYCHOLOGIST_COUNSELLING,
                    ServiceType.HEALTH_SEXUAL_REPRODUCTIVE,
                )
            },
        ),
        (ConsentKind.REPORTING, {}),
    ):
        data = consent.ConsentInput(
            kind=kind,
            decision=ConsentDecision.GIVEN,
            mandatory_reporting_explained=True,
            **common,
            **extra,
        )
        consent.record_consent(user, case, data, consent.history_version(case))


def _far_along(user: User, case) -> None:
    # Opened three weeks ago, so that its follow-up can be overdue today.
    case.created_at = case.created_at - timedelta(days=21)
    _consents(user, case)
    day = timeutil.local_now().date() - timedelta(days=12)
    incident = incidents.add_incident(
        user,
        case,
        incidents.IncidentInput(
            incident_date=day,
            report_date=day + timedelta(days=1),
            q_penetration=False,
            q_sexual_contact=False,
            q_physical_assault=True,
            reported_to_police=False,
            narrative="Her husband beat her at home in front of the children.",
        ),
    )
    perpetrators.add_perpetrator(
        user,
        case,
        incident,
        perpetrators.PerpetratorInput(
            relationship_to_survivor=PerpetratorRelationship.INTIMATE_PARTNER,
            is_primary=True,
            sex=Sex.MALE,
            lives_with_survivor=True,
            previous_gbv=True,
            name="Demo Husband",
        ),
    )
    risk.assess_risk(
        user,
        case,
        risk.RiskInput(
            level=RiskLevel.HIGH,
            immediate_danger=True,
            factors=(RiskFactor.THREATS_TO_KILL, RiskFactor.WEAPON),
            safety_concern="He threatened to kill her if she leaves.",
            safety_where_to_go="Her sister's house; the shelter if he follows.",
            safety_who_to_call="102, the crisis centre hotline.",
        ),
        None,
    )
    risk.assess_needs(
        user,
        case,
        risk.NeedsInput(
            safety_priority=NeedPriority.HIGH,
            safety_text="A safe place for her and the children tonight.",
            legal_priority=NeedPriority.MEDIUM,
            legal_text="Protection order; advice on divorce and alimony.",
            psychosocial_priority=NeedPriority.MEDIUM,
        ),
        None,
    )
    plan.add_action_item(
        user,
        case,
        plan.ActionItemInput(
            area=PlanArea.LEGAL,
            goal="Ask the police for a temporary protection order.",
            owner_id=user.id,
            due_date=timeutil.local_now().date() + timedelta(days=3),
            service_type=ServiceType.POLICE_INTERNAL_AFFAIRS,
        ),
    )
    followup.add_follow_up(
        user,
        case,
        followup.FollowUpInput(
            held_on=timeutil.local_now().date() - timedelta(days=5),
            kind=FollowUpType.PHONE,
            services_received=ServicesReceived.PARTLY,
            notes="She is staying with her sister.",
            next_date=timeutil.local_now().date() - timedelta(days=1),
        ),
    )
    notes.add_note(user, case, "She asked us not to call while he is at home.")


def _pep_window(user: User, case) -> None:
    _consents(user, case)
    yesterday = timeutil.local_now() - timedelta(hours=20)
    incidents.add_incident(
        user,
        case,
        incidents.IncidentInput(
            incident_date=yesterday.date(),
            incident_time=yesterday.time().replace(second=0, microsecond=0),
            q_penetration=True,
            narrative="Raped by an acquaintance after a party.",
        ),
    )


def _closure_requested(user: User, case) -> None:
    _consents(user, case)
    db.session.flush()
    closure.request_closure(
        user,
        case,
        closure.ClosureRequestInput(reason=ClosureReason.NEEDS_MET, checklist=tuple(ClosureCheck)),
        case.lock_version,
    )


def seed(username: str = "caseworker") -> int:
    """Open the demo cases once for the demo caseworker (with their steps). Returns how
    many were opened."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or user.role != Role.CASEWORKER:
        return 0
    owned = db.session.execute(
        select(func.count()).select_from(Case).where(Case.owner_id == user.id)
    ).scalar_one()
    if owned:
        return 0
    # They live in Bishkek's Oktyabr district, where the demo providers work.
    home = location_by_code(DEMO_RESIDENCE)
    residence = {"residence_location_id": home.id} if home is not None else {}
    cases = [service.open_case(user, replace(data, **residence)) for data in DEMO_CASES]
    db.session.flush()
    _far_along(user, cases[0])
    _pep_window(user, cases[1])
    _closure_requested(user, cases[2])
    _consents(user, cases[3], child=True)
    db.session.flush()
    return len(cases)


# --- counted cases for the Sokuluk committee's statistics --------------------------------

COUNTED_RAYON = "41708222000000"  # Sokuluk, Chüy: the demo committee's area
COUNTED_OWNER = "chuy-caseworker"  # a caseworker of the Chüy crisis centre, not a login
_FIRST = ("Айым", "Гүлсара", "Назира", "Чынара", "Мээрим", "Жамиля", "Асель", "Бурул")
_LAST = ("Абдыкадырова", "Бообекова", "Дөөлөтова", "Эсенова", "Жусупова", "Кадырова")
# (GBV type's questions, relationship of the main perpetrator, place): cycled so that
# each type, relationship and month holds at least the publication threshold of 5.
_R, _P = PerpetratorRelationship, PlaceType
_PATTERNS = (
    ({"q_physical_assault": True}, _R.INTIMATE_PARTNER, _P.SHARED_HOME),
    ({"q_psychological": True}, _R.INTIMATE_PARTNER, _P.SHARED_HOME),
    ({"q_sexual_contact": True}, _R.FAMILY_OTHER, _P.SURVIVOR_HOME),
    ({"q_denial": True}, _R.INTIMATE_PARTNER, _P.SHARED_HOME),
    ({"q_penetration": True}, _R.FAMILY_FRIEND, _P.STREET),
    ({"q_forced_marriage": True}, _R.COMMUNITY_MEMBER, _P.PERPETRATOR_HOME),
)
_QUESTIONS = (
    "q_penetration",
    "q_sexual_contact",
    "q_physical_assault",
    "q_forced_marriage",
    "q_denial",
    "q_psychological",
)
COUNTED_CASES = 36  # 6 types x 6 months


def _counted_incident(pattern: int, days_ago: int, place_id) -> incidents.IncidentInput:
    answers, _relationship, place = _PATTERNS[pattern]
    # The classification asks the questions in order: the ones before the answer are "no".
    asked = {}
    for question in _QUESTIONS:
        asked[question] = answers.get(question, False)
        if asked[question]:
            break
    day = timeutil.local_now().date() - timedelta(days=days_ago)
    return incidents.IncidentInput(
        incident_date=day,
        report_date=day + timedelta(days=days_ago % 3),
        place_type=place,
        location_id=place_id,
        **asked,
    )


def seed_counted(username: str = COUNTED_OWNER) -> int:
    """Fictional Sokuluk cases with reporting consent, enough for the committee's
    dashboard and monthly report to publish figures (fewer than the threshold in a scope
    publish nothing, and the page then offers no export). Once: none while their owner
    has any case. Returns how many were opened."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    rayon = location_by_code(COUNTED_RAYON)
    if user is None or user.role != Role.CASEWORKER or rayon is None:
        return 0
    owned = db.session.execute(
        select(func.count()).select_from(Case).where(Case.owner_id == user.id)
    ).scalar_one()
    if owned:
        return 0
    common = {"given_by": ConsentGiver.SURVIVOR, "method": ConsentMethod.VERBAL}
    for number in range(COUNTED_CASES):
        pattern, month = number % len(_PATTERNS), number // len(_PATTERNS)
        case = service.open_case(
            user,
            service.CaseInput(
                full_name=f"{_FIRST[number % len(_FIRST)]} {_LAST[number % len(_LAST)]}",
                birth_date=date(1968 + number, 1 + number % 12, 1 + number % 27),
                sex=Sex.MALE if number % 9 == 8 else Sex.FEMALE,
                referral_source=ReferralSource.SELF,
                residence_location_id=rayon.id,
            ),
        )
        db.session.flush()
        for kind in (ConsentKind.SERVICES, ConsentKind.REPORTING):
            consent.record_consent(
                user,
                case,
                consent.ConsentInput(
                    kind=kind,
                    decision=ConsentDecision.GIVEN,
                    mandatory_reporting_explained=True,
                    **common,
                ),
                consent.history_version(case),
            )
        # Mid-month, one month apart: six months of reports.
        incident = incidents.add_incident(
            user, case, _counted_incident(pattern, 12 + 30 * month + number % 5, rayon.id)
        )
        perpetrators.add_perpetrator(
            user,
            case,
            incident,
            perpetrators.PerpetratorInput(
                relationship_to_survivor=_PATTERNS[pattern][1], is_primary=True, sex=Sex.MALE
            ),
        )
    db.session.flush()
    return COUNTED_CASES
