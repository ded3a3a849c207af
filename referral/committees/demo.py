"""Demo committees and pathways: Sokuluk (Chüy) and Naryn, and the national default.

Called by referral.demo.service.seed_demo after the demo organisations and users exist.
Re-running adds nothing: a committee is looked up by its English name, and a pathway that
already has versions is left as it is. People named here are fictional.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from referral.auth.models import User
from referral.committees import service
from referral.committees.models import ActivityType, Committee, MemberAgency, Pathway
from referral.db import utcnow
from referral.directory import service as directory
from referral.directory.models import Organisation, ServiceType
from referral.extensions import db

ST = ServiceType

# Demo organisations (referral.demo.service) by English name, for preferred providers.
CRISIS = "Bishkek Crisis Centre for Women"
POLICE = "Oktyabr District Internal Affairs Department"
HEALTH = "Family Medicine Centre No. 6"
PSYCH = 'Psychological Support Practice "Ishenim"'
LEGAL = 'Legal Aid NGO "Adilet"'
SHELTER = "Safe House for Women and Children"
SOCIAL = "Oktyabr District Department of Social Protection"

# (service type, target hours, (en, ru, ky), preferred providers)
CALL_112 = (
    "If she is in immediate danger, call 112 first.",
    "При непосредственной опасности сначала звоните 112.",
    "Түздөн-түз коркунуч болсо, адегенде 112ге чалыңыз.",
)
STEPS = {
    "crisis": (
        ST.CRISIS_CENTRE,
        24,
        (
            "Offer a referral to the crisis centre. With her consent pass on only her "
            "contact details and how urgent it is.",
            "Предложите направление в кризисный центр. С её согласия передайте только "
            "контакты и срочность.",
            "Кризистик борборго жолдомо сунуштаңыз. Анын макулдугу менен байланыш "
            "маалыматын жана шашылыштыгын гана бериңиз.",
        ),
        [CRISIS],
    ),
    "health": (
        ST.HEALTH_SEXUAL_REPRODUCTIVE,
        12,
        (
            "After rape: health care now. PEP works within 72 hours, emergency "
            "contraception within 120 hours.",
            "После изнасилования — медицинская помощь сразу. ПКП эффективна в течение "
            "72 часов, экстренная контрацепция — 120 часов.",
            "Зордуктан кийин — дароо медициналык жардам. ПКП 72 сааттын ичинде, "
            "шашылыш контрацепция 120 сааттын ичинде таасир этет.",
        ),
        [HEALTH],
    ),
    "police": (
        ST.POLICE_DISTRICT_INSPECTOR,
        24,
        (
            "The district inspector registers the report and issues a temporary "
            "protection order. " + CALL_112[0],
            "Участковый регистрирует заявление и выдаёт временное охранное "
            "предписание. " + CALL_112[1],
            "Участкалык инспектор арызды каттап, убактылуу коргоо ордерин берет. " + CALL_112[2],
        ),
        [POLICE],
    ),
    "forensic": (
        ST.FORENSIC_MEDICAL_EXAMINATION,
        72,
        (
            "Only with her consent. The police give the referral for the examination.",
            "Только с её согласия. Направление на экспертизу выдаёт милиция.",
            "Анын макулдугу менен гана. Экспертизага жолдомону милиция берет.",
        ),
        [],
    ),
    "psych": (
        ST.PSYCHOLOGIST_COUNSELLING,
        72,
        (
            "First session within three days; children are seen with a caregiver.",
            "Первая встреча в течение трёх дней; дети — вместе с опекуном.",
            "Биринчи жолугушуу үч күндүн ичинде; балдар камкорчусу менен келишет.",
        ),
        [PSYCH],
    ),
    "shelter": (
        ST.SHELTER_SAFE_ACCOMMODATION,
        24,
        (
            "When it is not safe to go home. Never write down or pass on the shelter's "
            "address; arrange transport through the crisis centre.",
            "Когда возвращаться домой небезопасно. Никогда не записывайте и не "
            "передавайте адрес убежища; транспорт — через кризисный центр.",
            "Үйгө кайтуу коопсуз болбосо. Баш калкалоочу жайдын дарегин эч качан "
            "жазбаңыз жана бербеңиз; унааны кризистик борбор аркылуу уюштуруңуз.",
        ),
        [SHELTER],
    ),
    "legal": (
        ST.LEGAL_AID_NGO,
        120,
        (
            "Protection orders, divorce, alimony and property; free of charge.",
            "Охранные предписания, развод, алименты и имущество; бесплатно.",
            "Коргоо ордерлери, ажырашуу, алимент жана мүлк; акысыз.",
        ),
        [LEGAL],
    ),
    "social": (
        ST.SOCIAL_PROTECTION_DEPARTMENT,
        120,
        (
            "Benefits, documents and support in a difficult life situation; for a child, "
            "also inform child protection.",
            "Пособия, документы и поддержка в трудной жизненной ситуации; если это "
            "ребёнок, сообщите и в службу защиты детей.",
            "Жөлөкпулдар, документтер жана оор турмуштук кырдаалда колдоо; бала болсо, "
            "балдарды коргоо кызматына да кабарлаңыз.",
        ),
        [SOCIAL],
    ),
}

COMMITTEES = [
    {
        "name": (
            "Sokuluk GBV Prevention Committee",
            "Сокулукский комитет по профилактике насилия",
            "Сокулук зомбулуктун алдын алуу комитети",
        ),
        "partners": "UNODC, Women Support Centre, Sokuluk rayon administration",
        "areas": ["41708222000000"],
        "local": ("Chüy", "Sokuluk"),
        "coordinator": ("committee", MemberAgency.LOCAL_SELF_GOVERNMENT, "Social affairs officer"),
        "people": [
            ("Gulmira Asanova", "Chair of the women's council", MemberAgency.WOMEN_COUNCIL),
            ("Talant Abdyldaev", "District police inspector", MemberAgency.POLICE),
            ("Aigul Toktosunova", "Family doctor, FMC", MemberAgency.HEALTH_WORKER),
            ("Ainura Mamytova", "Social worker", MemberAgency.SOCIAL_WORKER),
            ("Nurlan Sadykov", "School director", MemberAgency.EDUCATION),
            ("Bermet Osmonova", "Youth volunteer", MemberAgency.COMMUNITY_MEMBER),
        ],
        "activities": [
            (10, ActivityType.MEETING, "Quarterly committee meeting", 9, 5, None),
            (35, ActivityType.AWARENESS_SESSION, "School session on early marriage", 64, 52, None),
            (80, ActivityType.CAMPAIGN, "16 days of activism: market stalls", 120, 45, None),
            (
                130,
                ActivityType.RESOURCE_MOBILISATION,
                "Aiyl budget: room for a consultation point",
                None,
                None,
                150_000,
            ),
        ],
        # Version 1 (superseded) and version 2 (in force): the history shows on the page.
        "versions": [
            ["crisis", "police", "health", "psych", "legal", "social"],
            ["crisis", "health", "police", "forensic", "shelter", "psych", "legal", "social"],
        ],
    },
    {
        "name": (
            "Naryn GBV Prevention Committee",
            "Нарынский комитет по профилактике насилия",
            "Нарын зомбулуктун алдын алуу комитети",
        ),
        "partners": "Naryn rayon administration, women's councils",
        "areas": ["41704245000000", "41704400000010"],
        "local": ("Naryn", "Naryn"),
        "coordinator": None,
        "people": [
            (
                "Cholpon Jumabaeva",
                "Deputy head of the aiyl okmotu",
                MemberAgency.LOCAL_SELF_GOVERNMENT,
            ),
            ("Azamat Kadyrov", "District police inspector", MemberAgency.POLICE),
            ("Nazgul Beishenova", "Nurse, group of family doctors", MemberAgency.HEALTH_WORKER),
            ("Kubanychbek Omurov", "Imam of the central mosque", MemberAgency.RELIGIOUS_LEADER),
            ("Meerim Sultanova", "Crisis centre NGO", MemberAgency.NGO),
        ],
        "activities": [
            (20, ActivityType.MEETING, "Committee meeting with the aiyl okmotu", 6, 4, None),
            (55, ActivityType.AWARENESS_SESSION, "Talk on ala kachuu at the college", 40, 38, None),
        ],
        "versions": [["crisis", "police", "health", "psych", "social", "legal"]],
    },
]

# A committee's pathway prefers the providers of its own rayon and oblast (the demo
# directory's names, referral.directory.demo), not Bishkek's.
LOCAL_PROVIDERS = {
    "crisis": "{oblast} Crisis Centre for Women and Children",
    "police": "{rayon} District Internal Affairs Department",
    "health": "{rayon} Family Medicine Centre",
    "psych": "Psychological Support Office, {oblast} Region",
    "legal": "State Legal Aid Centre, {oblast} Region",
    "shelter": "{oblast} Safe House",
    "social": "{rayon} District Department of Labour, Social Security and Migration",
    "forensic": "Forensic Medical Examination Office, {oblast} Region",
}
# Where the local provider offers another type than the national default: the state's
# legal aid centre, not an NGO, serves the rayons.
LOCAL_TYPES = {"legal": ST.LEGAL_AID_STATE}


def _local(spec: dict) -> dict[str, str]:
    if "local" not in spec:
        return {}
    oblast, rayon = spec["local"]
    return {key: name.format(oblast=oblast, rayon=rayon) for key, name in LOCAL_PROVIDERS.items()}


NATIONAL_STEPS = ["crisis", "health", "police", "forensic", "psych", "shelter", "legal", "social"]


def seed() -> int:
    """Seed the demo committees and pathways; returns how many committees were added."""
    wanted = {CRISIS, POLICE, HEALTH, PSYCH, LEGAL, SHELTER, SOCIAL}
    wanted |= {name for spec in COMMITTEES for name in _local(spec).values()}
    orgs = {
        o.name_en: o
        for o in db.session.execute(select(Organisation)).scalars()
        if o.name_en in wanted
    }
    admin = _user("admin")
    added = 0
    for spec in COMMITTEES:
        if _committee(spec["name"][0]) is not None:
            continue
        areas = [directory.location_by_code(code) for code in spec["areas"]]
        en, ru, ky = spec["name"]
        try:
            committee = service.create_committee(
                service.CommitteeInput(
                    name_en=en,
                    name_ru=ru,
                    name_ky=ky,
                    founding_partners=spec["partners"],
                    area_ids=[loc.id for loc in areas if loc is not None],
                )
            )
        except service.CommitteeError:
            continue  # someone gave these places to another committee: leave theirs be
        coordinator = _add_members(committee, spec)
        _add_activities(committee, spec, coordinator)
        for keys in spec["versions"]:
            _publish(committee.pathway, keys, orgs, coordinator or admin, _local(spec), LOCAL_TYPES)
        added += 1
    national = service.national_pathway()
    if not national.versions:
        # The national default names no provider but the Bishkek police for its police
        # step, so that a referral along it from the capital finds the district inspector.
        police = {POLICE: orgs[POLICE]} if POLICE in orgs else {}
        _publish(national, NATIONAL_STEPS, police, admin)
    db.session.flush()
    return added


def _committee(name_en: str) -> Committee | None:
    return db.session.execute(
        select(Committee).where(Committee.name_en == name_en)
    ).scalar_one_or_none()


def _user(username: str) -> User | None:
    return db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _add_members(committee: Committee, spec: dict) -> User | None:
    coordinator = None
    if spec["coordinator"] is not None:
        username, agency, position = spec["coordinator"]
        coordinator = _user(username)
        if coordinator is not None:
            service.add_member(
                committee,
                service.MemberInput(agency=agency, position=position, user_id=coordinator.id),
            )
    for full_name, position, agency in spec["people"]:
        service.add_member(
            committee, service.MemberInput(agency=agency, position=position, full_name=full_name)
        )
    if coordinator is not None:
        data = service.CommitteeInput(
            name_ky=committee.name_ky,
            name_ru=committee.name_ru,
            name_en=committee.name_en,
            founding_partners=committee.founding_partners,
            area_ids=[loc.id for loc in committee.areas],
            coordinator_id=coordinator.id,
        )
        service.update_committee(committee, data)
    return coordinator


def _add_activities(committee: Committee, spec: dict, by: User | None) -> None:
    today = utcnow().date()
    for days_ago, kind, title, women, men, som in spec["activities"]:
        service.log_activity(
            committee,
            service.ActivityInput(
                occurred_on=today - timedelta(days=days_ago),
                activity_type=kind,
                title=title,
                participants_women=women,
                participants_men=men,
                resources_som=som,
            ),
            by=by,
        )


def _publish(
    pathway: Pathway,
    keys: list[str],
    orgs: dict,
    by: User | None,
    local: dict | None = None,
    types: dict | None = None,
) -> None:
    draft = service.start_draft(pathway, by)
    for step in list(draft.steps):  # a new version starts as a copy: rebuild it
        service.remove_step(step)
    for key in keys:
        service_type, hours, (en, ru, ky), providers = STEPS[key]
        service_type = (types or {}).get(key, service_type)
        step = service.add_step(
            draft,
            service.StepInput(
                service_type=service_type,
                target_hours=hours,
                guidance_en=en,
                guidance_ru=ru,
                guidance_ky=ky,
            ),
        )
        # The local provider where the directory has it, else the step's default.
        if (local or {}).get(key) in orgs:
            providers = [local[key]]
        for name in providers:
            if name in orgs:
                service.add_preferred_provider(step, orgs[name])
    service.publish(draft, by)
